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
//
// With Props.Queue it consumes a queue you already have instead (and alarms
// on its dead-letter queue, Props.DeadLetterQueue): its owner keeps its
// visibility timeout and redrive policy.
package queueworker

import (
	"fmt"
	"math"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/nag"
)

// Limits checked at synth (SQS and Lambda event source mapping quotas).
const (
	MinBatchSize          = 1
	MaxBatchSize          = 10     // without a batching window; 10,000 with one
	MaxBatchSizeWindow    = 10_000 // with MaxBatchingWindow > 0
	MinMaxReceiveCount    = 1
	MaxMaxReceiveCount    = 1_000
	MaxRetentionSeconds   = 14 * 24 * 3600 // SQS message retention maximum, 14 days
	MinRetentionSeconds   = 60             // SQS message retention minimum, 1 minute
	MaxVisibilitySecs     = 12 * 3600      // SQS visibility timeout maximum, 12 hours
	VisibilityFactor      = 6              // AWS guidance: visibility >= 6 x function timeout + batching window
	MaxBatchingWindowSecs = 300            // event source mapping maximum, 5 minutes
	MinMaxConcurrency     = 2
	MaxMaxConcurrency     = 1_000
)

// Props configures a QueueWorker. Nil fields take the documented default.
type Props struct {
	// Function consumes the queue: an awslambda.Function of the app, or an
	// imported one with its role (awslambda.Function_FromFunctionAttributes
	// with Role: the mapping grants it the receive and delete actions). A
	// function of the app sets the default visibility timeout from its
	// Timeout (Lambda's default 3 s when it sets none). Required.
	Function awslambda.IFunction
	// Queue to consume instead of a new one: an existing queue (e.g.
	// awssqs.Queue_FromQueueArn). Its owner keeps its settings: give it a
	// visibility timeout of at least 6 x the function timeout +
	// MaxBatchingWindow and a redrive policy to a dead-letter queue. Setting
	// VisibilityTimeout, RetentionPeriod, DeadLetterRetentionPeriod,
	// MaxReceiveCount or Encryption with it fails synth: they configure the
	// queue this construct creates. Default: a new encrypted, TLS-only queue
	// with a dead-letter queue.
	Queue awssqs.IQueue
	// DeadLetterQueue of Queue, alarmed on (DeadLetterQueueAlarm). Only with
	// Queue, and required with an imported one: a queue without a dead-letter
	// queue loses what fails MaxReceiveCount times silently, when its
	// retention ends. Default: the dead-letter queue of Queue's redrive
	// policy when Queue is an awssqs.Queue of the app; the new one otherwise.
	DeadLetterQueue awssqs.IQueue
	// VisibilityTimeout of the new queue; at least 6 x the function timeout
	// plus MaxBatchingWindow (Lambda's guidance for SQS event sources), at
	// most 12 hours; less or more fails synth. Required with an imported
	// Function (its timeout is unknown). Default: exactly that minimum.
	VisibilityTimeout awscdk.Duration
	// RetentionPeriod of messages on the new queue, 1 minute-14 days.
	// Default: 4 days (the SQS default).
	RetentionPeriod awscdk.Duration
	// DeadLetterRetentionPeriod of messages on the new dead-letter queue,
	// longer than RetentionPeriod (SQS keeps a message's original enqueue time
	// when it moves to a standard dead-letter queue) and at most 14 days;
	// otherwise synth fails. Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
	// MaxReceiveCount: receives before a message moves to the new
	// dead-letter queue, 1-1,000. Default: 5.
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
	// Encryption of both new queues. Default: awssqs.QueueEncryption_SQS_MANAGED
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

// QueueWorker is the construct New defines: everything it built is under it
// in the construct tree (awscdk.Tags_Of, Node().AddDependency and aspects
// reach the queues, the event source mapping and the alarms), and its
// fields are what it built.
type QueueWorker struct {
	constructs.Construct
	// Queue is the source queue (new, or Props.Queue); producers get send
	// rights with Queue.GrantSendMessages (sqs:SendMessage,
	// sqs:GetQueueAttributes, sqs:GetQueueUrl).
	Queue awssqs.IQueue
	// DeadLetterQueue receives messages after MaxReceiveCount failed receives
	// (new, or Props.DeadLetterQueue). Nil only when synth fails for lack of it.
	DeadLetterQueue awssqs.IQueue
	// EventSourceMapping polls Queue for the function (its live alias when it
	// has one, eventsource.InvokeTarget), with ReportBatchItemFailures on.
	// Construct ID "EventSourceMapping"; its logical ID is the one
	// Function.AddEventSource gives it (see eventsource.NewEventSourceMapping).
	// Nil without a Function (synth fails then).
	EventSourceMapping awslambda.EventSourceMapping
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
// the alarms. Construct IDs below id: "Queue", "DeadLetterQueue" (unless
// Props.Queue), "DeadLetterQueueAlarm", "MessageAgeAlarm". The event source
// grants the function sqs:ReceiveMessage, sqs:ChangeMessageVisibility,
// sqs:GetQueueUrl, sqs:DeleteMessage and sqs:GetQueueAttributes on Queue only.
// Bad props fail synth (see eventsource.Problems), each named with its value
// and allowed range; New still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *QueueWorker {
	w := &QueueWorker{}
	constructs.NewConstruct_Override(w, scope, id)
	c := w.Construct
	problems := eventsource.NewProblems(c, "queueworker")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Function", p.Function != nil, "the function that consumes the queue")
	existing := p.Queue != nil
	if existing {
		for _, f := range []struct {
			name string
			set  bool
		}{{"VisibilityTimeout", p.VisibilityTimeout != nil}, {"RetentionPeriod", p.RetentionPeriod != nil},
			{"DeadLetterRetentionPeriod", p.DeadLetterRetentionPeriod != nil}, {"MaxReceiveCount", p.MaxReceiveCount != nil},
			{"Encryption", p.Encryption != ""}} {
			if f.set {
				problems.Addf("%s is set with an existing Queue (%s): it configures the queue this construct creates; set it on the existing queue", f.name, eventsource.Path(p.Queue))
			}
		}
	} else if p.DeadLetterQueue != nil {
		problems.Addf("DeadLetterQueue %s is set without Queue: the construct creates both queues; give Queue too, or neither", eventsource.Path(p.DeadLetterQueue))
	}

	p.MaxBatchingWindow = problems.Duration("MaxBatchingWindow", p.MaxBatchingWindow, nil, 0, MaxBatchingWindowSecs, true, "event source mapping")
	window := 0.0
	if p.MaxBatchingWindow != nil {
		window = eventsource.Seconds(p.MaxBatchingWindow)
	}
	maxBatch := float64(MaxBatchSize)
	note := "up to 10000 with a MaxBatchingWindow"
	if window > 0 {
		maxBatch, note = MaxBatchSizeWindow, "with a MaxBatchingWindow"
	}
	p.BatchSize = problems.Count("BatchSize", p.BatchSize, 10, MinBatchSize, maxBatch, "", note)
	if p.MaxConcurrency != nil && problems.Count("MaxConcurrency", p.MaxConcurrency, 0, MinMaxConcurrency, MaxMaxConcurrency, "", "event source mapping") != p.MaxConcurrency {
		p.MaxConcurrency = nil // bad: build without a cap
	}
	p.MessageAgeAlarmThreshold = problems.MinDuration("MessageAgeAlarmThreshold", p.MessageAgeAlarmThreshold, awscdk.Duration_Minutes(jsii.Number(15)), 1)

	w.Queue, w.DeadLetterQueue = p.Queue, p.DeadLetterQueue
	if !existing {
		w.Queue, w.DeadLetterQueue = newQueues(c, problems, &p, window)
	} else if w.DeadLetterQueue == nil {
		if q, ok := p.Queue.(awssqs.Queue); ok && q.DeadLetterQueue() != nil {
			w.DeadLetterQueue = q.DeadLetterQueue().Queue
		} else {
			problems.Addf("DeadLetterQueue is required with Queue %s, which has no redrive policy this app knows of: give the queue's dead-letter queue (e.g. awssqs.Queue_FromQueueArn), so that messages failing MaxReceiveCount times are kept and alarmed on", eventsource.Path(p.Queue))
		}
	}

	if p.Function != nil && problems.FunctionRole("Function", p.Function, "sqs:ReceiveMessage, sqs:DeleteMessage and sqs:ChangeMessageVisibility on the queue") {
		// What awslambdaeventsources.SqsEventSource grants: receive, delete,
		// change visibility (and decrypt with the queue's KMS key).
		w.Queue.GrantConsumeMessages(p.Function)
		w.EventSourceMapping = eventsource.NewEventSourceMapping(c, p.Function, eventsource.SQSMapping, w.Queue, &awslambda.EventSourceMappingProps{
			EventSourceArn:          w.Queue.QueueArn(),
			BatchSize:               p.BatchSize,
			MaxBatchingWindow:       p.MaxBatchingWindow,
			MaxConcurrency:          p.MaxConcurrency,
			ReportBatchItemFailures: jsii.Bool(true),
		})
		eventsource.NotAsyncInvoked(p.Function, "an SQS event source mapping polls the queue; the queue's redrive policy moves failed messages to its dead-letter queue")
		// SQS event source mappings take no on-failure destination: the redrive
		// policy above is the mechanism.
		nag.Suppress(w.EventSourceMapping, "Serverless-LambdaEventSourceMappingDestination", "SQS event source mappings do not support on-failure destinations; the queue's redrive policy moves failed messages to its dead-letter queue.")
	}
	if w.DeadLetterQueue != nil {
		w.DeadLetterQueueAlarm = eventsource.NewDeadLetterQueueAlarm(c, w.DeadLetterQueue, p.AlarmAction)
		w.Alarms = append(w.Alarms, w.DeadLetterQueueAlarm)
	}
	age := eventsource.Seconds(p.MessageAgeAlarmThreshold)
	w.MessageAgeAlarm = eventsource.NewAlarm(c, "MessageAgeAlarm", eventsource.AlarmSpec{
		Metric:      w.Queue.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum")}),
		Threshold:   age,
		Description: fmt.Sprintf("the oldest message of the queue is older than %ss: the consumer is stuck or falls behind.", eventsource.Num(age)),
	}, p.AlarmAction)
	w.Alarms = append(w.Alarms, w.MessageAgeAlarm)
	return w
}

// newQueues checks the props of the new queues and defines them.
func newQueues(c constructs.Construct, problems *eventsource.Problems, p *Props, window float64) (queue, dlq awssqs.Queue) {
	var visibility awscdk.Duration
	if timeout, known := timeoutOf(p.Function); known {
		minVisibility := VisibilityFactor*timeout + window
		visibility = problems.Duration("VisibilityTimeout", p.VisibilityTimeout, awscdk.Duration_Seconds(jsii.Number(math.Ceil(minVisibility))), minVisibility, MaxVisibilitySecs, true,
			fmt.Sprintf("at least 6 x the function timeout %ss + MaxBatchingWindow %ss, at most 12 h", eventsource.Num(timeout), eventsource.Num(window)))
	} else {
		if p.VisibilityTimeout == nil && p.Function != nil {
			problems.Addf("VisibilityTimeout is required with Function %s, which is imported (its timeout is unknown): at least 6 x its timeout + MaxBatchingWindow (Lambda's guidance for SQS event sources)", eventsource.Path(p.Function))
		}
		visibility = problems.Duration("VisibilityTimeout", p.VisibilityTimeout, awscdk.Duration_Seconds(jsii.Number(VisibilityFactor*3+window)), 0, MaxVisibilitySecs, true, "at most 12 h")
	}
	retention := problems.Duration("RetentionPeriod", p.RetentionPeriod, awscdk.Duration_Days(jsii.Number(4)), MinRetentionSeconds, MaxRetentionSeconds, true, "SQS quotas")
	dlqRetention := problems.Duration("DeadLetterRetentionPeriod", p.DeadLetterRetentionPeriod, awscdk.Duration_Days(jsii.Number(14)), MinRetentionSeconds, MaxRetentionSeconds, true, "SQS quotas")
	if ret, dlqRet := eventsource.Seconds(retention), eventsource.Seconds(dlqRetention); dlqRet <= ret {
		problems.Addf("DeadLetterRetentionPeriod %ss must be longer than RetentionPeriod %ss, or messages expire from the dead-letter queue before anyone sees them", eventsource.Num(dlqRet), eventsource.Num(ret))
	}
	maxReceive := problems.Count("MaxReceiveCount", p.MaxReceiveCount, 5, MinMaxReceiveCount, MaxMaxReceiveCount, "", "SQS redrive policy")
	encryption := p.Encryption
	if encryption == "" {
		encryption = awssqs.QueueEncryption_SQS_MANAGED
	}

	dlq = awssqs.NewQueue(c, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      encryption,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: dlqRetention,
	})
	nag.Suppress(dlq, "Serverless-SQSRedrivePolicy", "This queue is the dead-letter queue of the worker's queue; messages here are inspected and redriven by an operator.")
	queue = awssqs.NewQueue(c, jsii.String("Queue"), &awssqs.QueueProps{
		Encryption:        encryption,
		EnforceSSL:        jsii.Bool(true),
		RetentionPeriod:   retention,
		VisibilityTimeout: visibility,
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           dlq,
			MaxReceiveCount: maxReceive,
		},
	})
	return queue, dlq
}

// timeoutOf returns fn's timeout in seconds, when it is known (a function of
// the app); a missing function counts as one with Lambda's default, 3 s.
func timeoutOf(fn awslambda.IFunction) (float64, bool) {
	if fn == nil {
		return 3, true
	}
	return eventsource.FunctionTimeout(fn)
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (w *QueueWorker) ToString() *string { return w.Construct.ToString() }
