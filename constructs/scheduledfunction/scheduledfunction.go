// Package scheduledfunction provides a construct that invokes a Lambda
// function on a schedule, with retries and a dead-letter queue, so a failed
// run is retried and a run that never succeeds is kept (and alarmed on).
//
//	scheduledfunction.New(stack, jsii.String("Sweeper"), &scheduledfunction.Props{
//		Function: sweeper.Function,
//		Schedule: awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))),
//	})
//
// By default the schedule is an EventBridge Scheduler schedule (AWS
// recommends Scheduler over scheduled rules, which its docs call legacy): in
// a schedule group of its own, with an execution role that may invoke only
// the function's invoke target (its live alias when it has one) and send
// only to the dead-letter queue, trusted by Scheduler for that group of
// this account only. Scheduler adds time zones (cron evaluated in
// TimeZone, daylight saving time included), one-time schedules
// (at(yyyy-mm-ddThh:mm:ss)), a flexible time window, up to 185 delivery
// retries and encryption of the schedule's input with a key of yours.
// Kind KindRule keeps a scheduled EventBridge rule instead (UTC only).
//
// The expression is checked at synth: rate(value unit) with a positive whole
// value and minute(s), hour(s) or day(s), singular for 1; cron with six
// fields within their ranges and wildcards and "?" in exactly one of
// day-of-month and day-of-week; at() with a valid date and time; TimeZone an
// IANA name (Go's embedded database decides, no system zoneinfo needed).
//
// A schedule can fire late or twice (delivery is at least once): the
// function must make a repeated run harmless.
package scheduledfunction

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/propsoverride"
	"github.com/example/orderflow/constructs/internal/ruletarget"
)

// Kind of schedule New defines.
type Kind string

const (
	// KindScheduler is an EventBridge Scheduler schedule (the default).
	KindScheduler Kind = "scheduler"
	// KindRule is a scheduled EventBridge rule on the default event bus:
	// rate and cron in UTC only, no one-time schedules, no time zone, no
	// flexible window.
	KindRule Kind = "rule"
)

// Limits checked at synth (EventBridge Scheduler and EventBridge quotas:
// RetryPolicy and FlexibleTimeWindow in the Scheduler API Reference, "Event
// retry policy" in the EventBridge User Guide).
const (
	MaxDeliveryRetryAttempts      = 185
	MinDeliveryMaxEventAgeSeconds = 60
	MaxDeliveryMaxEventAgeSeconds = 24 * 3600
	MinFlexibleWindowMinutes      = 1
	MaxFlexibleWindowMinutes      = 1440
)

// Props configures a ScheduledFunction. Nil fields take the documented default.
type Props struct {
	// Function to run: an awslambda.Function of the app, or an imported one
	// with its role (awslambda.Function_FromFunctionAttributes with Role: its
	// on-failure destination needs sqs:SendMessage). Its invoke target (the
	// live alias when it has one, eventsource.InvokeTarget) is invoked.
	// Required.
	Function awslambda.IFunction
	// Schedule: a rate or cron expression (awsevents.Schedule_Rate,
	// Schedule_Cron), or with KindScheduler a one-time one
	// (awsevents.Schedule_Expression(jsii.String("at(2027-01-31T09:30:00)"))).
	// Checked at synth (see the package doc). Required.
	Schedule awsevents.Schedule
	// Kind of schedule. Default: KindScheduler.
	Kind Kind
	// TimeZone in which Scheduler evaluates cron and at() expressions, an
	// IANA name such as "Europe/Paris" (daylight saving time followed).
	// KindScheduler only. Default: UTC.
	TimeZone *string
	// FlexibleTimeWindow lets Scheduler invoke up to this long after the
	// scheduled time, spreading load: whole minutes, 1-1440. KindScheduler
	// only. Default: off (on time, within the minute).
	FlexibleTimeWindow awscdk.Duration
	// ScheduleGroup to put the schedule in, e.g. an existing group
	// (awsscheduler.ScheduleGroup_FromScheduleGroupName) or the account's
	// default one (ScheduleGroup_FromDefaultScheduleGroup). At most 500
	// groups per account (Scheduler quotas). The execution
	// role trusts Scheduler for this group only (Scheduler's aws:SourceArn
	// is the schedule group's ARN). KindScheduler only. Default: a new
	// group ("ScheduleGroup"), which tags on this construct reach (Scheduler
	// tags groups, not schedules).
	ScheduleGroup awsscheduler.IScheduleGroup
	// Key encrypts the schedule's target input at rest (Scheduler); the
	// execution role gets kms:Decrypt on it. KindScheduler only. Default:
	// an AWS owned key.
	Key awskms.IKey
	// Description of the schedule or rule. Default: none.
	Description *string
	// DeliveryRetryAttempts: how often Scheduler (or EventBridge) retries
	// invoking the function when the invocation itself fails (throttled,
	// no permission), 0-185. Default: 185.
	DeliveryRetryAttempts *float64
	// DeliveryMaxEventAge: how long those retries go on, 60 s-24 h. Keep it
	// under the schedule's period so runs do not pile up. Default:
	// MaxEventAge.
	DeliveryMaxEventAge awscdk.Duration
	// RetryAttempts of a failed run (asynchronous invocation), 0-2 (Lambda
	// quotas). Default: 2.
	RetryAttempts *float64
	// MaxEventAge: a run older than this is not retried but sent to the
	// dead-letter queue, 60 s-6 h. Keep it under the schedule's period so
	// runs do not pile up. Default: 1 hour.
	MaxEventAge awscdk.Duration
	// OnSuccess receives a record of each successful run (Lambda
	// asynchronous invocation destination). Default: none.
	OnSuccess *eventsource.Destination
	// OnFailure receives the record of a run the function still failed,
	// instead of DeadLetterQueue, which keeps the runs that could not be
	// delivered. Default: DeadLetterQueue.
	OnFailure *eventsource.Destination
	// DeadLetterRetentionPeriod of the dead-letter queue. Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
	// AlarmAction is told when DeadLetterQueueAlarm goes to ALARM and back
	// to OK, e.g. awscloudwatchactions.NewSnsAction(topic).
	// Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
	// ScheduleProps override the schedule's props (AWS Solutions Constructs
	// style), e.g. Enabled, Start, End. Schedule, Target, ScheduleGroup,
	// Key, TimeWindow and Description come from this construct's props:
	// setting them here fails synth. KindScheduler only. Default: none.
	ScheduleProps *awsscheduler.ScheduleProps
	// RuleProps override the rule's props, e.g. Enabled. Schedule,
	// EventPattern, EventBus, Description and Targets come from this
	// construct: setting them here fails synth. KindRule only. Default: none.
	RuleProps *awsevents.RuleProps
	// DeadLetterQueueProps override the dead-letter queue's props (see
	// eventsource.DeadLetterQueueProps.QueueProps). A FIFO queue fails synth
	// (neither Scheduler nor EventBridge writes to one); so does a KMS key
	// with KindRule (see eventrule.Props.DeadLetterQueueProps). With
	// KindScheduler a key is fine: the execution role gets
	// kms:GenerateDataKey and kms:Decrypt on it. Default: none.
	DeadLetterQueueProps *awssqs.QueueProps
}

// The schedule's and the rule's props New builds (Props.ScheduleProps and
// Props.RuleProps cannot override them).
var (
	ownedScheduleProps = map[string]string{"Schedule": "", "Target": "", "ScheduleGroup": "", "Key": "", "TimeWindow": "", "Description": ""}
	ownedRuleProps     = map[string]string{"Schedule": "", "EventPattern": "", "EventBus": "", "Description": "", "Targets": ""}
)

// ScheduledFunction is what New built: a construct, so that awscdk.Tags_Of,
// Node().AddDependency and aspects on it reach everything below. (The
// function's asynchronous-invoke configuration stays under the function or
// its alias: it has one, shared by every source.)
type ScheduledFunction struct {
	constructs.Construct
	// Schedule (KindScheduler) invokes the function's invoke target; nil
	// with KindRule.
	Schedule awsscheduler.Schedule
	// ScheduleGroup holds Schedule: Props.ScheduleGroup or a new one. Nil
	// with KindRule.
	ScheduleGroup awsscheduler.IScheduleGroup
	// Role is Schedule's execution role: trusted by scheduler.amazonaws.com
	// for ScheduleGroup in this account (aws:SourceAccount,
	// aws:SourceArn), allowed lambda:InvokeFunction on the invoke target's
	// ARN and sqs:SendMessage on DeadLetterQueue. Nil with KindRule.
	Role awsiam.Role
	// Rule (KindRule) is the scheduled rule; its invoke permission is its
	// child. Nil with KindScheduler.
	Rule awsevents.Rule
	// DeadLetterQueue receives runs that could not be delivered or still
	// failed after their retries.
	DeadLetterQueue awssqs.Queue
	// DeadLetterQueueAlarm: the dead-letter queue holds messages
	// (ApproximateNumberOfMessagesVisible Maximum > 0 in 5 minutes). Missing
	// data keeps the state: SQS stops reporting a queue untouched for 6 hours.
	DeadLetterQueueAlarm awscloudwatch.Alarm
	// DestinationDeliveryAlarm: Lambda could not write the function's
	// asynchronous invocation records to their destination, so failed
	// events were lost (eventsource.DestinationDeliveryAlarm; shared by the
	// sources of one function). Nil without a Function.
	DestinationDeliveryAlarm awscloudwatch.Alarm
	// Alarms are DeadLetterQueueAlarm and DestinationDeliveryAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the schedule (or rule), its target, the dead-letter queue and
// its alarm. Construct IDs below id: "ScheduleGroup" (unless
// Props.ScheduleGroup), "ExecutionRole", "Schedule" (KindScheduler) or
// "Rule" (KindRule, the invoke permission below it), "DeadLetterQueue",
// "DeadLetterQueueAlarm". The function's role gets sqs:SendMessage,
// sqs:GetQueueAttributes, sqs:GetQueueUrl on the dead-letter queue
// (on-failure destination), or what OnSuccess and OnFailure need. Bad props
// fail synth (see eventsource.Problems), each named with its value and
// allowed range; New still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *ScheduledFunction {
	sf := &ScheduledFunction{}
	constructs.NewConstruct_Override(sf, scope, id)
	c := sf.Construct
	problems := eventsource.NewProblems(c, "scheduledfunction")
	var p Props
	if props != nil {
		p = *props
	}
	if p.Kind == "" {
		p.Kind = KindScheduler
	}
	scheduler := p.Kind == KindScheduler
	if !scheduler && p.Kind != KindRule {
		problems.Addf("Kind %q is not KindScheduler (%q) or KindRule (%q)", p.Kind, KindScheduler, KindRule)
		p.Kind, scheduler = KindScheduler, true
	}
	problems.Required("Function", p.Function != nil, "the function to run")
	if !problems.Required("Schedule", p.Schedule != nil, "a rate or cron expression, e.g. awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5)))") {
		// Built so that the schedule is usable; never deployed, since synth fails.
		p.Schedule = awsevents.Schedule_Rate(awscdk.Duration_Days(jsii.Number(1)))
	} else if expr := p.Schedule.ExpressionString(); !*awscdk.Token_IsUnresolved(expr) {
		if msg := checkExpression(*expr, scheduler); msg != "" {
			problems.Addf("Schedule %q %s", *expr, msg)
		}
	}
	if p.TimeZone != nil && !*awscdk.Token_IsUnresolved(p.TimeZone) {
		if msg := checkTimeZone(*p.TimeZone); msg != "" {
			problems.Addf("TimeZone %q %s", *p.TimeZone, msg)
			p.TimeZone = nil
		}
	}
	if !scheduler {
		for _, f := range []struct {
			name string
			set  bool
		}{{"TimeZone", p.TimeZone != nil}, {"FlexibleTimeWindow", p.FlexibleTimeWindow != nil}, {"ScheduleGroup", p.ScheduleGroup != nil},
			{"Key", p.Key != nil}, {"ScheduleProps", p.ScheduleProps != nil}} {
			if f.set {
				problems.Addf("%s is set with Kind KindRule: it configures an EventBridge Scheduler schedule; use KindScheduler, or leave it out (a scheduled rule runs in UTC)", f.name)
			}
		}
	} else if p.RuleProps != nil {
		problems.Addf("RuleProps is set with Kind KindScheduler: it configures a scheduled rule (KindRule); use ScheduleProps")
	}
	var window awsscheduler.TimeWindow
	if p.FlexibleTimeWindow != nil && !*p.FlexibleTimeWindow.IsUnresolved() {
		if d := problems.Duration("FlexibleTimeWindow", p.FlexibleTimeWindow, nil, MinFlexibleWindowMinutes*60, MaxFlexibleWindowMinutes*60, true, "EventBridge Scheduler, whole minutes"); d != nil {
			if s := eventsource.Seconds(d); s != float64(int(s/60)*60) {
				problems.Addf("FlexibleTimeWindow %ss is not a whole number of minutes (EventBridge Scheduler)", eventsource.Num(s))
			} else {
				window = awsscheduler.TimeWindow_Flexible(d)
			}
		}
	}
	retry := problems.AsyncInvoke(eventsource.AsyncInvoke{RetryAttempts: p.RetryAttempts, MaxEventAge: p.MaxEventAge, OnSuccess: p.OnSuccess, OnFailure: p.OnFailure}, awscdk.Duration_Hours(jsii.Number(1)))
	deliveryRetries := problems.Count("DeliveryRetryAttempts", p.DeliveryRetryAttempts, MaxDeliveryRetryAttempts, 0, MaxDeliveryRetryAttempts, "", "EventBridge Scheduler and EventBridge retry policy")
	deliveryAge := problems.Duration("DeliveryMaxEventAge", p.DeliveryMaxEventAge, retry.MaxEventAge, MinDeliveryMaxEventAgeSeconds, MaxDeliveryMaxEventAgeSeconds, true, "EventBridge Scheduler and EventBridge retry policy")
	retention := problems.Duration("DeadLetterRetentionPeriod", p.DeadLetterRetentionPeriod, nil, eventsource.MinRetentionSeconds, eventsource.MaxRetentionSeconds, true, "SQS quotas")

	dlq := eventsource.NewDeadLetterQueue(c, "DeadLetterQueue", &eventsource.DeadLetterQueueProps{RetentionPeriod: retention, QueueProps: p.DeadLetterQueueProps})
	sf.DeadLetterQueue = dlq
	sf.DeadLetterQueueAlarm = eventsource.NewDeadLetterQueueAlarm(c, dlq, p.AlarmAction)
	sf.Alarms = []awscloudwatch.Alarm{sf.DeadLetterQueueAlarm}
	if p.Function != nil {
		eventsource.ConfigureAsyncInvoke(problems, p.Function, retry, dlq)
		sf.DestinationDeliveryAlarm = eventsource.DestinationDeliveryAlarm(c, p.Function, p.AlarmAction)
		sf.Alarms = append(sf.Alarms, sf.DestinationDeliveryAlarm)
	}
	if !scheduler {
		ruletarget.CheckDeadLetterQueue(problems, dlq)
		ruleProps := &awsevents.RuleProps{Schedule: p.Schedule, Description: p.Description}
		for _, f := range propsoverride.Apply(ruleProps, p.RuleProps, ownedRuleProps) {
			problems.Addf("RuleProps.%s is set: it is built from this construct's props (Schedule, Description, Function); set it there", f)
		}
		sf.Rule = awsevents.NewRule(c, jsii.String("Rule"), ruleProps)
		if p.Function != nil {
			ruletarget.Add(sf.Rule, p.Function, ruletarget.Props{DeadLetterQueue: dlq, RetryAttempts: deliveryRetries, MaxEventAge: deliveryAge})
		}
		return sf
	}

	if dlq.Fifo() != nil && *dlq.Fifo() {
		problems.Addf("DeadLetterQueueProps make the dead-letter queue a FIFO queue: EventBridge Scheduler writes to standard queues only (\"Configuring a schedule's dead-letter queue\"); leave Fifo unset")
	}
	sf.ScheduleGroup = p.ScheduleGroup
	var ownGroup awsscheduler.ScheduleGroup
	if sf.ScheduleGroup == nil {
		// Deleted with the stack (the CDK retains groups by default): a group
		// holds no data, and a retained one would make the next deploy of
		// the stack fail on its name.
		ownGroup = awsscheduler.NewScheduleGroup(c, jsii.String("ScheduleGroup"), &awsscheduler.ScheduleGroupProps{RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
		sf.ScheduleGroup = ownGroup
	}
	stack := awscdk.Stack_Of(c)
	// Scheduler's aws:SourceArn is the schedule group's ARN, never the
	// schedule's ("Confused deputy prevention", EventBridge Scheduler User
	// Guide).
	sf.Role = awsiam.NewRole(c, jsii.String("ExecutionRole"), &awsiam.RoleProps{
		Description: jsii.String("EventBridge Scheduler execution role of " + *c.Node().Path()),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"aws:SourceAccount": stack.Account(),
				"aws:SourceArn":     sf.ScheduleGroup.ScheduleGroupArn(),
			}},
		}),
	})
	// Hand-written: Scheduler calls only sqs:SendMessage on its dead-letter
	// queue (Queue.GrantSendMessages adds GetQueueAttributes and
	// GetQueueUrl).
	sf.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("sqs:SendMessage"),
		Resources: jsii.Strings(*dlq.QueueArn()),
	}))
	if key := dlq.EncryptionMasterKey(); key != nil {
		key.Grant(sf.Role, jsii.String("kms:GenerateDataKey"), jsii.String("kms:Decrypt"))
	}
	var target *scheduleTarget
	if p.Function != nil {
		invoke := eventsource.InvokeTarget(p.Function)
		// Hand-written: Function.GrantInvoke also allows every version and
		// alias ("<arn>:*"); the role may invoke the invoke target only.
		sf.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: jsii.Strings(*invoke.FunctionArn()),
		}))
		target = &scheduleTarget{arn: invoke.FunctionArn(), role: sf.Role, dlq: dlq, retries: deliveryRetries, age: deliveryAge}
	} else {
		target = &scheduleTarget{arn: jsii.String("arn:aws:lambda:us-east-1:123456789012:function:missing"), role: sf.Role, dlq: dlq, retries: deliveryRetries, age: deliveryAge}
	}
	var tz awscdk.TimeZone
	if p.TimeZone != nil {
		tz = awscdk.TimeZone_Of(p.TimeZone)
	}
	scheduleProps := &awsscheduler.ScheduleProps{
		Schedule:      awsscheduler.ScheduleExpression_Expression(p.Schedule.ExpressionString(), tz),
		Target:        target,
		ScheduleGroup: sf.ScheduleGroup,
		Key:           p.Key,
		TimeWindow:    window,
		Description:   p.Description,
	}
	for _, f := range propsoverride.Apply(scheduleProps, p.ScheduleProps, ownedScheduleProps) {
		problems.Addf("ScheduleProps.%s is set: it is built from this construct's props (Schedule, TimeZone, Function, ScheduleGroup, Key, FlexibleTimeWindow, Description); set it there", f)
	}
	sf.Schedule = awsscheduler.NewSchedule(c, jsii.String("Schedule"), scheduleProps)
	if ownGroup != nil {
		sf.Schedule.Node().AddDependency(ownGroup) // the schedule names its group by name, not by reference
	}
	return sf
}

// scheduleTarget is the Scheduler target of the function: its invoke
// target with the construct's execution role, dead-letter queue and retry
// policy. (awsschedulertargets.LambdaInvoke grants through
// Function.GrantInvoke, "<arn>:*" included.)
type scheduleTarget struct {
	arn     *string
	role    awsiam.IRole
	dlq     awssqs.IQueue
	retries *float64
	age     awscdk.Duration
}

// Bind implements awsscheduler.IScheduleTarget.
func (t *scheduleTarget) Bind(_ awsscheduler.ISchedule) *awsscheduler.ScheduleTargetConfig {
	return &awsscheduler.ScheduleTargetConfig{
		Arn:              t.arn,
		Role:             t.role,
		DeadLetterConfig: &awsscheduler.CfnSchedule_DeadLetterConfigProperty{Arn: t.dlq.QueueArn()},
		RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
			MaximumRetryAttempts:     t.retries,
			MaximumEventAgeInSeconds: jsii.Number(eventsource.Seconds(t.age)),
		},
	}
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (sf *ScheduledFunction) ToString() *string { return sf.Construct.ToString() }
