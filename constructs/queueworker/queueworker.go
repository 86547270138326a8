// Package queueworker provides a construct that feeds an SQS queue to a Lambda
// function: an encrypted, TLS-only queue with a dead-letter queue (redrive
// policy), an event source mapping that reports batch item failures, and
// alarms on the dead-letter queue and on the age of the oldest message.
//
// The handler must return events.SQSEventResponse with the message IDs that
// failed: those messages become visible again after the visibility timeout
// and, after MaxReceiveCount receives, move to the dead-letter queue.
//
//	w := queueworker.New(stack, jsii.String("Kitchen"), &queueworker.Props{
//		Function: kitchen.Function,
//	})
//	w.Queue.GrantSendMessages(publisher.Function)
package queueworker

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/alarm"
	"github.com/example/orderflow/constructs/internal/nag"
)

// Limits checked at synth (SQS and Lambda event source mapping quotas).
const (
	MinBatchSize        = 1
	MaxBatchSize        = 10     // without a batching window; 10,000 with one
	MaxBatchSizeWindow  = 10_000 // with MaxBatchingWindow > 0
	MinMaxReceiveCount  = 1
	MaxMaxReceiveCount  = 1_000
	MaxRetentionSeconds = 14 * 24 * 3600 // SQS message retention maximum, 14 days
	MinRetentionSeconds = 60             // SQS message retention minimum, 1 minute
	MaxVisibilitySecs   = 12 * 3600      // SQS visibility timeout maximum, 12 hours
	VisibilityFactor    = 6              // AWS guidance: visibility >= 6 x function timeout + batching window
)

// Props configures a QueueWorker. Nil fields take the documented default.
type Props struct {
	// Function consumes the queue. Its Timeout sets the default visibility
	// timeout (a function without one has Lambda's default of 3 s). Required.
	Function awslambda.Function
	// VisibilityTimeout of the queue; at least 6 x the function timeout plus
	// MaxBatchingWindow (Lambda's guidance for SQS event sources), at most
	// 12 hours; less or more fails synth. Default: exactly that minimum.
	VisibilityTimeout awscdk.Duration
	// RetentionPeriod of messages on the queue, 1 minute-14 days.
	// Default: 4 days (the SQS default).
	RetentionPeriod awscdk.Duration
	// DeadLetterRetentionPeriod of messages on the dead-letter queue, longer
	// than RetentionPeriod (SQS keeps a message's original enqueue time when it
	// moves to a standard dead-letter queue) and at most 14 days; otherwise
	// synth fails. Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
	// MaxReceiveCount: receives before a message moves to the dead-letter queue,
	// 1-1,000. Default: 5.
	MaxReceiveCount *float64
	// BatchSize: messages per invocation, 1-10, or up to 10,000 with a
	// MaxBatchingWindow. Default: 10.
	BatchSize *float64
	// MaxBatchingWindow: how long Lambda gathers messages before invoking,
	// 0-300 s. Default: none (invoke as soon as messages arrive).
	MaxBatchingWindow awscdk.Duration
	// MaxConcurrency: most concurrent invocations this source starts, 2-1,000.
	// Default: none (up to the function's concurrency).
	MaxConcurrency *float64
	// Encryption of both queues. Default: awssqs.QueueEncryption_SQS_MANAGED
	// (SSE-SQS, no KMS key to manage or pay for).
	Encryption awssqs.QueueEncryption
	// MessageAgeAlarmThreshold: MessageAgeAlarm goes off when the oldest
	// message of the queue (ApproximateAgeOfOldestMessage, Maximum over 5
	// minutes) is older than this, at least 1 s: the consumer is stuck or
	// falls behind. Default: 15 minutes.
	MessageAgeAlarmThreshold awscdk.Duration
	// AlarmAction is told when an alarm of the worker goes to ALARM and back
	// to OK, e.g. awscloudwatchactions.NewSnsAction(topic).
	// Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
}

// QueueWorker is what New built.
type QueueWorker struct {
	// Queue is the source queue; producers get send rights with
	// Queue.GrantSendMessages (sqs:SendMessage, sqs:GetQueueAttributes,
	// sqs:GetQueueUrl).
	Queue awssqs.Queue
	// DeadLetterQueue receives messages after MaxReceiveCount failed receives.
	DeadLetterQueue awssqs.Queue
	// EventSource is the SQS event source mapping's source, with
	// ReportBatchItemFailures on.
	EventSource awslambdaeventsources.SqsEventSource
	// DeadLetterQueueAlarm: the dead-letter queue holds messages
	// (ApproximateNumberOfMessagesVisible Maximum > 0 in 5 minutes). Missing
	// data keeps the state: SQS stops reporting a queue untouched for 6 hours.
	DeadLetterQueueAlarm awscloudwatch.Alarm
	// MessageAgeAlarm: ApproximateAgeOfOldestMessage (Maximum) >
	// MessageAgeAlarmThreshold, in seconds, in 5 minutes. Missing data is OK.
	MessageAgeAlarm awscloudwatch.Alarm
	// Alarms are DeadLetterQueueAlarm and MessageAgeAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the queue, its dead-letter queue, the event source mapping and
// the alarms. Construct IDs below id: "Queue", "DeadLetterQueue",
// "DeadLetterQueueAlarm", "MessageAgeAlarm". The event source
// grants the function sqs:ReceiveMessage, sqs:ChangeMessageVisibility,
// sqs:GetQueueUrl, sqs:DeleteMessage and sqs:GetQueueAttributes on Queue only.
// Bad props fail synth with a message naming the field and value.
func New(scope constructs.Construct, id *string, props *Props) *QueueWorker {
	c := constructs.NewConstruct(scope, id)
	if props == nil || props.Function == nil {
		panic(fmt.Sprintf("queueworker: Function is required (construct %s)", *c.Node().Path()))
	}
	p := *props
	fnTimeout := 3.0
	if t := p.Function.Timeout(); t != nil {
		fnTimeout = *t.ToSeconds(nil)
	}
	window := 0.0
	if p.MaxBatchingWindow != nil {
		window = *p.MaxBatchingWindow.ToSeconds(nil)
	}
	minVisibility := VisibilityFactor*fnTimeout + window
	var problems []string
	if p.VisibilityTimeout == nil {
		p.VisibilityTimeout = awscdk.Duration_Seconds(jsii.Number(minVisibility))
	} else if v := *p.VisibilityTimeout.ToSeconds(nil); v < minVisibility || v > MaxVisibilitySecs {
		problems = append(problems, fmt.Sprintf("queueworker: VisibilityTimeout %ss must be at least 6 x the function timeout (%ss) + MaxBatchingWindow (%ss) = %ss, and at most %ds", num(v), num(fnTimeout), num(window), num(minVisibility), MaxVisibilitySecs))
	}
	if p.RetentionPeriod == nil {
		p.RetentionPeriod = awscdk.Duration_Days(jsii.Number(4))
	}
	if p.DeadLetterRetentionPeriod == nil {
		p.DeadLetterRetentionPeriod = awscdk.Duration_Days(jsii.Number(14))
	}
	ret, dlqRet := *p.RetentionPeriod.ToSeconds(nil), *p.DeadLetterRetentionPeriod.ToSeconds(nil)
	if ret < MinRetentionSeconds || ret > MaxRetentionSeconds {
		problems = append(problems, fmt.Sprintf("queueworker: RetentionPeriod %ss is outside the SQS range %d-%ds", num(ret), MinRetentionSeconds, MaxRetentionSeconds))
	}
	if dlqRet > MaxRetentionSeconds {
		problems = append(problems, fmt.Sprintf("queueworker: DeadLetterRetentionPeriod %ss exceeds the SQS maximum of %ds", num(dlqRet), MaxRetentionSeconds))
	} else if dlqRet <= ret {
		problems = append(problems, fmt.Sprintf("queueworker: DeadLetterRetentionPeriod %ss must be longer than RetentionPeriod %ss, or messages expire from the dead-letter queue before anyone sees them", num(dlqRet), num(ret)))
	}
	if p.MaxReceiveCount == nil {
		p.MaxReceiveCount = jsii.Number(5)
	} else if m := *p.MaxReceiveCount; m < MinMaxReceiveCount || m > MaxMaxReceiveCount {
		problems = append(problems, fmt.Sprintf("queueworker: MaxReceiveCount %s is outside %d-%d", num(m), MinMaxReceiveCount, MaxMaxReceiveCount))
	}
	maxBatch := float64(MaxBatchSize)
	if window > 0 {
		maxBatch = MaxBatchSizeWindow
	}
	if p.BatchSize == nil {
		p.BatchSize = jsii.Number(10)
	} else if b := *p.BatchSize; b < MinBatchSize || b > maxBatch {
		problems = append(problems, fmt.Sprintf("queueworker: BatchSize %s is outside %d-%s (10,000 needs a MaxBatchingWindow)", num(b), MinBatchSize, num(maxBatch)))
	}
	if p.Encryption == "" {
		p.Encryption = awssqs.QueueEncryption_SQS_MANAGED
	}
	if p.MessageAgeAlarmThreshold == nil {
		p.MessageAgeAlarmThreshold = awscdk.Duration_Minutes(jsii.Number(15))
	} else if ms := *p.MessageAgeAlarmThreshold.ToMilliseconds(nil); ms < 1000 {
		problems = append(problems, fmt.Sprintf("queueworker: MessageAgeAlarmThreshold %ss must be at least 1s", num(ms/1000)))
	}
	if len(problems) > 0 {
		// Fail before defining resources with values CDK itself would reject.
		panic(fmt.Sprintf("%s (construct %s)", strings.Join(problems, "; "), *c.Node().Path()))
	}

	dlq := awssqs.NewQueue(c, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      p.Encryption,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: p.DeadLetterRetentionPeriod,
	})
	nag.Suppress(dlq, "Serverless-SQSRedrivePolicy", "This queue is the dead-letter queue of the worker's queue; messages here are inspected and redriven by an operator.")
	queue := awssqs.NewQueue(c, jsii.String("Queue"), &awssqs.QueueProps{
		Encryption:        p.Encryption,
		EnforceSSL:        jsii.Bool(true),
		RetentionPeriod:   p.RetentionPeriod,
		VisibilityTimeout: p.VisibilityTimeout,
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           dlq,
			MaxReceiveCount: p.MaxReceiveCount,
		},
	})
	src := awslambdaeventsources.NewSqsEventSource(queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               p.BatchSize,
		MaxBatchingWindow:       p.MaxBatchingWindow,
		MaxConcurrency:          p.MaxConcurrency,
		ReportBatchItemFailures: jsii.Bool(true),
	})
	before := len(*p.Function.Node().Children())
	p.Function.AddEventSource(src)
	nag.NotAsyncInvoked(p.Function, "an SQS event source mapping polls the queue; the queue's redrive policy moves failed messages to its dead-letter queue")
	// SQS event source mappings take no on-failure destination: the redrive
	// policy above is the mechanism.
	for _, child := range (*p.Function.Node().Children())[before:] { // the mapping AddEventSource created
		nag.Suppress(child, "Serverless-LambdaEventSourceMappingDestination", "SQS event source mappings do not support on-failure destinations; the queue's redrive policy moves failed messages to its dead-letter queue.")
	}
	w := &QueueWorker{Queue: queue, DeadLetterQueue: dlq, EventSource: src}
	w.DeadLetterQueueAlarm = alarm.DeadLetterQueue(c, dlq, p.AlarmAction)
	age := *p.MessageAgeAlarmThreshold.ToMilliseconds(nil) / 1000
	w.MessageAgeAlarm = alarm.New(c, "MessageAgeAlarm", alarm.Spec{
		Metric:      queue.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum")}),
		Threshold:   age,
		Description: fmt.Sprintf("the oldest message of the queue is older than %ss: the consumer is stuck or falls behind.", num(age)),
	}, p.AlarmAction)
	w.Alarms = []awscloudwatch.Alarm{w.DeadLetterQueueAlarm, w.MessageAgeAlarm}
	return w
}

// num formats a number as written, without exponent: 1209600, 1.5.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
