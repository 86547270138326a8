// Package alarm defines the constructs' CloudWatch alarms one way: no
// physical name (CloudFormation derives one from the stack and logical ID),
// a description naming the construct path and the condition, one 5-minute
// period, and the caller's action on both ALARM and OK.
package alarm

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// periodMinutes is the period every alarm evaluates, in minutes: one
// datapoint over it breaching the threshold raises the alarm. The
// constructs' docs say "in 5 minutes".
const periodMinutes = 5

// Spec is one alarm: metric > Threshold.
type Spec struct {
	// Metric with its statistic; its period is set to 5 minutes.
	Metric awscloudwatch.Metric
	// Threshold the metric must exceed (strictly) to alarm.
	Threshold float64
	// Missing is how periods without data count. Default: NOT_BREACHING
	// (a metric only reported on activity: no activity, no problem).
	Missing awscloudwatch.TreatMissingData
	// Description, after the construct path: what breached and what it means.
	Description string
}

// New defines the alarm id in scope and hands its ALARM and OK transitions
// to action (none when nil).
func New(scope constructs.Construct, id string, s Spec, action awscloudwatch.IAlarmAction) awscloudwatch.Alarm {
	if s.Missing == "" {
		s.Missing = awscloudwatch.TreatMissingData_NOT_BREACHING
	}
	a := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric:             s.Metric.With(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(periodMinutes))}),
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

// DeadLetterQueue alarms as soon as the dead-letter queue q holds a message
// (ApproximateNumberOfMessagesVisible Maximum > 0), under the construct ID
// "DeadLetterQueueAlarm". Missing data keeps the alarm's state (IGNORE):
// SQS stops reporting a queue nothing has touched for 6 hours, messages or
// not, so a dead-letter queue left full must not turn back to OK by silence;
// a new, empty one stays INSUFFICIENT_DATA until first used.
func DeadLetterQueue(scope constructs.Construct, q awssqs.IQueue, action awscloudwatch.IAlarmAction) awscloudwatch.Alarm {
	return New(scope, "DeadLetterQueueAlarm", Spec{
		Metric:      q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum")}),
		Missing:     awscloudwatch.TreatMissingData_IGNORE,
		Description: "the dead-letter queue holds messages: work that failed for good. Inspect them, fix the cause, redrive them.",
	}, action)
}
