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
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/alarm"
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
	// DynamoStream or Table's Stream prop). Required.
	Table awsdynamodb.ITable
	// Function consumes the stream. Required.
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
	// EventSource is the DynamoDB event source with ReportBatchItemFailures on.
	EventSource awslambdaeventsources.DynamoEventSource
	// DeadLetterQueueAlarm: the dead-letter queue holds messages
	// (ApproximateNumberOfMessagesVisible Maximum > 0 in 5 minutes). Missing
	// data keeps the state: SQS stops reporting a queue untouched for 6 hours.
	DeadLetterQueueAlarm awscloudwatch.Alarm
	// IteratorAgeAlarm: the function's IteratorAge (Maximum) >
	// IteratorAgeAlarmThreshold, in milliseconds, in 5 minutes. The metric
	// is the function's, over all its stream sources. Missing data is OK.
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
// the dead-letter queue. Bad props fail synth with a message naming the field.
func New(scope constructs.Construct, id *string, props *Props) *StreamConsumer {
	c := constructs.NewConstruct(scope, id)
	var problems []string
	if props == nil || props.Table == nil || props.Function == nil {
		panic(fmt.Sprintf("streamconsumer: Table and Function are required (construct %s)", *c.Node().Path()))
	}
	p := *props
	if p.StartingPosition == "" {
		p.StartingPosition = awslambda.StartingPosition_TRIM_HORIZON
	}
	if p.BatchSize == nil {
		p.BatchSize = jsii.Number(100)
	} else if b := *p.BatchSize; b < 1 || b > MaxBatchSize {
		problems = append(problems, fmt.Sprintf("streamconsumer: BatchSize %s is outside 1-%d", num(b), MaxBatchSize))
	}
	if p.RetryAttempts == nil {
		p.RetryAttempts = jsii.Number(10)
	} else if r := *p.RetryAttempts; r < 0 || r > MaxRetryAttempts {
		problems = append(problems, fmt.Sprintf("streamconsumer: RetryAttempts %s is outside 0-%d", num(r), MaxRetryAttempts))
	}
	if p.MaxRecordAge == nil {
		p.MaxRecordAge = awscdk.Duration_Days(jsii.Number(1))
	} else if a := *p.MaxRecordAge.ToSeconds(nil); a < MinRecordAgeSeconds || a > MaxRecordAgeSeconds {
		problems = append(problems, fmt.Sprintf("streamconsumer: MaxRecordAge %ss is outside %d-%ds", num(a), MinRecordAgeSeconds, MaxRecordAgeSeconds))
	}
	if p.ParallelizationFactor == nil {
		p.ParallelizationFactor = jsii.Number(1)
	} else if f := *p.ParallelizationFactor; f < 1 || f > 10 {
		problems = append(problems, fmt.Sprintf("streamconsumer: ParallelizationFactor %s is outside 1-10", num(f)))
	}
	if p.DeadLetterRetentionPeriod == nil {
		p.DeadLetterRetentionPeriod = awscdk.Duration_Days(jsii.Number(14))
	}
	if p.IteratorAgeAlarmThreshold == nil {
		p.IteratorAgeAlarmThreshold = awscdk.Duration_Minutes(jsii.Number(5))
	} else if ms := *p.IteratorAgeAlarmThreshold.ToMilliseconds(nil); ms < 1000 {
		problems = append(problems, fmt.Sprintf("streamconsumer: IteratorAgeAlarmThreshold %ss must be at least 1s", num(ms/1000)))
	}
	if len(problems) > 0 {
		panic(fmt.Sprintf("%s (construct %s)", strings.Join(problems, "; "), *c.Node().Path()))
	}
	dlq := nag.DeadLetterQueue(c, "DeadLetterQueue", p.DeadLetterRetentionPeriod, false)
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
	nag.NotAsyncInvoked(p.Function, "a DynamoDB stream event source mapping invokes it; records it gives up on go to the mapping's on-failure destination")
	sc := &StreamConsumer{DeadLetterQueue: dlq, EventSource: src}
	sc.DeadLetterQueueAlarm = alarm.DeadLetterQueue(c, dlq, p.AlarmAction)
	age := *p.IteratorAgeAlarmThreshold.ToMilliseconds(nil)
	sc.IteratorAgeAlarm = alarm.New(c, "IteratorAgeAlarm", alarm.Spec{
		Metric:      p.Function.Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum")}),
		Threshold:   age,
		Description: fmt.Sprintf("iterator age above %s ms: the consumer falls behind the stream.", num(age)),
	}, p.AlarmAction)
	sc.Alarms = []awscloudwatch.Alarm{sc.DeadLetterQueueAlarm, sc.IteratorAgeAlarm}
	return sc
}

// num formats a number as written, without exponent: 1209600, 1.5.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
