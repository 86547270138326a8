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
//
// Props.Fifo makes both queues FIFO queues (order per message group,
// deduplication, optional high-throughput mode). Props.Filters lets the
// function see only the messages it handles: Lambda deletes a message that
// matches no filter, without invoking the function or retrying it.
// Props.MaxConcurrency is checked against the function's reserved
// concurrency. QueueProps, DeadLetterQueueProps and MappingProps pass
// through what Props do not offer; an override that would drop a safe
// default fails synth.
package queueworker

import (
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/mapping"
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
	// Function consumes the queue: an awslambda.Function of the app, an
	// alias or version of one (awslambda.Alias: its function's timeout and
	// role count), or an imported one with its role
	// (awslambda.Function_FromFunctionAttributes with Role: the mapping
	// grants it the receive and delete actions). The mapping invokes its
	// live alias when it has one (eventsource.InvokeTarget). A function of
	// the app sets the default visibility timeout from its Timeout (Lambda's
	// default 3 s when it sets none). Required.
	Function awslambda.IFunction
	// Queue to consume instead of a new one: an existing queue (e.g.
	// awssqs.Queue_FromQueueArn; a FIFO queue's ARN ends in ".fifo"; one
	// encrypted with a customer managed KMS key must come with its key,
	// awssqs.Queue_FromQueueAttributes with KeyArn, so that the function is
	// granted kms:Decrypt: SQS cannot tell from an ARN). Its owner keeps its
	// settings: give it a visibility timeout of at least 6 x the function
	// timeout + MaxBatchingWindow and a redrive policy to a dead-letter
	// queue. Setting VisibilityTimeout, RetentionPeriod,
	// DeadLetterRetentionPeriod, MaxReceiveCount, Encryption, Fifo,
	// ContentBasedDeduplication, HighThroughputFifo, QueueProps or
	// DeadLetterQueueProps with it fails synth: they configure the queues
	// this construct creates. Default: a new encrypted, TLS-only queue with
	// a dead-letter queue.
	Queue awssqs.IQueue
	// DeadLetterQueue of Queue, alarmed on (DeadLetterQueueAlarm). Only with
	// Queue, and required with an imported one: a queue without a dead-letter
	// queue loses what fails MaxReceiveCount times silently, when its
	// retention ends. A FIFO queue's must be a FIFO queue and a standard
	// queue's a standard one (SQS); otherwise synth fails. Default: the
	// dead-letter queue of Queue's redrive policy when Queue is an
	// awssqs.Queue of the app; the new one otherwise.
	DeadLetterQueue awssqs.IQueue
	// Fifo makes both new queues FIFO queues: messages of one message group
	// are delivered in order, one batch of a group at a time, and exactly
	// once within the deduplication interval. Lambda then takes no
	// MaxBatchingWindow and at most 10 messages a batch (synth fails
	// otherwise). Default: false (standard queues).
	Fifo *bool
	// ContentBasedDeduplication (FIFO only) deduplicates messages by a hash
	// of their body, so senders need no MessageDeduplicationId.
	// Default: false.
	ContentBasedDeduplication *bool
	// HighThroughputFifo (FIFO only) turns on SQS's high-throughput mode:
	// deduplication and throughput limits per message group
	// (DeduplicationScope messageGroup, FifoThroughputLimit
	// perMessageGroupId) instead of per queue. Default: false.
	HighThroughputFifo *bool
	// VisibilityTimeout of the new queue; at least 6 x the function timeout
	// plus MaxBatchingWindow (Lambda's guidance for SQS event sources), at
	// most 12 hours; less or more fails synth. Required with an imported
	// Function (its timeout is unknown). Default: exactly that minimum.
	VisibilityTimeout awscdk.Duration
	// RetentionPeriod of messages on the new queue, 1 minute-14 days.
	// Default: 4 days (the SQS default).
	RetentionPeriod awscdk.Duration
	// DeadLetterRetentionPeriod of messages on the new dead-letter queue, at
	// most 14 days, and for standard queues longer than RetentionPeriod (SQS
	// keeps a message's original enqueue time when it moves to a standard
	// dead-letter queue; a FIFO dead-letter queue restarts it); otherwise
	// synth fails. Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
	// MaxReceiveCount: receives before a message moves to the new
	// dead-letter queue, 1-1,000. Default: 5.
	MaxReceiveCount *float64
	// BatchSize: messages per invocation, 1-10, or up to 10,000 with a
	// MaxBatchingWindow (standard queues). Default: 10.
	BatchSize *float64
	// MaxBatchingWindow: how long Lambda gathers messages before invoking,
	// 0-300 s; not with a FIFO queue (Lambda supports none there).
	// Default: none (invoke as soon as messages arrive).
	MaxBatchingWindow awscdk.Duration
	// MaxConcurrency: most concurrent invocations this source starts, 2-1,000.
	// When the function has a reserved concurrency (read from its
	// CfnFunction at synth), the MaxConcurrency of all the workers of the
	// function together must not exceed it: throttled messages go back to
	// the queue and count as receives, so they would reach the dead-letter
	// queue unprocessed; synth fails naming both values. A worker without
	// MaxConcurrency is not counted (it takes what the others leave).
	// Default: none (up to the function's concurrency).
	MaxConcurrency *float64
	// Filters: event filtering patterns (eventfilter.Pattern or
	// eventfilter.JSON), checked at synth against eventfilter.SQS; at most 5
	// (Lambda's quota; context eventfilter:maxFiltersPerMapping when yours
	// was raised, up to 10). A message that matches none is deleted from the
	// queue by Lambda: the function never sees it, it is not retried and
	// does not reach the dead-letter queue. Default: none (every message).
	Filters []eventfilter.Filter
	// Encryption of both new queues: SQS_MANAGED, KMS_MANAGED or KMS (with
	// QueueProps.EncryptionMasterKey, or a key the queue creates); UNENCRYPTED
	// fails synth. Default: awssqs.QueueEncryption_SQS_MANAGED (SSE-SQS, no
	// KMS key to manage or pay for).
	Encryption awssqs.QueueEncryption
	// QueueProps sets what Props do not offer on the new queue, merged over
	// the construct's: DeliveryDelay, MaxMessageSizeBytes,
	// ReceiveMessageWaitTime, RedriveAllowPolicy, DataKeyReuse,
	// EncryptionMasterKey (KMS encryption with your key), QueueName,
	// RemovalPolicy. A setting Props offer (VisibilityTimeout, Fifo...), the
	// dead-letter queue (the construct's), or one that removes a safe
	// default (EnforceSSL false, Encryption UNENCRYPTED) fails synth naming
	// it: nothing is silently re-asserted. Default: none.
	QueueProps *awssqs.QueueProps
	// DeadLetterQueueProps does the same for the new dead-letter queue.
	// Default: none.
	DeadLetterQueueProps *awssqs.QueueProps
	// MappingProps sets what Props do not offer on the event source mapping:
	// Enabled, LogLevel, MetricsConfig, ProvisionedPollerConfig (not with
	// MaxConcurrency; 2-200 minimum and 2-2,000 maximum pollers),
	// FilterEncryption (with Filters; the CDK then grants
	// lambda.amazonaws.com kms:Decrypt in that key's policy). A setting that
	// Props offer (BatchSize...), that the construct owns (EventSourceArn,
	// ReportBatchItemFailures) or that does not apply to SQS fails synth
	// naming it. Default: none.
	MappingProps *awslambda.EventSourceMappingOptions
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
// Props.Queue), "EventSourceMapping", "DeadLetterQueueAlarm",
// "MessageAgeAlarm". It grants the function what
// awslambdaeventsources.SqsEventSource grants (Queue.GrantConsumeMessages):
// sqs:ReceiveMessage, sqs:ChangeMessageVisibility, sqs:GetQueueUrl,
// sqs:DeleteMessage and sqs:GetQueueAttributes on Queue only, and
// kms:Decrypt on its customer managed key when it has one. It writes no
// invoke permission (the mapping invokes with Lambda's own role) and no
// queue policy statement for a service: the queues' policies only deny
// requests without TLS. Bad props fail synth (see eventsource.Problems),
// each named with its value and allowed range; New still builds what it
// can.
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
			{"Encryption", p.Encryption != ""}, {"Fifo", p.Fifo != nil}, {"ContentBasedDeduplication", p.ContentBasedDeduplication != nil},
			{"HighThroughputFifo", p.HighThroughputFifo != nil}, {"QueueProps", p.QueueProps != nil}, {"DeadLetterQueueProps", p.DeadLetterQueueProps != nil}} {
			if f.set {
				problems.Addf("%s is set with an existing Queue (%s): it configures the queue this construct creates; set it on the existing queue", f.name, eventsource.Path(p.Queue))
			}
		}
	} else if p.DeadLetterQueue != nil {
		problems.Addf("DeadLetterQueue %s is set without Queue: the construct creates both queues; give Queue too, or neither", eventsource.Path(p.DeadLetterQueue))
	}
	fifo := isTrue(p.Fifo)
	if existing {
		fifo = p.Queue.Fifo() != nil && *p.Queue.Fifo()
	} else if !fifo {
		for _, f := range []struct {
			name string
			set  bool
		}{{"ContentBasedDeduplication", isTrue(p.ContentBasedDeduplication)}, {"HighThroughputFifo", isTrue(p.HighThroughputFifo)}} {
			if f.set {
				problems.Addf("%s is set without Fifo: it applies to FIFO queues only", f.name)
			}
		}
	}

	p.MaxBatchingWindow = problems.Duration("MaxBatchingWindow", p.MaxBatchingWindow, nil, 0, MaxBatchingWindowSecs, true, "event source mapping")
	if fifo && p.MaxBatchingWindow != nil {
		problems.Addf("MaxBatchingWindow %ss is set with a FIFO queue: Lambda supports no batching window on FIFO queues", eventsource.Num(eventsource.Seconds(p.MaxBatchingWindow)))
		p.MaxBatchingWindow = nil
	}
	window := 0.0
	if p.MaxBatchingWindow != nil {
		window = eventsource.Seconds(p.MaxBatchingWindow)
	}
	maxBatch := float64(MaxBatchSize)
	note := "up to 10000 with a MaxBatchingWindow"
	switch {
	case fifo:
		note = "FIFO queues"
	case window > 0:
		maxBatch, note = MaxBatchSizeWindow, "with a MaxBatchingWindow"
	}
	p.BatchSize = problems.Count("BatchSize", p.BatchSize, 10, MinBatchSize, maxBatch, "", note)
	if p.MaxConcurrency != nil && problems.Count("MaxConcurrency", p.MaxConcurrency, 0, MinMaxConcurrency, MaxMaxConcurrency, "", "event source mapping") != p.MaxConcurrency {
		p.MaxConcurrency = nil // bad: build without a cap
	}
	p.MessageAgeAlarmThreshold = problems.MinDuration("MessageAgeAlarmThreshold", p.MessageAgeAlarmThreshold, awscdk.Duration_Minutes(jsii.Number(15)), 1)

	w.Queue, w.DeadLetterQueue = p.Queue, p.DeadLetterQueue
	if !existing {
		w.Queue, w.DeadLetterQueue = newQueues(c, problems, &p, window, fifo)
	} else if w.DeadLetterQueue == nil {
		if q, ok := p.Queue.(awssqs.Queue); ok && q.DeadLetterQueue() != nil {
			w.DeadLetterQueue = q.DeadLetterQueue().Queue
		} else {
			problems.Addf("DeadLetterQueue is required with Queue %s, which has no redrive policy this app knows of: give the queue's dead-letter queue (e.g. awssqs.Queue_FromQueueArn), so that messages failing MaxReceiveCount times are kept and alarmed on", eventsource.Path(p.Queue))
		}
	} else if dlqFifo := p.DeadLetterQueue.Fifo() != nil && *p.DeadLetterQueue.Fifo(); dlqFifo != fifo {
		kind := map[bool]string{true: "a FIFO queue", false: "a standard queue"}
		problems.Addf("DeadLetterQueue %s is %s and Queue %s %s: the dead-letter queue of a FIFO queue must be a FIFO queue, and of a standard queue a standard queue (SQS)",
			eventsource.Path(p.DeadLetterQueue), kind[dlqFifo], eventsource.Path(p.Queue), kind[fifo])
	}

	mp := awslambda.EventSourceMappingProps{
		BatchSize:               p.BatchSize,
		MaxBatchingWindow:       p.MaxBatchingWindow,
		MaxConcurrency:          p.MaxConcurrency,
		ReportBatchItemFailures: jsii.Bool(true),
	}
	mp.Filters = mapping.Filters(problems, c, eventfilter.SQS, p.Filters)
	mapping.Override(problems, &mp, p.MappingProps, mapping.Source{Kind: "an SQS", SQS: true, Props: map[string]string{
		"BatchSize": "Props.BatchSize", "Filters": "Props.Filters", "MaxBatchingWindow": "Props.MaxBatchingWindow", "MaxConcurrency": "Props.MaxConcurrency",
		"OnFailure": "Props.DeadLetterQueue (an SQS mapping's failures move through the queue's redrive policy)",
	}})

	if p.Function != nil && problems.FunctionRole("Function", p.Function, "sqs:ReceiveMessage, sqs:DeleteMessage and sqs:ChangeMessageVisibility on the queue") {
		// What awslambdaeventsources.SqsEventSource grants: receive, delete,
		// change visibility (and decrypt with the queue's KMS key).
		w.Queue.GrantConsumeMessages(p.Function)
		mp.EventSourceArn = w.Queue.QueueArn()
		w.EventSourceMapping = eventsource.NewEventSourceMapping(c, p.Function, eventsource.SQSMapping, w.Queue, &mp)
		base := eventsource.BaseFunction(p.Function)
		eventsource.NotAsyncInvoked(base, "an SQS event source mapping polls the queue; the queue's redrive policy moves failed messages to its dead-letter queue")
		// SQS event source mappings take no on-failure destination: the redrive
		// policy above is the mechanism.
		nag.Suppress(w.EventSourceMapping, "Serverless-LambdaEventSourceMappingDestination", "SQS event source mappings do not support on-failure destinations; the queue's redrive policy moves failed messages to its dead-letter queue.")
		if p.MaxConcurrency != nil {
			checkReservedConcurrency(c, base, *p.MaxConcurrency)
		}
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

func isTrue(b *bool) bool { return b != nil && *b }

// newQueues checks the props of the new queues and defines them.
func newQueues(c constructs.Construct, problems *eventsource.Problems, p *Props, window float64, fifo bool) (queue, dlq awssqs.Queue) {
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
	if ret, dlqRet := eventsource.Seconds(retention), eventsource.Seconds(dlqRetention); !fifo && dlqRet <= ret {
		problems.Addf("DeadLetterRetentionPeriod %ss must be longer than RetentionPeriod %ss, or messages expire from the dead-letter queue before anyone sees them", eventsource.Num(dlqRet), eventsource.Num(ret))
	}
	maxReceive := problems.Count("MaxReceiveCount", p.MaxReceiveCount, 5, MinMaxReceiveCount, MaxMaxReceiveCount, "", "SQS redrive policy")
	encryption := p.Encryption
	if encryption == awssqs.QueueEncryption_UNENCRYPTED {
		problems.Addf("Encryption UNENCRYPTED would store messages unencrypted: give SQS_MANAGED (the default), KMS_MANAGED or KMS")
		encryption = ""
	}

	base := func(retention awscdk.Duration) awssqs.QueueProps {
		qp := awssqs.QueueProps{Encryption: encryption, EnforceSSL: jsii.Bool(true), RetentionPeriod: retention}
		if fifo {
			qp.Fifo = jsii.Bool(true)
		}
		return qp
	}
	dlqProps := base(dlqRetention)
	mergeQueueProps(problems, "DeadLetterQueueProps", &dlqProps, p.DeadLetterQueueProps, fifo)
	defaultEncryption(&dlqProps)
	dlq = awssqs.NewQueue(c, jsii.String("DeadLetterQueue"), &dlqProps)
	nag.Suppress(dlq, "Serverless-SQSRedrivePolicy", "This queue is the dead-letter queue of the worker's queue; messages here are inspected and redriven by an operator.")

	qp := base(retention)
	qp.VisibilityTimeout = visibility
	qp.DeadLetterQueue = &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: maxReceive}
	if fifo {
		qp.ContentBasedDeduplication = p.ContentBasedDeduplication
		if isTrue(p.HighThroughputFifo) {
			qp.DeduplicationScope = awssqs.DeduplicationScope_MESSAGE_GROUP
			qp.FifoThroughputLimit = awssqs.FifoThroughputLimit_PER_MESSAGE_GROUP_ID
		}
	}
	mergeQueueProps(problems, "QueueProps", &qp, p.QueueProps, fifo)
	defaultEncryption(&qp)
	queue = awssqs.NewQueue(c, jsii.String("Queue"), &qp)
	return queue, dlq
}

// defaultEncryption gives qp SSE-SQS unless it has an encryption (Props or
// a key of QueueProps).
func defaultEncryption(qp *awssqs.QueueProps) {
	if qp.Encryption == "" {
		qp.Encryption = awssqs.QueueEncryption_SQS_MANAGED
	}
}

// mergeQueueProps merges o (Props.QueueProps or DeadLetterQueueProps, named
// field) over qp, the props the construct built: the settings Props do not
// offer pass through; one Props offer, the redrive policy, or one that
// removes a safe default fails synth naming it.
func mergeQueueProps(problems *eventsource.Problems, field string, qp *awssqs.QueueProps, o *awssqs.QueueProps, fifo bool) {
	if o == nil {
		return
	}
	for _, f := range []struct {
		name, use string
		set       bool
	}{
		{"VisibilityTimeout", "Props.VisibilityTimeout", o.VisibilityTimeout != nil}, {"RetentionPeriod", "Props.RetentionPeriod or DeadLetterRetentionPeriod", o.RetentionPeriod != nil},
		{"DeadLetterQueue", "Props.MaxReceiveCount (the construct owns the redrive policy)", o.DeadLetterQueue != nil}, {"Encryption", "Props.Encryption", o.Encryption != ""},
		{"Fifo", "Props.Fifo", o.Fifo != nil}, {"ContentBasedDeduplication", "Props.ContentBasedDeduplication", o.ContentBasedDeduplication != nil},
		{"DeduplicationScope", "Props.HighThroughputFifo", o.DeduplicationScope != ""}, {"FifoThroughputLimit", "Props.HighThroughputFifo", o.FifoThroughputLimit != ""},
	} {
		if f.set {
			problems.Addf("%s.%s is set: use %s, which is checked at synth", field, f.name, f.use)
		}
	}
	if o.EnforceSSL != nil && !*o.EnforceSSL {
		problems.Addf("%s.EnforceSSL is false: the construct's queue policy denies requests without TLS (cdk-nag AwsSolutions-SQS4), which nothing may turn off", field)
	}
	if k := o.EncryptionMasterKey; k != nil {
		switch qp.Encryption {
		case "", awssqs.QueueEncryption_KMS:
			qp.Encryption, qp.EncryptionMasterKey = awssqs.QueueEncryption_KMS, k
		default:
			problems.Addf("%s.EncryptionMasterKey is set with Encryption %s: a customer managed key needs Encryption KMS", field, qp.Encryption)
		}
	}
	if n := o.QueueName; n != nil && !*awscdk.Token_IsUnresolved(n) && strings.HasSuffix(*n, ".fifo") != fifo {
		problems.Addf("%s.QueueName %q: a FIFO queue's name ends in \".fifo\", a standard queue's does not (SQS)", field, *n)
	} else {
		qp.QueueName = o.QueueName
	}
	qp.DataKeyReuse = o.DataKeyReuse
	qp.DeliveryDelay = o.DeliveryDelay
	qp.MaxMessageSizeBytes = o.MaxMessageSizeBytes
	qp.ReceiveMessageWaitTime = o.ReceiveMessageWaitTime
	qp.RedriveAllowPolicy = o.RedriveAllowPolicy
	qp.RemovalPolicy = o.RemovalPolicy
}

// timeoutOf returns fn's timeout in seconds, when it is known (a function of
// the app, or an alias or version of one); a missing function counts as one
// with Lambda's default, 3 s.
func timeoutOf(fn awslambda.IFunction) (float64, bool) {
	if fn == nil {
		return 3, true
	}
	return eventsource.FunctionTimeout(eventsource.BaseFunction(fn))
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (w *QueueWorker) ToString() *string { return w.Construct.ToString() }
