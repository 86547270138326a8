// Package kinesisconsumer provides a construct that feeds a Kinesis data
// stream to a Lambda function: an event source mapping that reports batch
// item failures, bisects failing batches, bounds retries and record age,
// sends the metadata of records it gives up on to an encrypted dead-letter
// queue, optionally reads through an enhanced fan-out consumer, and alarms
// on the iterator age and on that queue. Without a stream it creates one,
// encrypted with the AWS managed key (alias/aws/kinesis).
//
//	clicks := kinesisconsumer.New(stack, jsii.String("Clicks"), &kinesisconsumer.Props{
//		Function: aggregate.Function, // the stream: a new one; or Stream: awskinesis.Stream_FromStreamArn(...)
//	})
//	clicks.Stream.GrantWrite(producer.Function)
//
// The handler must return events.KinesisEventResponse naming the sequence
// number of the first record that failed; Lambda retries from there (after
// bisecting the batch), and after RetryAttempts or MaxRecordAge the shard,
// sequence numbers and error go to DeadLetterQueue. The records stay in the
// stream until its retention ends: read them from there.
//
// A record that matches none of Filters is skipped: the shard iterator
// advances past it, the function never sees it and it is not retried.
package kinesisconsumer

import (
	"fmt"
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/mapping"
)

// Limits checked at synth (Lambda event source mapping and Kinesis quotas).
const (
	MaxBatchSize             = 10_000
	MaxRetryAttempts         = 10_000 // or -1: retry until the record expires
	MinRecordAgeSeconds      = 60
	MaxRecordAgeSeconds      = 604_800 // 7 days
	MaxBatchingWindowSeconds = 300
	MaxParallelization       = 10
	MaxTumblingWindowSeconds = 900
	MinStreamRetentionHours  = 24
	MaxStreamRetentionHours  = 8_760 // 365 days
	MaxShardCount            = 10_000
)

// Props configures a KinesisConsumer. Nil fields take the documented default.
type Props struct {
	// Stream to read: a stream of the app or an imported one
	// (awskinesis.Stream_FromStreamArn, or Stream_FromStreamAttributes with
	// its EncryptionKey when a customer managed key encrypts it, so that the
	// function is granted kms:Decrypt; a stream encrypted with the AWS
	// managed key alias/aws/kinesis needs no grant). Default: a new stream
	// (see StreamMode, ShardCount, StreamRetention), encrypted with the AWS
	// managed key alias/aws/kinesis.
	Stream awskinesis.IStream
	// StreamMode of the new stream. Setting it, ShardCount or
	// StreamRetention with Stream fails synth. Default:
	// awskinesis.StreamMode_ON_DEMAND (capacity follows the traffic).
	StreamMode awskinesis.StreamMode
	// ShardCount of the new stream in PROVISIONED mode, 1-10,000.
	// Default: 1.
	ShardCount *float64
	// StreamRetention of the new stream's records, 24 h-365 days, in whole
	// hours. Default: 24 hours.
	StreamRetention awscdk.Duration
	// Function consumes the stream: an awslambda.Function of the app, an
	// alias or version of one (awslambda.Alias), or an imported function
	// with its role (awslambda.Function_FromFunctionAttributes with Role:
	// the mapping grants it the stream reads). The mapping invokes its live
	// alias when it has one (eventsource.InvokeTarget). Required.
	Function awslambda.IFunction
	// StartingPosition for a new mapping. Default: TRIM_HORIZON (the oldest
	// record still in the stream: nothing written before the deploy is
	// missed).
	StartingPosition awslambda.StartingPosition
	// StartingPositionTimestamp in Unix seconds, with StartingPosition
	// AT_TIMESTAMP (and only then; required with it). Default: none.
	StartingPositionTimestamp *float64
	// BatchSize: records per invocation, 1-10,000. Default: 100.
	BatchSize *float64
	// MaxBatchingWindow: how long to gather records, 0-300 s. Default: none.
	MaxBatchingWindow awscdk.Duration
	// ParallelizationFactor: concurrent batches per shard, 1-10. Order is
	// kept per partition key. Default: 1.
	ParallelizationFactor *float64
	// TumblingWindow: the function aggregates over windows of this length
	// (state passed from one invocation to the next), 0-900 s. Default: none.
	TumblingWindow awscdk.Duration
	// BisectBatchOnError splits a failing batch in two and retries each
	// half, isolating a bad record. Default: true.
	BisectBatchOnError *bool
	// RetryAttempts of a failing batch before its records go to the
	// dead-letter queue, 0-10,000, or -1: retry until the record expires
	// from the stream. Default: 10.
	RetryAttempts *float64
	// MaxRecordAge: records older than this go to the dead-letter queue
	// instead of being processed, 60 s-7 days, and not longer than the new
	// stream's StreamRetention (records expire first: synth fails).
	// Default: 1 day.
	MaxRecordAge awscdk.Duration
	// InfiniteRecordAge sets the maximum record age to -1: a failing record
	// is retried until RetryAttempts run out or it expires from the stream.
	// With MaxRecordAge it fails synth. Default: false (MaxRecordAge).
	InfiniteRecordAge *bool
	// Filters: event filtering patterns (eventfilter.Pattern or
	// eventfilter.JSON), checked at synth against eventfilter.Kinesis (the
	// record's data is matched as JSON under "data"); at most 5 (Lambda's
	// quota; context eventfilter:maxFiltersPerMapping when yours was raised,
	// up to 10). A record that matches none is skipped: the function never
	// sees it, it is not retried nor sent to the dead-letter queue.
	// Default: none (every record).
	Filters []eventfilter.Filter
	// EnhancedFanOut reads through a registered stream consumer with its own
	// 2 MB/s per shard, pushed over HTTP/2 (lower latency; billed per
	// consumer-shard hour and GB), instead of sharing the shard's read
	// throughput with the other readers. Default: false.
	EnhancedFanOut *bool
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
	// to Kinesis fails synth naming it: no safe default is dropped
	// silently. Default: none.
	MappingProps *awslambda.EventSourceMappingOptions
	// IteratorAgeAlarmThreshold: IteratorAgeAlarm goes off when the age of
	// the last record of a batch the function received (IteratorAge,
	// Maximum over 5 minutes) exceeds it, at least 1 s: the consumer falls
	// behind, and records near MaxRecordAge or the stream's retention are
	// about to be given up on. Default: 5 minutes.
	IteratorAgeAlarmThreshold awscdk.Duration
	// AlarmAction is told when an alarm goes to ALARM and back to OK, e.g.
	// awscloudwatchactions.NewSnsAction(topic). Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
}

// KinesisConsumer is the construct New defines: everything it built is
// under it in the construct tree (awscdk.Tags_Of, Node().AddDependency and
// aspects reach the stream, the consumer, the mapping, the dead-letter
// queue and the alarms), and its fields are what it built.
type KinesisConsumer struct {
	constructs.Construct
	// Stream read (Props.Stream, or the new one). Producers get write rights
	// with Stream.GrantWrite (kinesis:PutRecord(s), kinesis:ListShards,
	// kinesis:DescribeStreamSummary, and kms:GenerateDataKey for a customer
	// managed key).
	Stream awskinesis.IStream
	// Consumer is the enhanced fan-out consumer; nil without EnhancedFanOut.
	Consumer awskinesis.StreamConsumer
	// EventSourceMapping reads the stream (or Consumer) for the function (its
	// live alias when it has one), with ReportBatchItemFailures on.
	// Construct ID "EventSourceMapping"; its logical ID is the one
	// Function.AddEventSource(KinesisEventSource, or
	// KinesisConsumerEventSource with EnhancedFanOut) gives it (see
	// eventsource.NewEventSourceMapping). Nil without a Function (synth
	// fails then).
	EventSourceMapping awslambda.EventSourceMapping
	// DeadLetterQueue holds the metadata (shard, sequence numbers, error) of
	// batches given up on (new, or Props.DeadLetterQueue).
	DeadLetterQueue awssqs.IQueue
	// DeadLetterQueueAlarm: the dead-letter queue holds messages
	// (ApproximateNumberOfMessagesVisible Maximum > 0 in 5 minutes). Missing
	// data keeps the state: SQS stops reporting a queue untouched for 6 hours.
	DeadLetterQueueAlarm awscloudwatch.Alarm
	// IteratorAgeAlarm: the function's IteratorAge (Maximum) >
	// IteratorAgeAlarmThreshold, in milliseconds, in 5 minutes. The metric
	// is the function's, over all its stream sources. Missing data is OK.
	// Nil without a Function.
	IteratorAgeAlarm awscloudwatch.Alarm
	// Alarms are DeadLetterQueueAlarm and IteratorAgeAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the stream (without Props.Stream), the enhanced fan-out
// consumer (with EnhancedFanOut), the event source mapping, its dead-letter
// queue and the alarms. Construct IDs below id: "Stream", "Consumer",
// "DeadLetterQueue" (unless Props.DeadLetterQueue), "EventSourceMapping",
// "DeadLetterQueueAlarm", "IteratorAgeAlarm". It grants the function what
// awslambdaeventsources.KinesisEventSource (KinesisConsumerEventSource)
// grants: Stream.GrantRead (kinesis:DescribeStreamSummary,
// kinesis:GetRecords, kinesis:GetShardIterator, kinesis:ListShards,
// kinesis:SubscribeToShard, kinesis:DescribeStream, kinesis:ListStreams,
// kinesis:DescribeStreamConsumer on the stream only, and kms:Decrypt on a
// customer managed key of the stream), with EnhancedFanOut also
// kinesis:DescribeStreamConsumer and kinesis:SubscribeToShard on the
// consumer; and through the on-failure destination sqs:SendMessage,
// sqs:GetQueueAttributes, sqs:GetQueueUrl on the dead-letter queue (and
// kms:Encrypt, kms:GenerateDataKey* on its customer managed key). Bad props
// fail synth (see eventsource.Problems), each named with its value and
// allowed range; New still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *KinesisConsumer {
	k := &KinesisConsumer{}
	constructs.NewConstruct_Override(k, scope, id)
	c := k.Construct
	problems := eventsource.NewProblems(c, "kinesisconsumer")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Function", p.Function != nil, "the function that consumes the stream")
	if p.StartingPosition == "" {
		p.StartingPosition = awslambda.StartingPosition_TRIM_HORIZON
	}
	atTimestamp := p.StartingPosition == awslambda.StartingPosition_AT_TIMESTAMP
	switch {
	case atTimestamp && p.StartingPositionTimestamp == nil:
		problems.Addf("StartingPositionTimestamp is required with StartingPosition AT_TIMESTAMP (Unix seconds)")
		p.StartingPosition = awslambda.StartingPosition_TRIM_HORIZON
	case !atTimestamp && p.StartingPositionTimestamp != nil:
		problems.Addf("StartingPositionTimestamp %s is set with StartingPosition %s: it applies to AT_TIMESTAMP only", eventsource.Num(*p.StartingPositionTimestamp), p.StartingPosition)
		p.StartingPositionTimestamp = nil
	}
	p.IteratorAgeAlarmThreshold = problems.MinDuration("IteratorAgeAlarmThreshold", p.IteratorAgeAlarmThreshold, awscdk.Duration_Minutes(jsii.Number(5)), 1)

	k.Stream = p.Stream
	retention, retentionName := 0.0, ""
	if p.Stream != nil {
		for _, f := range []struct {
			name string
			set  bool
		}{{"StreamMode", p.StreamMode != ""}, {"ShardCount", p.ShardCount != nil}, {"StreamRetention", p.StreamRetention != nil}} {
			if f.set {
				problems.Addf("%s is set with an existing Stream (%s): it configures the stream this construct creates", f.name, eventsource.Path(p.Stream))
			}
		}
	} else {
		var s awskinesis.Stream
		s, retention = newStream(c, problems, p)
		k.Stream, retentionName = s, "the stream's StreamRetention"
	}
	mp, infinite := mapping.StreamProps(problems, mapping.Stream{
		StartingPosition: p.StartingPosition, StartingPositionTimestamp: p.StartingPositionTimestamp, BatchSize: p.BatchSize,
		MaxBatchingWindow: p.MaxBatchingWindow, ParallelizationFactor: p.ParallelizationFactor, TumblingWindow: p.TumblingWindow,
		BisectBatchOnError: p.BisectBatchOnError, RetryAttempts: p.RetryAttempts, MaxRecordAge: p.MaxRecordAge, InfiniteRecordAge: p.InfiniteRecordAge,
		RetentionSeconds: retention, RetentionName: retentionName,
	})
	mp.Filters = mapping.Filters(problems, c, eventfilter.Kinesis, p.Filters)
	mapping.Override(problems, &mp, p.MappingProps, mapping.Source{Kind: "a Kinesis", Props: map[string]string{
		"BatchSize": "Props.BatchSize", "BisectBatchOnError": "Props.BisectBatchOnError", "Filters": "Props.Filters", "MaxBatchingWindow": "Props.MaxBatchingWindow",
		"MaxConcurrency": "", "MaxRecordAge": "Props.MaxRecordAge (or InfiniteRecordAge)", "OnFailure": "Props.DeadLetterQueue",
		"ParallelizationFactor": "Props.ParallelizationFactor", "RetryAttempts": "Props.RetryAttempts", "StartingPosition": "Props.StartingPosition",
		"StartingPositionTimestamp": "Props.StartingPositionTimestamp", "TumblingWindow": "Props.TumblingWindow",
	}})

	k.DeadLetterQueue = p.DeadLetterQueue
	if p.DeadLetterQueue != nil {
		if p.DeadLetterRetentionPeriod != nil {
			problems.Addf("DeadLetterRetentionPeriod is set with an existing DeadLetterQueue (%s): it configures the queue this construct creates", eventsource.Path(p.DeadLetterQueue))
		}
		if !mapping.StandardQueue(problems, "DeadLetterQueue", p.DeadLetterQueue) {
			p.DeadLetterQueue = nil
		}
	} else {
		dlqRetention := problems.Duration("DeadLetterRetentionPeriod", p.DeadLetterRetentionPeriod, nil, eventsource.MinRetentionSeconds, eventsource.MaxRetentionSeconds, true, "SQS quotas")
		k.DeadLetterQueue = eventsource.NewDeadLetterQueue(c, "DeadLetterQueue", &eventsource.DeadLetterQueueProps{RetentionPeriod: dlqRetention})
		p.DeadLetterQueue = k.DeadLetterQueue
	}
	if p.EnhancedFanOut != nil && *p.EnhancedFanOut {
		k.Consumer = awskinesis.NewStreamConsumer(c, jsii.String("Consumer"), &awskinesis.StreamConsumerProps{
			Stream: k.Stream,
			// CloudFormation requires a name; unique per stream, from the path.
			StreamConsumerName: awscdk.Names_UniqueResourceName(c, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(128)}),
		})
	}
	if p.Function != nil && problems.FunctionRole("Function", p.Function, "kinesis:GetRecords, kinesis:GetShardIterator and kinesis:DescribeStream on the stream, and sqs:SendMessage on the dead-letter queue") {
		if p.DeadLetterQueue != nil {
			// SqsDlq grants the mapping's target sqs:SendMessage on the queue.
			mp.OnFailure = awslambdaeventsources.NewSqsDlq(p.DeadLetterQueue)
		}
		// What KinesisEventSource / KinesisConsumerEventSource grant: the
		// reads of the stream (and consumer), after defining the mapping.
		if k.Consumer != nil {
			mp.EventSourceArn = k.Consumer.StreamConsumerArn()
			k.EventSourceMapping = eventsource.NewEventSourceMapping(c, p.Function, eventsource.KinesisConsumerMapping, k.Consumer, &mp)
			k.Consumer.GrantRead(p.Function)
		} else {
			mp.EventSourceArn = k.Stream.StreamArn()
			k.EventSourceMapping = eventsource.NewEventSourceMapping(c, p.Function, eventsource.KinesisMapping, k.Stream, &mp)
			k.Stream.GrantRead(p.Function)
		}
		if p.Stream == nil && p.StreamMode == awskinesis.StreamMode_PROVISIONED && mp.ParallelizationFactor != nil {
			shards := 1.0 // the default; a bad ShardCount is reported by newStream
			if p.ShardCount != nil {
				shards = *p.ShardCount
			}
			checkConcurrency(c, p.Function, *mp.ParallelizationFactor, shards)
		}
		if infinite {
			mapping.InfiniteRecordAge(k.EventSourceMapping)
		}
		eventsource.NotAsyncInvoked(eventsource.BaseFunction(p.Function), "a Kinesis event source mapping invokes it; records it gives up on go to the mapping's on-failure destination")
	}
	if k.DeadLetterQueue != nil {
		k.DeadLetterQueueAlarm = eventsource.NewDeadLetterQueueAlarm(c, k.DeadLetterQueue, p.AlarmAction)
		k.Alarms = []awscloudwatch.Alarm{k.DeadLetterQueueAlarm}
	}
	if p.Function != nil {
		k.IteratorAgeAlarm = eventsource.NewIteratorAgeAlarm(c, eventsource.BaseFunction(p.Function), p.IteratorAgeAlarmThreshold, p.AlarmAction)
		k.Alarms = append(k.Alarms, k.IteratorAgeAlarm)
	}
	return k
}

// checkConcurrency checks at synth, when fn's reserved concurrency is known
// then, that the concurrent invocations the mapping of a new provisioned
// stream starts (a batch per shard and parallelization factor) fit in it:
// more are throttled, and the stream falls behind.
func checkConcurrency(c constructs.Construct, fn awslambda.IFunction, factor, shards float64) {
	c.Node().AddValidation(&validation{func() []string {
		reserved, ok := eventsource.ReservedConcurrency(fn)
		if !ok || factor*shards <= reserved {
			return nil
		}
		return []string{fmt.Sprintf("kinesisconsumer: ParallelizationFactor %s x ShardCount %s = %s concurrent invocations, above the reserved concurrency %s of Function %s: the mapping is throttled and the stream falls behind (IteratorAgeAlarm); lower ParallelizationFactor or raise the function's reserved concurrency",
			eventsource.Num(factor), eventsource.Num(shards), eventsource.Num(factor*shards), eventsource.Num(reserved), eventsource.Path(eventsource.BaseFunction(fn)))}
	}})
}

// validation is a constructs.IValidation running check at synth.
type validation struct{ check func() []string }

// Validate implements constructs.IValidation.
func (v *validation) Validate() *[]*string { return jsii.Strings(v.check()...) }

// newStream checks the props of the new stream and defines it; it returns
// the stream's retention in seconds.
func newStream(c constructs.Construct, problems *eventsource.Problems, p Props) (awskinesis.Stream, float64) {
	mode := p.StreamMode
	if mode == "" {
		mode = awskinesis.StreamMode_ON_DEMAND
	}
	var shards *float64
	if mode == awskinesis.StreamMode_PROVISIONED {
		shards = problems.Count("ShardCount", p.ShardCount, 1, 1, MaxShardCount, "", "Kinesis quotas")
	} else if p.ShardCount != nil {
		problems.Addf("ShardCount %s is set with StreamMode %s: it applies to PROVISIONED only", eventsource.Num(*p.ShardCount), mode)
	}
	retention := problems.Duration("StreamRetention", p.StreamRetention, awscdk.Duration_Hours(jsii.Number(MinStreamRetentionHours)),
		MinStreamRetentionHours*3600, MaxStreamRetentionHours*3600, true, "Kinesis quotas")
	if s := eventsource.Seconds(retention); !*retention.IsUnresolved() && s != float64(int64(s)/3600*3600) {
		problems.Addf("StreamRetention %ss is not a whole number of hours", eventsource.Num(s))
		retention = awscdk.Duration_Hours(jsii.Number(MinStreamRetentionHours))
	}
	seconds := 0.0
	if !*retention.IsUnresolved() {
		seconds = eventsource.Seconds(retention)
	}
	return awskinesis.NewStream(c, jsii.String("Stream"), &awskinesis.StreamProps{
		StreamMode:      mode,
		ShardCount:      shards,
		RetentionPeriod: retention,
		// Server-side encryption with the AWS managed key: no key to manage,
		// and readers and writers need no KMS grant (cdk-nag KDS1, KDS3).
		Encryption: awskinesis.StreamEncryption_MANAGED,
	}), seconds
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (k *KinesisConsumer) ToString() *string { return k.Construct.ToString() }
