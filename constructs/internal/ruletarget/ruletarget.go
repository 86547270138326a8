// Package ruletarget wires a Lambda function as the target of an
// EventBridge rule the way this library's constructs (buckettrigger,
// eventrule, scheduledfunction) do: the function's invoke target (its live
// alias when it has one), an invoke permission for that rule only, a
// dead-letter queue for what EventBridge cannot deliver, and the retry
// policy.
package ruletarget

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsevents"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
)

// Props of the target.
type Props struct {
	// DeadLetterQueue receives the events EventBridge could not deliver
	// after its retries. Required.
	DeadLetterQueue awssqs.IQueue
	// RetryAttempts and MaxEventAge: EventBridge's delivery retry policy.
	RetryAttempts *float64
	MaxEventAge   awscdk.Duration
	// Input replaces the event as the function's input. Default: the event.
	Input awsevents.RuleTargetInput
}

// Add adds eventsource.InvokeTarget(fn) as a target of rule.
//
// The invoke permission (lambda:InvokeFunction for events.amazonaws.com,
// aws:SourceArn the rule, aws:SourceAccount the rule's account) is defined
// under the rule with the construct ID awseventstargets.LambdaFunction gives
// it ("AllowEventRule<unique ID of the invoke target>"), so a rule that
// targeted the function with awseventstargets keeps its permission's
// logical ID (the CDK's own then finds it and adds none). The dead-letter
// queue's policy gets the statement for this rule, with aws:SourceArn and
// aws:SourceAccount (eventsource.AllowServiceToSend), instead of the CDK's,
// which carries aws:SourceArn only.
func Add(rule awsevents.Rule, fn awslambda.IFunction, p Props) {
	target := eventsource.InvokeTarget(fn)
	eventsource.AllowInvoke(rule, PermissionID(fn), fn, "events.amazonaws.com", rule.RuleArn(), nil)
	inner := awseventstargets.NewLambdaFunction(target, &awseventstargets.LambdaFunctionProps{
		RetryAttempts: p.RetryAttempts,
		MaxEventAge:   p.MaxEventAge,
		Event:         p.Input,
	})
	rule.AddTarget(&withDeadLetterQueue{inner: inner, queue: p.DeadLetterQueue})
	eventsource.AllowServiceToSend(p.DeadLetterQueue, "events.amazonaws.com", rule.RuleArn(), nil)
}

// withDeadLetterQueue is a rule target that adds a dead-letter queue to the
// target inner binds, without the queue policy statement
// awseventstargets would add (Add writes its own).
type withDeadLetterQueue struct {
	inner awsevents.IRuleTarget
	queue awssqs.IQueue
}

// Bind implements awsevents.IRuleTarget.
func (t *withDeadLetterQueue) Bind(rule interfacesawsevents.IRuleRef, id *string) *awsevents.RuleTargetConfig {
	c := t.inner.Bind(rule, id)
	c.DeadLetterConfig = &awsevents.CfnRule_DeadLetterConfigProperty{Arn: t.queue.QueueArn()}
	return c
}

// PermissionID returns the construct ID, under the rule, of the invoke
// permission Add defines for fn.
func PermissionID(fn awslambda.IFunction) string {
	return "AllowEventRule" + *awscdk.Names_NodeUniqueId(eventsource.InvokeTarget(fn).Node())
}

// CheckDeadLetterQueue reports, as "DeadLetterQueueProps" (the construct's
// override of the queue's props), a dead-letter queue EventBridge cannot
// write to: a FIFO queue (PutTargets refuses it: "SQS FIFO is not supported
// by Dead Letter Queues"; EventBridge User Guide, "Using dead-letter
// queues": standard queues), or one encrypted with a KMS key, whose key
// policy would have to let events.amazonaws.com use the key for any rule of
// any account: EventBridge's KMS requests carry no aws:SourceArn or
// aws:SourceAccount to limit it by (Amazon SNS Developer Guide, "Key
// management", on EventBridge sources).
func CheckDeadLetterQueue(problems *eventsource.Problems, dlq awssqs.Queue) {
	if dlq.Fifo() != nil && *dlq.Fifo() {
		problems.Addf("DeadLetterQueueProps make the dead-letter queue a FIFO queue: EventBridge writes to standard queues only (\"SQS FIFO is not supported by Dead Letter Queues\"); leave Fifo unset")
	}
	if dlq.EncryptionMasterKey() != nil {
		problems.Addf("DeadLetterQueueProps encrypt the dead-letter queue with a KMS key: EventBridge could use it only through a key policy open to every rule of every account (its KMS requests carry no source ARN or account); keep SSE-SQS, the default")
	}
}

// NewFailedInvocationsAlarm alarms on rule's FailedInvocations (Sum,
// namespace AWS/Events, dimensions RuleName and, on a custom bus (bus not
// nil), EventBusName) > 0 in 5 minutes, under the construct ID
// "FailedInvocationsAlarm" in scope: EventBridge gave up invoking the
// function, and the events went to the dead-letter queue, or were lost if it
// could not write there. Missing data is OK: EventBridge only reports
// non-zero values.
func NewFailedInvocationsAlarm(scope constructs.Construct, rule awsevents.Rule, bus awsevents.IEventBus, action awscloudwatch.IAlarmAction) awscloudwatch.Alarm {
	dims := &map[string]*string{"RuleName": rule.RuleName()}
	if bus != nil {
		// On a custom bus the rule's Ref is "<bus>|<rule>".
		dims = &map[string]*string{
			"EventBusName": bus.EventBusName(),
			"RuleName":     awscdk.Fn_Select(jsii.Number(1), awscdk.Fn_Split(jsii.String("|"), rule.RuleName(), nil)),
		}
	}
	return eventsource.NewAlarm(scope, "FailedInvocationsAlarm", eventsource.AlarmSpec{
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/Events"),
			MetricName:    jsii.String("FailedInvocations"),
			DimensionsMap: dims,
			Statistic:     jsii.String("Sum"),
		}),
		Description: "EventBridge failed to invoke the function for good (after its delivery retries). The events are in the dead-letter queue.",
	}, action)
}
