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
package kinesisconsumer

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
)

// Limits checked at synth (Lambda event source mapping and Kinesis quotas).
const (
	MaxBatchSize             = 10_000
	MaxRetryAttempts         = 10_000
	MinRecordAgeSeconds      = 60
	MaxRecordAgeSeconds      = 604_800 // 7 days; -1 (infinite) is not offered here
	MaxBatchingWindowSeconds = 300
	MaxParallelization       = 10
	MinStreamRetentionHours  = 24
	MaxStreamRetentionHours  = 8_760 // 365 days
	MaxShardCount            = 10_000
)

// Props configures a KinesisConsumer. Nil fields take the documented default.
type Props struct {
	// Stream to read: a stream of the app or an imported one
	// (awskinesis.Stream_FromStreamArn, or Stream_FromStreamAttributes with
	// its EncryptionKey when a customer managed key encrypts it, so that the
	// function is granted kms:Decrypt). Default: a new stream (see
	// StreamMode, ShardCount, StreamRetention), encrypted with the AWS
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
	// Function consumes the stream: an awslambda.Function of the app, or an
	// imported one with its role (awslambda.Function_FromFunctionAttributes
	// with Role: the mapping grants it the stream reads). Required.
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
	// BisectBatchOnError splits a failing batch in two and retries each
	// half, isolating a bad record. Default: true.
	BisectBatchOnError *bool
	// RetryAttempts of a failing batch before its records go to the
	// dead-letter queue, 0-10,000. Default: 10.
	RetryAttempts *float64
	// MaxRecordAge: records older than this go to the dead-letter queue
	// instead of being processed, 60 s-7 days. Default: 1 day.
	MaxRecordAge awscdk.Duration
	// Filters: event filtering patterns; records that match none are dropped
	// by Lambda before invoking (and not billed). Default: none (every record).
	Filters *[]*map[string]interface{}
	// EnhancedFanOut reads through a registered stream consumer with its own
	// 2 MB/s per shard, pushed over HTTP/2 (lower latency; billed per
	// consumer-shard hour and GB), instead of sharing the shard's read
	// throughput with the other readers. Default: false.
	EnhancedFanOut *bool
	// DeadLetterRetentionPeriod of the dead-letter queue, 60 s-14 days.
	// Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
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

// KinesisConsumer is what New built.
type KinesisConsumer struct {
	// Stream read (Props.Stream, or the new one). Producers get write rights
	// with Stream.GrantWrite (kinesis:PutRecord(s), kinesis:ListShards,
	// kinesis:DescribeStreamSummary, and kms:GenerateDataKey for a customer
	// managed key).
	Stream awskinesis.IStream
	// Consumer is the enhanced fan-out consumer; nil without EnhancedFanOut.
	Consumer awskinesis.StreamConsumer
	// EventSource is the Kinesis event source (KinesisEventSource, or
	// KinesisConsumerEventSource with EnhancedFanOut) with
	// ReportBatchItemFailures on. Nil without a Function (synth fails then).
	EventSource awslambda.IEventSource
	// DeadLetterQueue holds the metadata (shard, sequence numbers, error) of
	// batches given up on.
	DeadLetterQueue awssqs.Queue
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
// "DeadLetterQueue", "DeadLetterQueueAlarm", "IteratorAgeAlarm". The event
// source grants the function, on the stream only,
// kinesis:DescribeStreamSummary, kinesis:GetRecords,
// kinesis:GetShardIterator, kinesis:ListShards, kinesis:SubscribeToShard,
// kinesis:DescribeStream, kinesis:ListStreams and
// kinesis:DescribeStreamConsumer (with EnhancedFanOut also
// kinesis:DescribeStreamConsumer and kinesis:SubscribeToShard on the
// consumer), kms:Decrypt on a customer managed key of the stream, and
// sqs:SendMessage, sqs:GetQueueAttributes, sqs:GetQueueUrl on the
// dead-letter queue. Bad props fail synth (see eventsource.Problems), each
// named with its value and allowed range; New still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *KinesisConsumer {
	c := constructs.NewConstruct(scope, id)
	problems := eventsource.NewProblems(c, "kinesisconsumer")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Function", p.Function != nil, "the function that consumes the stream")
	const em = "event source mapping"
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
	p.BatchSize = problems.Count("BatchSize", p.BatchSize, 100, 1, MaxBatchSize, "", em)
	p.MaxBatchingWindow = problems.Duration("MaxBatchingWindow", p.MaxBatchingWindow, nil, 0, MaxBatchingWindowSeconds, true, em)
	p.ParallelizationFactor = problems.Count("ParallelizationFactor", p.ParallelizationFactor, 1, 1, MaxParallelization, "", em)
	p.RetryAttempts = problems.Count("RetryAttempts", p.RetryAttempts, 10, 0, MaxRetryAttempts, "", em)
	p.MaxRecordAge = problems.Duration("MaxRecordAge", p.MaxRecordAge, awscdk.Duration_Days(jsii.Number(1)), MinRecordAgeSeconds, MaxRecordAgeSeconds, true, em)
	if p.BisectBatchOnError == nil {
		p.BisectBatchOnError = jsii.Bool(true)
	}
	retention := problems.Duration("DeadLetterRetentionPeriod", p.DeadLetterRetentionPeriod, nil, eventsource.MinRetentionSeconds, eventsource.MaxRetentionSeconds, true, "SQS quotas")
	p.IteratorAgeAlarmThreshold = problems.MinDuration("IteratorAgeAlarmThreshold", p.IteratorAgeAlarmThreshold, awscdk.Duration_Minutes(jsii.Number(5)), 1)

	k := &KinesisConsumer{Stream: p.Stream}
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
		k.Stream = newStream(c, problems, p)
	}

	dlq := eventsource.NewDeadLetterQueue(c, "DeadLetterQueue", &eventsource.DeadLetterQueueProps{RetentionPeriod: retention})
	k.DeadLetterQueue = dlq
	if p.EnhancedFanOut != nil && *p.EnhancedFanOut {
		k.Consumer = awskinesis.NewStreamConsumer(c, jsii.String("Consumer"), &awskinesis.StreamConsumerProps{
			Stream: k.Stream,
			// CloudFormation requires a name; unique per stream, from the path.
			StreamConsumerName: awscdk.Names_UniqueResourceName(c, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(128)}),
		})
	}
	if p.Function != nil && problems.FunctionRole("Function", p.Function, "kinesis:GetRecords, kinesis:GetShardIterator and kinesis:DescribeStream on the stream, and sqs:SendMessage on the dead-letter queue") {
		sourceProps := &awslambdaeventsources.KinesisEventSourceProps{
			StartingPosition:          p.StartingPosition,
			StartingPositionTimestamp: p.StartingPositionTimestamp,
			BatchSize:                 p.BatchSize,
			MaxBatchingWindow:         p.MaxBatchingWindow,
			ParallelizationFactor:     p.ParallelizationFactor,
			BisectBatchOnError:        p.BisectBatchOnError,
			RetryAttempts:             p.RetryAttempts,
			MaxRecordAge:              p.MaxRecordAge,
			ReportBatchItemFailures:   jsii.Bool(true),
			Filters:                   p.Filters,
			OnFailure:                 awslambdaeventsources.NewSqsDlq(dlq),
		}
		if k.Consumer != nil {
			k.EventSource = awslambdaeventsources.NewKinesisConsumerEventSource(k.Consumer, sourceProps)
		} else {
			k.EventSource = awslambdaeventsources.NewKinesisEventSource(k.Stream, sourceProps)
		}
		p.Function.AddEventSource(k.EventSource)
		eventsource.NotAsyncInvoked(p.Function, "a Kinesis event source mapping invokes it; records it gives up on go to the mapping's on-failure destination")
	}
	k.DeadLetterQueueAlarm = eventsource.NewDeadLetterQueueAlarm(c, dlq, p.AlarmAction)
	k.Alarms = []awscloudwatch.Alarm{k.DeadLetterQueueAlarm}
	if p.Function != nil {
		k.IteratorAgeAlarm = eventsource.NewIteratorAgeAlarm(c, p.Function, p.IteratorAgeAlarmThreshold, p.AlarmAction)
		k.Alarms = append(k.Alarms, k.IteratorAgeAlarm)
	}
	return k
}

// newStream checks the props of the new stream and defines it.
func newStream(c constructs.Construct, problems *eventsource.Problems, p Props) awskinesis.Stream {
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
	return awskinesis.NewStream(c, jsii.String("Stream"), &awskinesis.StreamProps{
		StreamMode:      mode,
		ShardCount:      shards,
		RetentionPeriod: retention,
		// Server-side encryption with the AWS managed key: no key to manage,
		// and readers and writers need no KMS grant (cdk-nag KDS1, KDS3).
		Encryption: awskinesis.StreamEncryption_MANAGED,
	})
}
