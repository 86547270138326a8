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
//		Filters:  []*map[string]interface{}{awslambda.FilterCriteria_Filter(&map[string]interface{}{
//			"eventName": awslambda.FilterRule_IsEqual("INSERT")})},
//	})
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

	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/nag"
)

// Limits checked at synth (Lambda event source mapping quotas for DynamoDB
// streams).
const (
	MaxBatchSize        = 10_000
	MaxRetryAttempts    = 10_000
	MaxRecordAgeSeconds = 604_800 // 7 days; -1 (infinite) is not offered here
	MinRecordAgeSeconds = 60
)

// Props configures a StreamConsumer. Nil fields take the documented default.
type Props struct {
	// Table whose stream is read; it must have a stream (TableV2's
	// DynamoStream or Table's Stream prop). An imported table must be
	// imported with its stream: awsdynamodb.Table_FromTableAttributes with
	// TableStreamArn; without it synth fails saying so. Required.
	Table awsdynamodb.ITable
	// Function consumes the stream: an awslambda.Function of the app, or an
	// imported one with its role (awslambda.Function_FromFunctionAttributes
	// with Role: the mapping grants it the stream reads). Required.
	Function awslambda.IFunction
	// StartingPosition for a new mapping. Default: TRIM_HORIZON (oldest
	// record still in the stream: nothing written before the deploy is missed).
	StartingPosition awslambda.StartingPosition
	// BatchSize: records per invocation, 1-10,000. Default: 100.
	BatchSize *float64
	// MaxBatchingWindow: how long to gather records, 0-300 s. Default: none.
	MaxBatchingWindow awscdk.Duration
	// RetryAttempts of a failing batch (after bisecting) before its records go
	// to the dead-letter queue, 0-10,000. Default: 10.
	RetryAttempts *float64
	// MaxRecordAge: records older than this go to the dead-letter queue
	// instead of being processed, 60 s-7 days. Default: 1 day (the stream's
	// own retention).
	MaxRecordAge awscdk.Duration
	// ParallelizationFactor: concurrent batches per shard, 1-10. Order is kept
	// per item key. Default: 1.
	ParallelizationFactor *float64
	// Filters: event filtering patterns; records that match none are dropped
	// by Lambda before invoking (and not billed). Default: none (every record).
	Filters *[]*map[string]interface{}
	// DeadLetterRetentionPeriod of the dead-letter queue. Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
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

// StreamConsumer is what New built.
type StreamConsumer struct {
	// DeadLetterQueue holds the metadata (shard, sequence numbers) of batches
	// given up on; read the records from the stream within its 24 h retention.
	DeadLetterQueue awssqs.Queue
	// EventSource is the DynamoDB event source with ReportBatchItemFailures
	// on. Nil when Table or Function is missing or unusable (synth fails then).
	EventSource awslambdaeventsources.DynamoEventSource
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
// alarms. Construct IDs below id: "DeadLetterQueue", "DeadLetterQueueAlarm",
// "IteratorAgeAlarm". The event source grants the function
// dynamodb:DescribeStream, dynamodb:GetRecords and dynamodb:GetShardIterator on
// the table's stream, dynamodb:ListStreams on "*" (it has no resource-level
// permission), and sqs:SendMessage, sqs:GetQueueAttributes, sqs:GetQueueUrl on
// the dead-letter queue. Bad props fail synth (see eventsource.Problems),
// each named with its value and allowed range; New still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *StreamConsumer {
	c := constructs.NewConstruct(scope, id)
	problems := eventsource.NewProblems(c, "streamconsumer")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Table", p.Table != nil, "the table whose stream the function reads")
	problems.Required("Function", p.Function != nil, "the function that consumes the stream")
	if p.StartingPosition == "" {
		p.StartingPosition = awslambda.StartingPosition_TRIM_HORIZON
	}
	p.BatchSize = problems.Count("BatchSize", p.BatchSize, 100, 1, MaxBatchSize, "", "event source mapping")
	p.MaxBatchingWindow = problems.Duration("MaxBatchingWindow", p.MaxBatchingWindow, nil, 0, 300, true, "event source mapping")
	p.RetryAttempts = problems.Count("RetryAttempts", p.RetryAttempts, 10, 0, MaxRetryAttempts, "", "event source mapping")
	p.MaxRecordAge = problems.Duration("MaxRecordAge", p.MaxRecordAge, awscdk.Duration_Days(jsii.Number(1)), MinRecordAgeSeconds, MaxRecordAgeSeconds, true, "event source mapping")
	p.ParallelizationFactor = problems.Count("ParallelizationFactor", p.ParallelizationFactor, 1, 1, 10, "", "event source mapping")
	p.DeadLetterRetentionPeriod = problems.Duration("DeadLetterRetentionPeriod", p.DeadLetterRetentionPeriod, nil, eventsource.MinRetentionSeconds, eventsource.MaxRetentionSeconds, true, "SQS quotas")
	p.IteratorAgeAlarmThreshold = problems.MinDuration("IteratorAgeAlarmThreshold", p.IteratorAgeAlarmThreshold, awscdk.Duration_Minutes(jsii.Number(5)), 1)
	if p.Table != nil && p.Table.TableStreamArn() == nil {
		problems.Addf("Table %s has no stream this app knows of: give a table of the app its stream (awsdynamodb.TableProps.Stream, or TableV2's DynamoStream), or import it with awsdynamodb.Table_FromTableAttributes and TableStreamArn", eventsource.Path(p.Table))
		p.Table = nil
	}

	dlq := eventsource.NewDeadLetterQueue(c, "DeadLetterQueue", &eventsource.DeadLetterQueueProps{RetentionPeriod: p.DeadLetterRetentionPeriod})
	sc := &StreamConsumer{DeadLetterQueue: dlq}
	if p.Table != nil && p.Function != nil && problems.FunctionRole("Function", p.Function, "dynamodb:GetRecords, dynamodb:GetShardIterator and dynamodb:DescribeStream on the stream, and sqs:SendMessage on the dead-letter queue") {
		src := awslambdaeventsources.NewDynamoEventSource(p.Table, &awslambdaeventsources.DynamoEventSourceProps{
			StartingPosition:        p.StartingPosition,
			BatchSize:               p.BatchSize,
			MaxBatchingWindow:       p.MaxBatchingWindow,
			RetryAttempts:           p.RetryAttempts,
			MaxRecordAge:            p.MaxRecordAge,
			ParallelizationFactor:   p.ParallelizationFactor,
			BisectBatchOnError:      jsii.Bool(true),
			ReportBatchItemFailures: jsii.Bool(true),
			Filters:                 p.Filters,
			OnFailure:               awslambdaeventsources.NewSqsDlq(dlq),
		})
		p.Function.AddEventSource(src)
		if policy := nag.DefaultPolicy(p.Function.Role()); policy != nil {
			nag.Suppress(policy, "AwsSolutions-IAM5", "dynamodb:ListStreams, which the event source mapping needs, supports no resource narrower than \"*\".", "Resource::*")
		}
		eventsource.NotAsyncInvoked(p.Function, "a DynamoDB stream event source mapping invokes it; records it gives up on go to the mapping's on-failure destination")
		sc.EventSource = src
	}
	sc.DeadLetterQueueAlarm = eventsource.NewDeadLetterQueueAlarm(c, dlq, p.AlarmAction)
	sc.Alarms = []awscloudwatch.Alarm{sc.DeadLetterQueueAlarm}
	if p.Function != nil {
		sc.IteratorAgeAlarm = eventsource.NewIteratorAgeAlarm(c, p.Function, p.IteratorAgeAlarmThreshold, p.AlarmAction)
		sc.Alarms = append(sc.Alarms, sc.IteratorAgeAlarm)
	}
	return sc
}
