// Package streamconsumer provides a construct that feeds a DynamoDB table's
// stream to a Lambda function: an event source mapping that reports batch item
// failures, bisects failing batches, bounds retries and record age, sends
// the metadata of records it gives up on to an encrypted dead-letter queue,
// and alarms on that queue and on the iterator age.
//
// The handler must return events.DynamoDBEventResponse naming the sequence
// number of the first record that failed; Lambda retries from there.
//
//	streamconsumer.New(stack, jsii.String("Publisher"), &streamconsumer.Props{
//		Table:    table,
//		Function: publisher.Function,
//		Filters:  []eventfilter.Filter{eventfilter.Pattern{"eventName": eventfilter.Equals("INSERT")}},
//	})
//
// A record that matches none of Filters is skipped: the shard iterator
// advances past it, the function never sees it and it is not retried.
package streamconsumer

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/mapping"
	"github.com/example/orderflow/constructs/internal/nag"
)

// Limits checked at synth (Lambda event source mapping quotas for DynamoDB
// streams, and DynamoDB Streams' fixed retention).
const (
	MaxBatchSize           = 10_000
	MaxRetryAttempts       = 10_000 // or -1: retry until the record expires
	MaxRecordAgeSeconds    = 604_800
	MinRecordAgeSeconds    = 60
	StreamRetentionSeconds = 24 * 3600 // DynamoDB Streams keep records 24 hours
)

// Props configures a StreamConsumer. Nil fields take the documented default.
type Props struct {
	// Table whose stream is read; it must have a stream (TableV2's
	// DynamoStream or Table's Stream prop). An imported table must be
	// imported with its stream: awsdynamodb.Table_FromTableAttributes with
	// TableStreamArn (and EncryptionKey when a customer managed key encrypts
	// it: the function is then granted kms:Decrypt on it); without a stream
	// synth fails saying so. Required.
	Table awsdynamodb.ITable
	// Function consumes the stream: an awslambda.Function of the app, an
	// alias or version of one (awslambda.Alias), or an imported function
	// with its role (awslambda.Function_FromFunctionAttributes with Role:
	// the mapping grants it the stream reads). The mapping invokes its live
	// alias when it has one (eventsource.InvokeTarget). Required.
	Function awslambda.IFunction
	// StartingPosition for a new mapping. Default: TRIM_HORIZON (oldest
	// record still in the stream: nothing written before the deploy is missed).
	StartingPosition awslambda.StartingPosition
	// BatchSize: records per invocation, 1-10,000. Default: 100.
	BatchSize *float64
	// MaxBatchingWindow: how long to gather records, 0-300 s. Default: none.
	MaxBatchingWindow awscdk.Duration
	// RetryAttempts of a failing batch (after bisecting) before its records go
	// to the dead-letter queue, 0-10,000, or -1: retry until the record
	// expires from the stream (24 h). Default: 10.
	RetryAttempts *float64
	// MaxRecordAge: records older than this go to the dead-letter queue
	// instead of being processed, 60 s-24 h (Lambda allows up to 7 days,
	// but DynamoDB Streams keep records 24 h: a longer age fails synth).
	// Default: 1 day.
	MaxRecordAge awscdk.Duration
	// InfiniteRecordAge sets the maximum record age to -1: a failing record
	// is retried until RetryAttempts run out or it expires from the stream.
	// With MaxRecordAge it fails synth. Default: false (MaxRecordAge).
	InfiniteRecordAge *bool
	// ParallelizationFactor: concurrent batches per shard, 1-10. Order is kept
	// per item key. Default: 1.
	ParallelizationFactor *float64
	// TumblingWindow: the function aggregates over windows of this length
	// (state passed from one invocation to the next), 0-900 s. Default: none.
	TumblingWindow awscdk.Duration
	// Filters: event filtering patterns (eventfilter.Pattern or
	// eventfilter.JSON), checked at synth against eventfilter.DynamoDB; at
	// most 5 (Lambda's quota; context eventfilter:maxFiltersPerMapping when
	// yours was raised, up to 10). A record that matches none is skipped:
	// the function never sees it, it is not retried nor sent to the
	// dead-letter queue. Default: none (every record).
	Filters []eventfilter.Filter
	// DeadLetterQueue receives the metadata of the records the mapping gives
	// up on, instead of a new queue: a standard queue (Lambda takes no FIFO
	// queue as a destination: synth fails), of the app or imported (with
	// awssqs.Queue_FromQueueAttributes and KeyArn when a customer managed
	// key encrypts it, so that the function may send to it). Setting
	// DeadLetterRetentionPeriod with it fails synth. Default: a new
	// encrypted queue (SSE-SQS) keeping messages 14 days.
	DeadLetterQueue awssqs.IQueue
	// DeadLetterRetentionPeriod of the new dead-letter queue, 60 s-14 days.
	// Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
	// MappingProps sets what Props do not offer on the event source mapping:
	// Enabled, LogLevel, MetricsConfig, FilterEncryption (with Filters; the
	// CDK then grants lambda.amazonaws.com kms:Decrypt in that key's
	// policy). A setting that Props offer (BatchSize...), that the construct
	// owns (EventSourceArn, ReportBatchItemFailures) or that does not apply
	// to DynamoDB streams fails synth naming it: no safe default is dropped
	// silently. Default: none.
	MappingProps *awslambda.EventSourceMappingOptions
	// IteratorAgeAlarmThreshold: IteratorAgeAlarm goes off when the age of
	// the last record of a batch the function received (IteratorAge,
	// Maximum over 5 minutes) exceeds it, at least 1 s: the consumer falls
	// behind the stream, and records near MaxRecordAge or the stream's 24 h
	// retention are about to be given up on. Default: 5 minutes.
	IteratorAgeAlarmThreshold awscdk.Duration
	// AlarmAction is told when an alarm of the consumer goes to ALARM and
	// back to OK, e.g. awscloudwatchactions.NewSnsAction(topic).
	// Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
}

// StreamConsumer is the construct New defines: everything it built is under
// it in the construct tree (awscdk.Tags_Of, Node().AddDependency and
// aspects reach the mapping, the dead-letter queue and the alarms), and its
// fields are what it built.
type StreamConsumer struct {
	constructs.Construct
	// DeadLetterQueue holds the metadata (shard, sequence numbers) of batches
	// given up on (new, or Props.DeadLetterQueue); read the records from the
	// stream within its 24 h retention.
	DeadLetterQueue awssqs.IQueue
	// EventSourceMapping reads the table's stream for the function (its live
	// alias when it has one), with ReportBatchItemFailures on. Construct ID
	// "EventSourceMapping"; its logical ID is the one
	// Function.AddEventSource(DynamoEventSource) gives it, so that a deployed
	// mapping is kept (see eventsource.NewEventSourceMapping). Nil when Table
	// or Function is missing or unusable (synth fails then).
	EventSourceMapping awslambda.EventSourceMapping
	// DeadLetterQueueAlarm: the dead-letter queue holds messages
	// (ApproximateNumberOfMessagesVisible Maximum > 0 in 5 minutes). Missing
	// data keeps the state: SQS stops reporting a queue untouched for 6 hours.
	DeadLetterQueueAlarm awscloudwatch.Alarm
	// IteratorAgeAlarm: the function's IteratorAge (Maximum) >
	// IteratorAgeAlarmThreshold, in milliseconds, in 5 minutes. The metric
	// is the function's, over all its stream sources. Missing data is OK.
	// Nil without a Function (synth fails then).
	IteratorAgeAlarm awscloudwatch.Alarm
	// Alarms are DeadLetterQueueAlarm and IteratorAgeAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the event source mapping, its dead-letter queue and the
// alarms. Construct IDs below id: "EventSourceMapping", "DeadLetterQueue"
// (unless Props.DeadLetterQueue), "DeadLetterQueueAlarm",
// "IteratorAgeAlarm". It grants the function what
// awslambdaeventsources.DynamoEventSource grants (Table.GrantStreamRead:
// dynamodb:DescribeStream, dynamodb:GetRecords and
// dynamodb:GetShardIterator on the table's stream, dynamodb:ListStreams on
// "*", which has no resource-level permission, and kms:Decrypt on a customer
// managed key of the table) and, through the on-failure destination,
// sqs:SendMessage, sqs:GetQueueAttributes, sqs:GetQueueUrl on the
// dead-letter queue (and kms:Encrypt, kms:GenerateDataKey* on its customer
// managed key). Bad props fail synth (see eventsource.Problems), each named
// with its value and allowed range; New still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *StreamConsumer {
	sc := &StreamConsumer{}
	constructs.NewConstruct_Override(sc, scope, id)
	c := sc.Construct
	problems := eventsource.NewProblems(c, "streamconsumer")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Table", p.Table != nil, "the table whose stream the function reads")
	problems.Required("Function", p.Function != nil, "the function that consumes the stream")
	mp, infinite := mapping.StreamProps(problems, mapping.Stream{
		StartingPosition: p.StartingPosition, BatchSize: p.BatchSize, MaxBatchingWindow: p.MaxBatchingWindow,
		ParallelizationFactor: p.ParallelizationFactor, TumblingWindow: p.TumblingWindow, RetryAttempts: p.RetryAttempts,
		MaxRecordAge: p.MaxRecordAge, InfiniteRecordAge: p.InfiniteRecordAge,
		RetentionSeconds: StreamRetentionSeconds, RetentionName: "the retention of DynamoDB Streams (24 h)",
	})
	mp.Filters = mapping.Filters(problems, c, eventfilter.DynamoDB, p.Filters)
	mapping.Override(problems, &mp, p.MappingProps, mapping.Source{Kind: "a DynamoDB stream", Props: map[string]string{
		"BatchSize": "Props.BatchSize", "BisectBatchOnError": "", "Filters": "Props.Filters", "MaxBatchingWindow": "Props.MaxBatchingWindow",
		"MaxConcurrency": "", "MaxRecordAge": "Props.MaxRecordAge (or InfiniteRecordAge)", "OnFailure": "Props.DeadLetterQueue",
		"ParallelizationFactor": "Props.ParallelizationFactor", "RetryAttempts": "Props.RetryAttempts", "StartingPosition": "Props.StartingPosition",
		"StartingPositionTimestamp": "", "TumblingWindow": "Props.TumblingWindow",
	}})
	p.IteratorAgeAlarmThreshold = problems.MinDuration("IteratorAgeAlarmThreshold", p.IteratorAgeAlarmThreshold, awscdk.Duration_Minutes(jsii.Number(5)), 1)
	if p.Table != nil && p.Table.TableStreamArn() == nil {
		problems.Addf("Table %s has no stream this app knows of: give a table of the app its stream (awsdynamodb.TableProps.Stream, or TableV2's DynamoStream), or import it with awsdynamodb.Table_FromTableAttributes and TableStreamArn", eventsource.Path(p.Table))
		p.Table = nil
	}

	sc.DeadLetterQueue = p.DeadLetterQueue
	if p.DeadLetterQueue != nil {
		if p.DeadLetterRetentionPeriod != nil {
			problems.Addf("DeadLetterRetentionPeriod is set with an existing DeadLetterQueue (%s): it configures the queue this construct creates", eventsource.Path(p.DeadLetterQueue))
		}
		if !mapping.StandardQueue(problems, "DeadLetterQueue", p.DeadLetterQueue) {
			p.DeadLetterQueue = nil
		}
	} else {
		retention := problems.Duration("DeadLetterRetentionPeriod", p.DeadLetterRetentionPeriod, nil, eventsource.MinRetentionSeconds, eventsource.MaxRetentionSeconds, true, "SQS quotas")
		sc.DeadLetterQueue = eventsource.NewDeadLetterQueue(c, "DeadLetterQueue", &eventsource.DeadLetterQueueProps{RetentionPeriod: retention})
		p.DeadLetterQueue = sc.DeadLetterQueue
	}
	if p.Table != nil && p.Function != nil && problems.FunctionRole("Function", p.Function, "dynamodb:GetRecords, dynamodb:GetShardIterator and dynamodb:DescribeStream on the stream, and sqs:SendMessage on the dead-letter queue") {
		mp.EventSourceArn = p.Table.TableStreamArn()
		if p.DeadLetterQueue != nil {
			// SqsDlq grants the mapping's target sqs:SendMessage on the queue.
			mp.OnFailure = awslambdaeventsources.NewSqsDlq(p.DeadLetterQueue)
		}
		sc.EventSourceMapping = eventsource.NewEventSourceMapping(c, p.Function, eventsource.DynamoDBMapping, p.Table, &mp)
		if infinite {
			mapping.InfiniteRecordAge(sc.EventSourceMapping)
		}
		// What DynamoEventSource grants: the stream reads.
		p.Table.GrantStreamRead(p.Function)
		if policy := nag.DefaultPolicy(p.Function.Role()); policy != nil {
			nag.Suppress(policy, "AwsSolutions-IAM5", "dynamodb:ListStreams, which the event source mapping needs, supports no resource narrower than \"*\".", "Resource::*")
		}
		eventsource.NotAsyncInvoked(eventsource.BaseFunction(p.Function), "a DynamoDB stream event source mapping invokes it; records it gives up on go to the mapping's on-failure destination")
	}
	if sc.DeadLetterQueue != nil {
		sc.DeadLetterQueueAlarm = eventsource.NewDeadLetterQueueAlarm(c, sc.DeadLetterQueue, p.AlarmAction)
		sc.Alarms = []awscloudwatch.Alarm{sc.DeadLetterQueueAlarm}
	}
	if p.Function != nil {
		sc.IteratorAgeAlarm = eventsource.NewIteratorAgeAlarm(c, eventsource.BaseFunction(p.Function), p.IteratorAgeAlarmThreshold, p.AlarmAction)
		sc.Alarms = append(sc.Alarms, sc.IteratorAgeAlarm)
	}
	return sc
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (sc *StreamConsumer) ToString() *string { return sc.Construct.ToString() }
