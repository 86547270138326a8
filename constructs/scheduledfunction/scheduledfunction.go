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
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
)

// Props configures a ScheduledFunction. Nil fields take the documented default.
type Props struct {
	// Function to run: an awslambda.Function of the app, or an imported one
	// with its role (awslambda.Function_FromFunctionAttributes with Role: its
	// on-failure destination needs sqs:SendMessage). Required.
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
// (on-failure destination). Bad props fail synth (see eventsource.Problems),
// each named with its value and allowed range; New still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *ScheduledFunction {
	c := constructs.NewConstruct(scope, id)
	problems := eventsource.NewProblems(c, "scheduledfunction")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Function", p.Function != nil, "the function to run")
	if !problems.Required("Schedule", p.Schedule != nil, "a rate or cron expression, e.g. awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5)))") {
		// Built so that Rule is usable; never deployed, since synth fails.
		p.Schedule = awsevents.Schedule_Rate(awscdk.Duration_Days(jsii.Number(1)))
	}
	retry := problems.AsyncInvoke(eventsource.AsyncInvoke{RetryAttempts: p.RetryAttempts, MaxEventAge: p.MaxEventAge}, awscdk.Duration_Hours(jsii.Number(1)))
	retention := problems.Duration("DeadLetterRetentionPeriod", p.DeadLetterRetentionPeriod, nil, eventsource.MinRetentionSeconds, eventsource.MaxRetentionSeconds, true, "SQS quotas")

	dlq := eventsource.NewDeadLetterQueue(c, "DeadLetterQueue", &eventsource.DeadLetterQueueProps{RetentionPeriod: retention})
	dlqAlarm := eventsource.NewDeadLetterQueueAlarm(c, dlq, p.AlarmAction)
	rule := awsevents.NewRule(c, jsii.String("Rule"), &awsevents.RuleProps{
		Schedule:    p.Schedule,
		Description: p.Description,
	})
	if p.Function != nil {
		eventsource.ConfigureAsyncInvoke(problems, p.Function, retry, dlq)
		rule.AddTarget(awseventstargets.NewLambdaFunction(p.Function, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: dlq,
			RetryAttempts:   retry.RetryAttempts,
			MaxEventAge:     retry.MaxEventAge,
		}))
	}
	return &ScheduledFunction{Rule: rule, DeadLetterQueue: dlq, DeadLetterQueueAlarm: dlqAlarm, Alarms: []awscloudwatch.Alarm{dlqAlarm}}
}
