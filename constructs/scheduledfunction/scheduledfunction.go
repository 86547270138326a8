// Package scheduledfunction provides a construct that invokes a Lambda
// function on an EventBridge schedule, with retries and a dead-letter queue,
// so a failed run is retried and a run that never succeeds is kept (and
// alarmed on).
//
//	scheduledfunction.New(stack, jsii.String("Sweeper"), &scheduledfunction.Props{
//		Function: sweeper.Function,
//		Schedule: awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))),
//	})
//
// A schedule can fire late or twice (EventBridge delivers at least once):
// the function must make a repeated run harmless.
package scheduledfunction

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/asyncinvoke"
)

// Props configures a ScheduledFunction. Nil fields take the documented default.
type Props struct {
	// Function to run. Required.
	Function awslambda.IFunction
	// Schedule: a rate or cron expression, in UTC. Required.
	Schedule awsevents.Schedule
	// Description of the rule. Default: none.
	Description *string
	// RetryAttempts of a failed run (asynchronous invocation), 0-2 (Lambda
	// quotas). Default: 2.
	RetryAttempts *float64
	// MaxEventAge: a run older than this is not retried but sent to the
	// dead-letter queue, 60 s-6 h. Keep it under the schedule's period so runs
	// do not pile up. Default: 1 hour.
	MaxEventAge awscdk.Duration
	// DeadLetterRetentionPeriod of the dead-letter queue. Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
	// AlarmAction is told when DeadLetterQueueAlarm goes to ALARM and back
	// to OK, e.g. awscloudwatchactions.NewSnsAction(topic).
	// Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
}

// ScheduledFunction is what New built.
type ScheduledFunction struct {
	// Rule is the schedule.
	Rule awsevents.Rule
	// DeadLetterQueue receives runs that could not be delivered or still
	// failed after their retries.
	DeadLetterQueue awssqs.Queue
	// DeadLetterQueueAlarm: the dead-letter queue holds messages
	// (ApproximateNumberOfMessagesVisible Maximum > 0 in 5 minutes). Missing
	// data keeps the state: SQS stops reporting a queue untouched for 6 hours.
	DeadLetterQueueAlarm awscloudwatch.Alarm
	// Alarms are DeadLetterQueueAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the schedule rule, its target, the dead-letter queue and its
// alarm. Construct IDs below id: "Rule", "DeadLetterQueue",
// "DeadLetterQueueAlarm". The function's role gets sqs:SendMessage,
// sqs:GetQueueAttributes, sqs:GetQueueUrl on the dead-letter queue
// (on-failure destination).
func New(scope constructs.Construct, id *string, props *Props) *ScheduledFunction {
	c := constructs.NewConstruct(scope, id)
	if props == nil || props.Function == nil || props.Schedule == nil {
		panic(fmt.Sprintf("scheduledfunction: Function and Schedule are required (construct %s)", *c.Node().Path()))
	}
	p := *props
	var problems []string
	retry := asyncinvoke.Retry{Attempts: p.RetryAttempts, MaxAge: p.MaxEventAge, Retention: p.DeadLetterRetentionPeriod}
	problems = append(problems, asyncinvoke.Check("scheduledfunction", &retry, awscdk.Duration_Hours(jsii.Number(1)))...)
	if len(problems) > 0 {
		panic(fmt.Sprintf("%s (construct %s)", strings.Join(problems, "; "), *c.Node().Path()))
	}
	dlq, dlqAlarm := asyncinvoke.DeadLetterQueue(c, p.Function, retry, p.AlarmAction)
	rule := awsevents.NewRule(c, jsii.String("Rule"), &awsevents.RuleProps{
		Schedule:    p.Schedule,
		Description: p.Description,
	})
	rule.AddTarget(awseventstargets.NewLambdaFunction(p.Function, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: dlq,
		RetryAttempts:   retry.Attempts,
		MaxEventAge:     retry.MaxAge,
	}))
	return &ScheduledFunction{Rule: rule, DeadLetterQueue: dlq, DeadLetterQueueAlarm: dlqAlarm, Alarms: []awscloudwatch.Alarm{dlqAlarm}}
}
