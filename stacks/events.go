package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventbus"
	"github.com/example/orderflow/constructs/eventrule"
	"github.com/example/orderflow/constructs/gofunction"
	"github.com/example/orderflow/constructs/idempotencytable"
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
// The bus is the library's eventbus construct, the rule its eventrule
// construct: what they build is exposed here.
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
	// Alarms are FailedInvocationsAlarm, DeadLetterQueueAlarm and the
	// notifier's DestinationDeliveryAlarm (eventrule).
	Alarms []awscloudwatch.Alarm
}

// newOrderEvents defines the orders bus with its archive (eventbus), the
// notifier (through newFunction, so it is one of s.Functions) with its rule
// and dead-letter queue (eventrule), and the notifications topic; and lets
// the kitchen (s.Functions["kitchen"], which must exist) put events on the
// bus. Grants: events:PutEvents on the bus's ARN to the kitchen; sns:Publish
// on the topic's ARN and idem's actions on idem's table to the notifier (the AWS managed key needs no key grant
// for a publisher of the same account); sqs:SendMessage,
// sqs:GetQueueAttributes, sqs:GetQueueUrl on the dead-letter queue to the
// notifier (Lambda's on-failure destination) and, through the queue's
// policy, sqs:SendMessage to EventBridge for this rule only.
func newOrderEvents(s *ServiceStack, stage string, newFunction func(string, float64, map[string]*string) *gofunction.Function, action awscloudwatch.IAlarmAction, idem *idempotencytable.Table) *OrderEvents {
	scope := constructs.NewConstruct(s.Stack, jsii.String("OrderEvents"))

	bus := eventbus.New(scope, jsii.String("Orders"), &eventbus.Props{
		Description:      jsii.String("Order flow domain events (" + stage + ")"),
		ArchiveRetention: awscdk.Duration_Days(jsii.Number(OrderEventsArchiveRetentionDays)),
	})
	kitchen := s.Functions["kitchen"]
	kitchen.Function.AddEnvironment(jsii.String(orderevents.EnvBusName), bus.Bus.EventBusName(), nil)
	bus.Bus.GrantPutEventsTo(kitchen.Function, nil) // events:PutEvents on the bus ARN

	// The AWS managed key of SNS: the topic's only publisher is the
	// notifier, in this account, which the key's policy already lets use it
	// through SNS, so no key grant and no key to pay for. A customer managed
	// key would be needed for AWS service publishers (CloudWatch,
	// EventBridge targets) or a key policy of our own; the publisher then
	// needs kms:GenerateDataKey* and kms:Decrypt on it (the least-privilege
	// test derives that need from the topic's KmsMasterKeyId).
	topic := awssns.NewTopic(scope, jsii.String("Notifications"), &awssns.TopicProps{
		DisplayName:      jsii.String("OrderFlow " + stage),
		MasterKey:        awskms.Alias_FromAliasName(scope, jsii.String("SnsManagedKey"), jsii.String("alias/aws/sns")),
		EnforceSSL:       jsii.Bool(true),
		SignatureVersion: jsii.String("2"),
	})
	notifier := newFunction("notifier", 10, map[string]*string{
		orderevents.EnvNotificationTopicARN: topic.TopicArn(),
		orderevents.EnvIdempotencyTableName: idem.Table.TableName(),
	})
	// dynamodb:DeleteItem, GetItem, PutItem on the idempotency table only:
	// what the runtime's idempotency guard calls (idempotencytable.Actions).
	idem.Grant(notifier.Function)
	// Hand-written: Topic.GrantPublish would also grant kms:Decrypt and
	// kms:GenerateDataKey* on every key of the account aliased
	// alias/aws/sns, which the AWS managed key's own policy makes needless.
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      notifier.Function,
		Actions:      jsii.Strings("sns:Publish"),
		ResourceArns: jsii.Strings(*topic.TopicArn()),
	})

	rule := eventrule.New(scope, jsii.String("OrderReady"), &eventrule.Props{
		EventBus:    bus.Bus,
		Description: jsii.String("The kitchen's OrderReady events to the notifier"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(orderevents.Source),
			DetailType: jsii.Strings(orderevents.DetailTypeOrderReady),
		},
		Function:    notifier.Function,
		AlarmAction: action,
	})
	return &OrderEvents{
		Bus: bus.Bus, Archive: bus.Archive, Rule: rule.Rule, DeadLetterQueue: rule.DeadLetterQueue, Topic: topic,
		FailedInvocationsAlarm: rule.FailedInvocationsAlarm, DeadLetterQueueAlarm: rule.DeadLetterQueueAlarm,
		Alarms: []awscloudwatch.Alarm{rule.FailedInvocationsAlarm, rule.DeadLetterQueueAlarm, rule.DestinationDeliveryAlarm},
	}
}
