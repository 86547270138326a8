package eventsource

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AlarmPeriodMinutes is the period every alarm of the constructs evaluates,
// in minutes: one datapoint over it breaching the threshold raises the
// alarm.
const AlarmPeriodMinutes = 5

// AlarmSpec is one alarm: Metric > Threshold in one 5-minute period.
type AlarmSpec struct {
	// Metric with its statistic; its period is set to 5 minutes. Or Math,
	// when Metric is nil: an expression over metrics, its period already
	// AlarmPeriodMinutes.
	Metric awscloudwatch.Metric
	Math   awscloudwatch.MathExpression
	// Threshold the metric must exceed (strictly) to alarm.
	Threshold float64
	// Missing is how periods without data count. Default:
	// awscloudwatch.TreatMissingData_NOT_BREACHING (a metric only reported on
	// activity: no activity, no problem).
	Missing awscloudwatch.TreatMissingData
	// Description, after the construct path: what breached and what to do.
	Description string
}

// NewAlarm defines the alarm id in scope the way every construct of this
// library does: no physical name (CloudFormation derives one from the stack
// and logical ID), a description starting with scope's path, one 5-minute
// period, one datapoint to alarm, and action (none when nil) told on ALARM
// and on OK.
func NewAlarm(scope constructs.Construct, id string, s AlarmSpec, action awscloudwatch.IAlarmAction) awscloudwatch.Alarm {
	if s.Missing == "" {
		s.Missing = awscloudwatch.TreatMissingData_NOT_BREACHING
	}
	var metric awscloudwatch.IMetric = s.Math
	if s.Metric != nil {
		metric = s.Metric.With(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(AlarmPeriodMinutes))})
	}
	a := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric:             metric,
		Threshold:          jsii.Number(s.Threshold),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		DatapointsToAlarm:  jsii.Number(1),
		TreatMissingData:   s.Missing,
		AlarmDescription:   jsii.String(*scope.Node().Path() + ": " + s.Description),
	})
	if action != nil {
		a.AddAlarmAction(action)
		a.AddOkAction(action)
	}
	return a
}

// NewDeadLetterQueueAlarm alarms as soon as the dead-letter queue q holds a
// message (ApproximateNumberOfMessagesVisible, Maximum over 5 minutes, > 0),
// under the construct ID "DeadLetterQueueAlarm" in scope. Missing data keeps
// the alarm's state (IGNORE): SQS stops reporting a queue nothing has touched
// for 6 hours, messages or not, so a dead-letter queue left full must not
// turn back to OK by silence; a new, empty one stays INSUFFICIENT_DATA until
// first used.
func NewDeadLetterQueueAlarm(scope constructs.Construct, q awssqs.IQueue, action awscloudwatch.IAlarmAction) awscloudwatch.Alarm {
	return NewAlarm(scope, "DeadLetterQueueAlarm", AlarmSpec{
		Metric:      q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum")}),
		Missing:     awscloudwatch.TreatMissingData_IGNORE,
		Description: "the dead-letter queue holds messages: work that failed for good. Inspect them, fix the cause, redrive them.",
	}, action)
}

// NewIteratorAgeAlarm alarms when fn, consuming a stream (Kinesis or
// DynamoDB Streams) through an event source mapping, falls behind: its
// IteratorAge metric (the age of the last record of a batch, Maximum over
// AlarmPeriodMinutes) above threshold, under the construct ID
// "IteratorAgeAlarm" in scope. threshold is a duration; milliseconds in the
// alarm, as the metric reports.
func NewIteratorAgeAlarm(scope constructs.Construct, fn awslambda.IFunction, threshold awscdk.Duration, action awscloudwatch.IAlarmAction) awscloudwatch.Alarm {
	age := Seconds(threshold) * 1000
	return NewAlarm(scope, "IteratorAgeAlarm", AlarmSpec{
		Metric:      fn.Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum")}),
		Threshold:   age,
		Description: fmt.Sprintf("iterator age above %s ms: the consumer falls behind the stream.", Num(age)),
	}, action)
}

// NewTableThrottleAlarm alarms as soon as a request to table was throttled:
// the sum of ReadThrottleEvents and WriteThrottleEvents (Sum over
// AlarmPeriodMinutes) of the table and of each global secondary index in
// indexes (a throttled index write throttles the table write that caused
// it) > 0, under the construct ID id in scope. description follows scope's
// path and "requests were throttled: ". Missing data is OK: DynamoDB reports
// throttles only when there are some.
func NewTableThrottleAlarm(scope constructs.Construct, id string, table awsdynamodb.ITable, indexes []string, description string, action awscloudwatch.IAlarmAction) awscloudwatch.Alarm {
	period := awscdk.Duration_Minutes(jsii.Number(AlarmPeriodMinutes))
	metric := func(name, index string) awscloudwatch.IMetric {
		opts := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: period}
		if index != "" {
			opts.DimensionsMap = &map[string]*string{"TableName": table.TableName(), "GlobalSecondaryIndexName": jsii.String(index)}
		}
		return table.Metric(jsii.String(name), opts)
	}
	using := map[string]awscloudwatch.IMetric{"r": metric("ReadThrottleEvents", ""), "w": metric("WriteThrottleEvents", "")}
	expr := "r + w"
	for i, index := range indexes {
		r, w := fmt.Sprintf("r%d", i+1), fmt.Sprintf("w%d", i+1)
		using[r], using[w] = metric("ReadThrottleEvents", index), metric("WriteThrottleEvents", index)
		expr += " + " + r + " + " + w
	}
	return NewAlarm(scope, id, AlarmSpec{
		Math: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String(expr),
			UsingMetrics: &using,
			Label:        jsii.String("Throttled requests"),
			Period:       period,
		}),
		Description: "requests were throttled: " + description,
	}, action)
}

// DestinationDeliveryAlarm returns the alarm on fn's
// DestinationDeliveryFailures (Sum, namespace AWS/Lambda, dimension
// FunctionName: all versions and aliases) > 0 in 5 minutes: Lambda could
// not write an asynchronous invocation's record to its on-failure (or
// on-success) destination, so a failed event was lost, not dead-lettered
// (a queue policy or key that refuses the function, a deleted queue).
// Every construct of this library that configures asynchronous invocation
// asks for it; the first defines it under scope with the construct ID
// "DestinationDeliveryAlarm" and action, and later ones for the same
// function get that alarm. Missing data is OK: Lambda reports the metric
// only when deliveries fail.
func DestinationDeliveryAlarm(scope constructs.Construct, fn awslambda.IFunction, action awscloudwatch.IAlarmAction) awscloudwatch.Alarm {
	target := InvokeTarget(fn) // the key of its asynchronous-invoke configuration, which holds the alarm
	asyncConfigs.Lock()
	defer asyncConfigs.Unlock()
	cfg, configured := asyncConfigs.m[target]
	if configured && cfg.alarm != nil {
		return cfg.alarm
	}
	a := NewAlarm(scope, "DestinationDeliveryAlarm", AlarmSpec{
		Metric: BaseFunction(fn).Metric(jsii.String("DestinationDeliveryFailures"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum")}),
		Description: "Lambda could not deliver asynchronous invocation records to the function's destination: failed events were lost, " +
			"not dead-lettered. Check the destination's policy, key and existence.",
	}, action)
	if configured {
		cfg.alarm = a
		asyncConfigs.m[target] = cfg
	}
	return a
}
