// Package eventrule provides a construct that invokes a Lambda function for
// the events of an EventBridge event bus (the account's default bus or a
// custom one, such as the eventbus construct's) that match an event
// pattern, with EventBridge's delivery retries, the function's asynchronous
// retries, a dead-letter queue for what still fails (with the queue policy
// EventBridge needs), and alarms on failed invocations and on that queue.
//
//	eventrule.New(stack, jsii.String("OrderReady"), &eventrule.Props{
//		EventBus: bus.Bus, // any awsevents.IEventBus; default: the account's default bus
//		EventPattern: &awsevents.EventPattern{
//			Source:     jsii.Strings("orderflow.kitchen"),
//			DetailType: jsii.Strings("OrderReady"),
//		},
//		Function: notifier.Function,
//	})
//
// The rule targets the function's invoke target (its live alias when it has
// one, eventsource.InvokeTarget), which only this rule of this account may
// invoke (aws:SourceArn, aws:SourceAccount); the function's asynchronous
// invocations can also report to destinations (OnSuccess, OnFailure: a
// queue, topic, event bus or function). RuleProps and DeadLetterQueueProps
// override what the props do not offer.
//
// The function receives the matching event (events.EventBridgeEvent,
// aws-lambda-go's events.CloudWatchEvent) asynchronously. An event fails in
// one of two places, and both land in DeadLetterQueue: EventBridge could not
// invoke the function within DeliveryRetryAttempts and DeliveryMaxEventAge
// (throttled, no permission): the event itself, with error attributes; or
// the function failed it RetryAttempts + 1 times or it grew older than
// MaxEventAge: a Lambda on-failure record holding the event and the error.
// EventBridge delivers at least once: the function must make a repeated
// event harmless (each event has a unique id to deduplicate on).
package eventrule

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/propsoverride"
	"github.com/example/orderflow/constructs/internal/ruletarget"
)

// Limits of an EventBridge target's retry policy (EventBridge quotas,
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html).
const (
	MaxDeliveryRetryAttempts     = 185
	MinDeliveryMaxEventAgeSecond = 60
	MaxDeliveryMaxEventAgeSecond = 24 * 3600
)

// Props configures an EventRule. Nil fields take the documented default.
type Props struct {
	// EventBus whose events the rule matches: a bus of the app (e.g.
	// eventbus.New(...).Bus) or an imported one
	// (awsevents.EventBus_FromEventBusArn) of this account and region.
	// Default: the account's default event bus (AWS service events, e.g. S3
	// "Object Created").
	EventBus awsevents.IEventBus
	// EventPattern the events must match, e.g. Source and DetailType. Only
	// matching events invoke the function (see "Amazon EventBridge event
	// patterns"). An empty pattern would match nothing useful and fails
	// synth. Required.
	EventPattern *awsevents.EventPattern
	// Description of the rule. Default: none.
	Description *string
	// Function to invoke: an awslambda.Function of the app, or an imported
	// one with its role (awslambda.Function_FromFunctionAttributes with Role:
	// its on-failure destination needs sqs:SendMessage). Required.
	Function awslambda.IFunction
	// Event replaces the matched event as the function's input, e.g.
	// awsevents.RuleTargetInput_FromEventPath(jsii.String("$.detail")).
	// Default: the whole event.
	Event awsevents.RuleTargetInput
	// DeliveryRetryAttempts: how often EventBridge retries invoking the
	// function when the invocation itself fails (throttling, a missing
	// permission), 0-185 (EventBridge quotas). Default: 185, the maximum.
	DeliveryRetryAttempts *float64
	// DeliveryMaxEventAge: how long EventBridge keeps retrying, 60 s-24 h.
	// Default: 24 hours, the maximum.
	DeliveryMaxEventAge awscdk.Duration
	// RetryAttempts of the function's asynchronous invocation after it
	// returned an error, 0-2 (Lambda quotas). Default: 2. A function invoked
	// by several asynchronous sources has one asynchronous-invoke
	// configuration: give them the same RetryAttempts and MaxEventAge.
	RetryAttempts *float64
	// MaxEventAge: how long Lambda keeps an event for those retries,
	// throttles included, 60 s-6 h. Default: 6 hours.
	MaxEventAge awscdk.Duration
	// DeadLetterRetentionPeriod of the dead-letter queue, 60 s-14 days.
	// Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
	// OnSuccess receives a record of each event the function handled
	// (Lambda asynchronous invocation destination: an SQS queue, SNS topic,
	// event bus or function). A function invoked by several asynchronous
	// sources has one configuration: give them the same destinations.
	// Default: none.
	OnSuccess *eventsource.Destination
	// OnFailure receives the record of an event the function still failed,
	// instead of DeadLetterQueue (a standard queue, topic, event bus or
	// function). DeadLetterQueue keeps what EventBridge could not deliver.
	// Default: DeadLetterQueue.
	OnFailure *eventsource.Destination
	// AlarmAction is told when an alarm goes to ALARM and back to OK, e.g.
	// awscloudwatchactions.NewSnsAction(topic). Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
	// RuleProps override the rule's props (AWS Solutions Constructs style),
	// e.g. Enabled or RuleName. EventBus, EventPattern, Description and
	// Schedule are this construct's props and Targets its own: setting them
	// here fails synth. Default: none.
	RuleProps *awsevents.RuleProps
	// DeadLetterQueueProps override the dead-letter queue's props (see
	// eventsource.DeadLetterQueueProps.QueueProps). EventBridge cannot write
	// to a FIFO queue, nor to one encrypted with a KMS key unless the key
	// policy lets events.amazonaws.com use it for any rule (EventBridge's
	// KMS requests carry no source ARN or account to limit it by): either
	// fails synth. Default: none.
	DeadLetterQueueProps *awssqs.QueueProps
}

// ownedRuleProps are the rule's props New builds (Props.RuleProps cannot
// override them).
var ownedRuleProps = map[string]string{"EventBus": "", "EventPattern": "", "Description": "", "Schedule": "", "Targets": ""}

// EventRule is what New built: a construct, so that awscdk.Tags_Of,
// Node().AddDependency and aspects on it reach the rule, its invoke
// permission, the dead-letter queue and the alarms. (The function's
// asynchronous-invoke configuration stays under the function or its alias:
// it has one, shared by every source.)
type EventRule struct {
	constructs.Construct
	// Rule on the event bus, targeting the function's invoke target (its
	// live alias when it has one, eventsource.InvokeTarget). The invoke
	// permission is its child (see ruletarget.Add).
	Rule awsevents.Rule
	// DeadLetterQueue receives the events EventBridge could not deliver and
	// the function's failures (Lambda on-failure records with the error).
	// Encrypted with SSE-SQS, which EventBridge can write to; TLS only.
	DeadLetterQueue awssqs.Queue
	// DeadLetterQueueAlarm: the dead-letter queue holds messages
	// (ApproximateNumberOfMessagesVisible Maximum > 0 in 5 minutes). Missing
	// data keeps the state: SQS stops reporting a queue untouched for 6 hours.
	DeadLetterQueueAlarm awscloudwatch.Alarm
	// FailedInvocationsAlarm: the rule's FailedInvocations (Sum, namespace
	// AWS/Events, dimensions RuleName and, on a custom bus, EventBusName) > 0
	// in 5 minutes: EventBridge gave up invoking the function (the events
	// went to the dead-letter queue, or were lost if it could not write
	// there). Missing data is OK: EventBridge only reports non-zero values.
	FailedInvocationsAlarm awscloudwatch.Alarm
	// DestinationDeliveryAlarm: Lambda could not write the function's
	// asynchronous invocation records to their destination, so failed
	// events were lost (eventsource.DestinationDeliveryAlarm; shared by the
	// sources of one function). Nil without a Function.
	DestinationDeliveryAlarm awscloudwatch.Alarm
	// Alarms are DeadLetterQueueAlarm, FailedInvocationsAlarm and
	// DestinationDeliveryAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the rule, its target, the dead-letter queue, the function's
// asynchronous-invoke configuration and the alarms. Construct IDs below id:
// "Rule" (the invoke permission below it: "AllowEventRule<unique ID of the
// invoke target>", as awseventstargets names it), "DeadLetterQueue",
// "DeadLetterQueueAlarm", "FailedInvocationsAlarm". The function's invoke
// target gets a resource policy letting this rule (only: aws:SourceArn and
// aws:SourceAccount) invoke it; the dead-letter queue a queue policy
// letting this rule (only, likewise) send to it; the function's role
// sqs:SendMessage, sqs:GetQueueAttributes and sqs:GetQueueUrl on it
// (on-failure destination), or what OnSuccess and OnFailure need. Bad props
// fail synth (see eventsource.Problems), each named with its value and
// allowed range; New still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *EventRule {
	r := &EventRule{}
	constructs.NewConstruct_Override(r, scope, id)
	c := r.Construct
	problems := eventsource.NewProblems(c, "eventrule")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Function", p.Function != nil, "the function to invoke")
	if p.EventPattern == nil || isEmpty(p.EventPattern) {
		problems.Addf("EventPattern is empty: give the fields events must match, e.g. Source and DetailType (a rule without a pattern matches no event)")
		// Built so that Rule is usable; never deployed, since synth fails.
		p.EventPattern = &awsevents.EventPattern{Source: jsii.Strings("eventrule.missing-pattern")}
	}
	deliveryRetries := problems.Count("DeliveryRetryAttempts", p.DeliveryRetryAttempts, MaxDeliveryRetryAttempts, 0, MaxDeliveryRetryAttempts, "", "EventBridge retry policy")
	deliveryAge := problems.Duration("DeliveryMaxEventAge", p.DeliveryMaxEventAge, awscdk.Duration_Hours(jsii.Number(24)),
		MinDeliveryMaxEventAgeSecond, MaxDeliveryMaxEventAgeSecond, true, "EventBridge retry policy")
	retry := problems.AsyncInvoke(eventsource.AsyncInvoke{RetryAttempts: p.RetryAttempts, MaxEventAge: p.MaxEventAge, OnSuccess: p.OnSuccess, OnFailure: p.OnFailure}, awscdk.Duration_Hours(jsii.Number(6)))
	retention := problems.Duration("DeadLetterRetentionPeriod", p.DeadLetterRetentionPeriod, nil, eventsource.MinRetentionSeconds, eventsource.MaxRetentionSeconds, true, "SQS quotas")

	bus := p.EventBus
	if bus != nil && awscdk.Token_CompareStrings(bus.Env().Account, awscdk.Stack_Of(c).Account()) == awscdk.TokenComparison_DIFFERENT() {
		problems.Addf("EventBus %s is in account %s, this stack in %s: a rule is created in its bus's account; define it in a stack there (or send the events to a bus of this account)", eventsource.Path(bus), *bus.Env().Account, *awscdk.Stack_Of(c).Account())
		bus = nil
	}
	if bus != nil && awscdk.Token_CompareStrings(bus.Env().Region, awscdk.Stack_Of(c).Region()) == awscdk.TokenComparison_DIFFERENT() {
		// The rule names its bus by name: in this region that is another bus, or none.
		problems.Addf("EventBus %s is in region %s, this stack in %s: a rule is created in its bus's region; define it in a stack there (or send the events to a bus of this region)", eventsource.Path(bus), *bus.Env().Region, *awscdk.Stack_Of(c).Region())
		bus = nil
	}
	if bus != nil && isDefaultBus(bus) {
		bus = nil // the rule then names no bus: its Ref is the plain rule name
	}
	dlq := eventsource.NewDeadLetterQueue(c, "DeadLetterQueue", &eventsource.DeadLetterQueueProps{RetentionPeriod: retention, QueueProps: p.DeadLetterQueueProps})
	ruletarget.CheckDeadLetterQueue(problems, dlq)
	ruleProps := &awsevents.RuleProps{
		EventBus:     bus,
		EventPattern: p.EventPattern,
		Description:  p.Description,
	}
	for _, f := range propsoverride.Apply(ruleProps, p.RuleProps, ownedRuleProps) {
		problems.Addf("RuleProps.%s is set: it is built from this construct's props (EventBus, EventPattern, Description, Function); set it there", f)
	}
	rule := awsevents.NewRule(c, jsii.String("Rule"), ruleProps)
	r.Rule, r.DeadLetterQueue = rule, dlq
	if p.Function != nil {
		eventsource.ConfigureAsyncInvoke(problems, p.Function, retry, dlq)
		ruletarget.Add(rule, p.Function, ruletarget.Props{
			DeadLetterQueue: dlq,
			RetryAttempts:   deliveryRetries,
			MaxEventAge:     deliveryAge,
			Input:           p.Event,
		})
	}
	r.DeadLetterQueueAlarm = eventsource.NewDeadLetterQueueAlarm(c, dlq, p.AlarmAction)
	r.FailedInvocationsAlarm = ruletarget.NewFailedInvocationsAlarm(c, rule, bus, p.AlarmAction)
	r.Alarms = []awscloudwatch.Alarm{r.DeadLetterQueueAlarm, r.FailedInvocationsAlarm}
	if p.Function != nil {
		r.DestinationDeliveryAlarm = eventsource.DestinationDeliveryAlarm(c, p.Function, p.AlarmAction)
		r.Alarms = append(r.Alarms, r.DestinationDeliveryAlarm)
	}
	return r
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (r *EventRule) ToString() *string { return r.Construct.ToString() }

// ruleDimensions are the CloudWatch dimensions of a rule's metrics: RuleName
// on the default bus; EventBusName and RuleName on a custom bus, where the
// rule's Ref (Rule.RuleName) is "<bus name>|<rule name>".
// isDefaultBus reports whether bus is the account's default event bus
// imported by name ("default").
func isDefaultBus(bus awsevents.IEventBus) bool {
	name := bus.EventBusName()
	return name != nil && *name == "default"
}

// isEmpty reports whether a pattern constrains nothing.
func isEmpty(p *awsevents.EventPattern) bool {
	b, err := json.Marshal(p)
	if err != nil {
		return false // values JSON cannot hold: CDK reports them
	}
	var fields map[string]any
	_ = json.Unmarshal(b, &fields)
	for _, v := range fields {
		switch v := v.(type) {
		case nil:
		case []any:
			if len(v) > 0 {
				return false
			}
		case map[string]any:
			if len(v) > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}
