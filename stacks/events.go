package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/gofunction"
	"github.com/example/orderflow/internal/orderevents"
)

// OrderEventsArchiveRetentionDays is how long the orders bus's archive keeps
// events for replay: 14 days, the retention of every dead-letter queue, so
// an incident noticed through a DLQ alarm can still be replayed from the
// archive.
const OrderEventsArchiveRetentionDays = 14

// OrderEvents is the order flow's domain-event wiring, under the construct
// "OrderEvents" of the service stack:
//
//	kitchen --PutEvents--> Bus ("orders") --Rule (source orderflow.kitchen,
//	detail-type OrderReady)--> notifier --Publish--> Topic (notifications)
//	                        \--Archive (every event, 14 days, for replay)
//
// Interim wiring with aws-cdk-go L2s, until the library's event-bus and
// rule-to-function constructs replace it; what they must offer to do so
// one for one is listed in newOrderEvents.
type OrderEvents struct {
	// Bus is the custom "orders" event bus the kitchen puts OrderReady
	// events on (orderevents.EnvBusName holds its name).
	Bus awsevents.EventBus
	// Archive keeps every event of Bus for OrderEventsArchiveRetentionDays,
	// so events can be replayed to the rule after an incident.
	Archive awsevents.Archive
	// Rule delivers the kitchen's OrderReady events on Bus to the notifier,
	// asynchronously: EventBridge retries a failed delivery (throttling,
	// Lambda unavailable) for up to 24 hours, 185 times, then sends the event
	// to DeadLetterQueue.
	Rule awsevents.Rule
	// DeadLetterQueue (SSE-SQS, TLS only, 14 days) receives the events the
	// rule could not deliver and the events the notifier still failed after
	// Lambda's 2 asynchronous retries (on-failure destination: the record
	// holds the event and the error).
	DeadLetterQueue awssqs.Queue
	// Topic receives the customer notifications the notifier publishes
	// (orderevents.EnvNotificationTopicARN holds its ARN). Encrypted at rest
	// with the AWS managed key alias/aws/sns, TLS only, SHA256 signatures.
	Topic awssns.Topic
	// FailedInvocationsAlarm: the rule's FailedInvocations (Sum, custom-bus
	// dimensions EventBusName and RuleName) > 0 in 5 minutes.
	FailedInvocationsAlarm awscloudwatch.Alarm
	// DeadLetterQueueAlarm: DeadLetterQueue holds messages
	// (ApproximateNumberOfMessagesVisible Maximum > 0 in 5 minutes; missing
	// data keeps the state).
	DeadLetterQueueAlarm awscloudwatch.Alarm
	// Alarms are FailedInvocationsAlarm and DeadLetterQueueAlarm.
	Alarms []awscloudwatch.Alarm
}

// newOrderEvents defines the orders bus with its archive, the notifier
// (through newFunction, so it is one of s.Functions) with its rule and
// dead-letter queue, and the notifications topic; and lets the kitchen
// (s.Functions["kitchen"], which must exist) put events on the bus. Grants:
// events:PutEvents on the bus's ARN to the kitchen; sns:Publish on the
// topic's ARN to the notifier (the AWS managed key needs no key grant for a
// publisher of the same account); sqs:SendMessage, sqs:GetQueueAttributes,
// sqs:GetQueueUrl on the dead-letter queue to the notifier (Lambda's
// on-failure destination) and, through the queue's policy, sqs:SendMessage
// to EventBridge for this rule only.
//
// The constructs that replace this must offer, to keep the template's
// behaviour:
//   - bus: a custom event bus (no physical name) with an archive of all its
//     events, retention in days; exposed as awsevents.EventBus (or
//     IEventBus) and the archive;
//   - rule to function: a rule on a given IEventBus with a required event
//     pattern, a Lambda target (IFunction) with EventBridge retries (185)
//     and maximum event age (24 h), the function's asynchronous retries (2)
//     and maximum event age (6 h), one encrypted TLS-only dead-letter queue
//     for both (with the queue policy EventBridge needs and the on-failure
//     destination), FailedInvocations and DLQ alarms with an AlarmAction;
//     exposing Rule, DeadLetterQueue and Alarms;
//   - topic: an awssns.Topic with EnforceSSL, a master key (here the AWS
//     managed alias/aws/sns) and signature version 2 (plain L2 is enough).
func newOrderEvents(s *ServiceStack, stage string, newFunction func(string, float64, map[string]*string) *gofunction.Function, action awscloudwatch.IAlarmAction) *OrderEvents {
	scope := constructs.NewConstruct(s.Stack, jsii.String("OrderEvents"))
	e := &OrderEvents{}

	e.Bus = awsevents.NewEventBus(scope, jsii.String("Bus"), &awsevents.EventBusProps{
		Description: jsii.String("Order flow domain events (" + stage + ")"),
	})
	e.Archive = e.Bus.Archive(jsii.String("Archive"), &awsevents.BaseArchiveProps{
		Description: jsii.String("Every event of the orders bus, for replay"),
		// Every event of this bus: it is the only account that puts on it.
		EventPattern: &awsevents.EventPattern{Account: jsii.Strings(*s.Stack.Account())},
		Retention:    awscdk.Duration_Days(jsii.Number(OrderEventsArchiveRetentionDays)),
	})
	// aws-cdk-lib writes KmsKeyIdentifier "" when no key is given, which
	// some regions refuse (GeneralServiceException; aws/aws-cdk#37847):
	// leave it out, as CloudFormation's default (an AWS owned key) means.
	e.Archive.Node().DefaultChild().(awscdk.CfnResource).AddPropertyDeletionOverride(jsii.String("KmsKeyIdentifier"))
	kitchen := s.Functions["kitchen"]
	kitchen.Function.AddEnvironment(jsii.String(orderevents.EnvBusName), e.Bus.EventBusName(), nil)
	e.Bus.GrantPutEventsTo(kitchen.Function, nil) // events:PutEvents on the bus ARN

	// The AWS managed key of SNS: the topic's only publisher is the
	// notifier, in this account, which the key's policy already lets use it
	// through SNS, so no key grant and no key to pay for. A customer managed
	// key would be needed for AWS service publishers (CloudWatch,
	// EventBridge targets) or a key policy of our own; the publisher then
	// needs kms:GenerateDataKey* and kms:Decrypt on it (the least-privilege
	// test derives that need from the topic's KmsMasterKeyId).
	e.Topic = awssns.NewTopic(scope, jsii.String("Notifications"), &awssns.TopicProps{
		DisplayName:      jsii.String("OrderFlow " + stage),
		MasterKey:        awskms.Alias_FromAliasName(scope, jsii.String("SnsManagedKey"), jsii.String("alias/aws/sns")),
		EnforceSSL:       jsii.Bool(true),
		SignatureVersion: jsii.String("2"),
	})
	notifier := newFunction("notifier", 10, map[string]*string{orderevents.EnvNotificationTopicARN: e.Topic.TopicArn()})
	// Hand-written: Topic.GrantPublish would also grant kms:Decrypt and
	// kms:GenerateDataKey* on every key of the account aliased
	// alias/aws/sns, which the AWS managed key's own policy makes needless.
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      notifier.Function,
		Actions:      jsii.Strings("sns:Publish"),
		ResourceArns: jsii.Strings(*e.Topic.TopicArn()),
	})

	e.DeadLetterQueue = awssqs.NewQueue(scope, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	suppress(e.DeadLetterQueue, "Serverless-SQSRedrivePolicy", "This queue is a dead-letter queue; messages that land here are inspected and redriven by an operator.")
	suppress(e.DeadLetterQueue, "AwsSolutions-SQS3", "This queue is a dead-letter queue (EventBridge target and Lambda on-failure destination), which cdk-nag only recognises through SQS redrive policies.")
	notifier.Function.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(2),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(6)),
		OnFailure:     awslambdadestinations.NewSqsDestination(e.DeadLetterQueue),
	})
	suppress(notifier.Function, "Serverless-LambdaDLQ", "Asynchronous invocation failures go to an on-failure destination (AWS::Lambda::EventInvokeConfig), the successor of DeadLetterConfig.")

	e.Rule = awsevents.NewRule(scope, jsii.String("OrderReady"), &awsevents.RuleProps{
		EventBus:    e.Bus,
		Description: jsii.String("The kitchen's OrderReady events to the notifier"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(orderevents.Source),
			DetailType: jsii.Strings(orderevents.DetailTypeOrderReady),
		},
	})
	e.Rule.AddTarget(awseventstargets.NewLambdaFunction(notifier.Function, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: e.DeadLetterQueue,
		RetryAttempts:   jsii.Number(185), // EventBridge's maximum: delivery retries for up to a day
		MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
	}))

	alarm := func(id string, metric awscloudwatch.IMetric, missing awscloudwatch.TreatMissingData, what string) awscloudwatch.Alarm {
		a := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             metric,
			Threshold:          jsii.Number(0),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			DatapointsToAlarm:  jsii.Number(1),
			TreatMissingData:   missing,
			AlarmDescription:   jsii.String(*scope.Node().Path() + ": " + what),
		})
		a.AddAlarmAction(action)
		a.AddOkAction(action)
		return a
	}
	period := awscdk.Duration_Minutes(jsii.Number(5))
	e.FailedInvocationsAlarm = alarm("FailedInvocationsAlarm", awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String("AWS/Events"),
		MetricName: jsii.String("FailedInvocations"),
		DimensionsMap: &map[string]*string{ // a rule on a custom bus (EventBridge user guide, "Monitoring")
			"EventBusName": e.Bus.EventBusName(),
			"RuleName":     e.Rule.RuleName(),
		},
		Statistic: jsii.String("Sum"),
		Period:    period,
	}), awscloudwatch.TreatMissingData_NOT_BREACHING,
		"the OrderReady rule failed to invoke the notifier for good (FailedInvocations Sum > 0). Check the notifier's permissions and the dead-letter queue.")
	e.DeadLetterQueueAlarm = alarm("DeadLetterQueueAlarm", e.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Statistic: jsii.String("Maximum"),
		Period:    period,
	}), awscloudwatch.TreatMissingData_IGNORE,
		"the dead-letter queue holds messages: work that failed for good. Inspect them, fix the cause, redrive them.")
	e.Alarms = []awscloudwatch.Alarm{e.FailedInvocationsAlarm, e.DeadLetterQueueAlarm}
	return e
}
