// Package topicsubscriber provides a construct that subscribes a Lambda
// function to an SNS topic: a subscription with an optional filter policy
// (on message attributes or on the message body), a dead-letter queue for
// what SNS cannot deliver (redrive policy, with the queue policy SNS needs),
// the function's asynchronous retries with the same queue as on-failure
// destination, and alarms on failed notifications and on that queue.
//
//	topicsubscriber.New(stack, jsii.String("Notifications"), &topicsubscriber.Props{
//		Topic:    topic, // any awssns.ITopic: a topic of the app, or awssns.Topic_FromTopicArn
//		Function: notifier.Function,
//		FilterPolicy: &map[string]awssns.SubscriptionFilter{
//			"eventType": awssns.SubscriptionFilter_StringFilter(&awssns.StringConditions{
//				Allowlist: jsii.Strings("OrderReady"),
//			}),
//		},
//	})
//
// The subscription's endpoint is the function's invoke target (its live
// alias when it has one, eventsource.InvokeTarget), and so is the invoke
// permission, which only this topic of this account may use.
//
// Lambda supports SNS triggers for standard topics only ("Invoking Lambda
// functions with Amazon SNS notifications", Lambda Developer Guide): a FIFO
// topic fails synth.
//
// SNS invokes the function asynchronously with an events.SNSEvent. A
// message fails in one of two places, and both land in DeadLetterQueue:
// SNS could not invoke the function (throttled past SNS's retries, no
// permission): the SNS message itself, by the subscription's redrive
// policy; or the function failed it RetryAttempts + 1 times or it grew older
// than MaxEventAge: a Lambda on-failure record holding the event and the
// error. SNS delivers at least once: the function must make a repeated
// message harmless.
package topicsubscriber

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventsource"
)

// Limits of a subscription filter policy checked at synth (SNS quotas,
// https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html).
const (
	MaxFilterPolicyKeys         = 5   // top-level attribute or property names
	MaxFilterPolicyCombinations = 150 // total combination of values
)

// Props configures a TopicSubscriber. Nil fields take the documented default.
type Props struct {
	// Topic to subscribe to: a topic of the app or an imported one
	// (awssns.Topic_FromTopicArn). A KMS-encrypted topic needs nothing more:
	// SNS decrypts before it invokes the function. A topic of another
	// account: the invoke permission and the dead-letter queue's policy
	// name its account (SNS's aws:SourceAccount), and its owner's topic
	// policy must let this account subscribe (sns:Subscribe). Required.
	Topic awssns.ITopic
	// Function to invoke: an awslambda.Function of the app, or an imported
	// one with its role (awslambda.Function_FromFunctionAttributes with Role:
	// its on-failure destination needs sqs:SendMessage). Required.
	Function awslambda.IFunction
	// FilterPolicy on message attributes: the function receives only
	// messages whose attributes match (a message filtered out is not
	// delivered to this subscription, nor retried). At most 5 attribute
	// names and 150 combinations of values (SNS quotas); more fails synth,
	// as does anything else eventfilter's SNS grammar refuses (numbers
	// beyond ±1e9, ...).
	// Default: none (every message).
	FilterPolicy *map[string]awssns.SubscriptionFilter
	// FilterPolicyWithMessageBody filters on the JSON message body instead
	// (filter policy scope MessageBody), with the same limits. Setting both
	// filter policies fails synth. Default: none.
	FilterPolicyWithMessageBody *map[string]awssns.FilterOrPolicy
	// RetryAttempts of the function's asynchronous invocation after an
	// error, 0-2 (Lambda quotas). Default: 2. A function invoked by several
	// asynchronous sources has one asynchronous-invoke configuration: give
	// them the same RetryAttempts and MaxEventAge.
	RetryAttempts *float64
	// MaxEventAge: how long Lambda keeps a message for retries, throttles
	// included, 60 s-6 h. Default: 6 hours.
	MaxEventAge awscdk.Duration
	// DeadLetterRetentionPeriod of the dead-letter queue, 60 s-14 days.
	// Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
	// OnSuccess receives a record of each message the function handled
	// (Lambda asynchronous invocation destination: an SQS queue, SNS topic,
	// event bus or function). A function invoked by several asynchronous
	// sources has one configuration: give them the same destinations.
	// Default: none.
	OnSuccess *eventsource.Destination
	// OnFailure receives the record of a message the function still failed,
	// instead of DeadLetterQueue, which keeps what SNS could not deliver.
	// Default: DeadLetterQueue.
	OnFailure *eventsource.Destination
	// AlarmAction is told when an alarm goes to ALARM and back to OK, e.g.
	// awscloudwatchactions.NewSnsAction(topic). Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
	// (A Lambda subscription has no other settings to override: SNS's
	// delivery policy and raw delivery apply to other protocols.)
	//
	// DeadLetterQueueProps override the dead-letter queue's props (see
	// eventsource.DeadLetterQueueProps.QueueProps). SNS writes only to a
	// standard queue ("Amazon SNS dead-letter queues": the DLQ of a
	// subscription to a standard topic is a standard queue): Fifo fails
	// synth. A KMS key of the app gets the key policy statement SNS needs
	// (kms:GenerateDataKey and kms:Decrypt for sns.amazonaws.com, for this
	// topic and account only); an imported key fails synth, since its policy
	// cannot be changed here. Default: none.
	DeadLetterQueueProps *awssqs.QueueProps
}

// TopicSubscriber is what New built: a construct, so that awscdk.Tags_Of,
// Node().AddDependency and aspects on it reach the subscription, the invoke
// permission, the dead-letter queue and the alarms. (The function's
// asynchronous-invoke configuration stays under the function or its alias:
// it has one, shared by every source.)
type TopicSubscriber struct {
	constructs.Construct
	// Subscription of the function's invoke target to the topic, with the
	// filter policy and the redrive policy to DeadLetterQueue. Nil without
	// Topic or Function (synth fails then).
	Subscription awssns.Subscription
	// DeadLetterQueue receives the messages SNS could not deliver (the SNS
	// message) and the events the function still failed (a Lambda
	// on-failure record with the error). Encrypted with SSE-SQS, which SNS
	// can write to; TLS only.
	DeadLetterQueue awssqs.Queue
	// DeadLetterQueueAlarm: the dead-letter queue holds messages
	// (ApproximateNumberOfMessagesVisible Maximum > 0 in 5 minutes). Missing
	// data keeps the state: SQS stops reporting a queue untouched for 6 hours.
	DeadLetterQueueAlarm awscloudwatch.Alarm
	// NotificationsFailedAlarm: the topic's NumberOfNotificationsFailed
	// (Sum) > 0 in 5 minutes: SNS gave up delivering to a subscriber. The
	// metric covers every subscription of the topic. Missing data is OK. Nil
	// without Topic.
	NotificationsFailedAlarm awscloudwatch.Alarm
	// DestinationDeliveryAlarm: Lambda could not write the function's
	// asynchronous invocation records to their destination, so failed
	// events were lost (eventsource.DestinationDeliveryAlarm; shared by the
	// sources of one function). Nil without a Function.
	DestinationDeliveryAlarm awscloudwatch.Alarm
	// Alarms are DeadLetterQueueAlarm, NotificationsFailedAlarm and
	// DestinationDeliveryAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the subscription, the invoke permission, the dead-letter
// queue, the function's asynchronous-invoke configuration and the alarms.
// Construct IDs below id: "Subscription", "AllowInvoke",
// "DeadLetterQueue", "DeadLetterQueueAlarm", "NotificationsFailedAlarm".
// The function's invoke target gets a resource policy letting this topic
// (only: aws:SourceArn and aws:SourceAccount) invoke it; the dead-letter
// queue a queue policy letting this topic (only, likewise) send to it; the
// function's role sqs:SendMessage, sqs:GetQueueAttributes and
// sqs:GetQueueUrl on it (on-failure destination), or what OnSuccess and
// OnFailure need. Bad props fail synth (see eventsource.Problems), each
// named with its value and allowed range; New still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *TopicSubscriber {
	s := &TopicSubscriber{}
	constructs.NewConstruct_Override(s, scope, id)
	c := s.Construct
	problems := eventsource.NewProblems(c, "topicsubscriber")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Topic", p.Topic != nil, "the SNS topic to subscribe to")
	problems.Required("Function", p.Function != nil, "the function to invoke")
	if p.Topic != nil && p.Topic.Fifo() != nil && *p.Topic.Fifo() {
		problems.Addf("Topic %s is a FIFO topic: Lambda supports SNS triggers for standard topics only (a FIFO topic delivers to SQS queues); subscribe an SQS FIFO queue (queueworker) instead", eventsource.Path(p.Topic))
		p.Topic = nil
	}
	retry := problems.AsyncInvoke(eventsource.AsyncInvoke{RetryAttempts: p.RetryAttempts, MaxEventAge: p.MaxEventAge, OnSuccess: p.OnSuccess, OnFailure: p.OnFailure}, awscdk.Duration_Hours(jsii.Number(6)))
	retention := problems.Duration("DeadLetterRetentionPeriod", p.DeadLetterRetentionPeriod, nil, eventsource.MinRetentionSeconds, eventsource.MaxRetentionSeconds, true, "SQS quotas")
	if p.FilterPolicy != nil && p.FilterPolicyWithMessageBody != nil {
		problems.Addf("FilterPolicy and FilterPolicyWithMessageBody are both set: a subscription filters on attributes or on the body, not both")
		p.FilterPolicyWithMessageBody = nil
	}
	if p.FilterPolicy != nil && !checkAttributePolicy(problems, *p.FilterPolicy) {
		p.FilterPolicy = nil
	}
	if p.FilterPolicyWithMessageBody != nil && !checkBodyPolicy(problems, *p.FilterPolicyWithMessageBody) {
		p.FilterPolicyWithMessageBody = nil
	}

	dlq := eventsource.NewDeadLetterQueue(c, "DeadLetterQueue", &eventsource.DeadLetterQueueProps{RetentionPeriod: retention, QueueProps: p.DeadLetterQueueProps})
	if dlq.Fifo() != nil && *dlq.Fifo() {
		problems.Addf("DeadLetterQueueProps make the dead-letter queue a FIFO queue: the dead-letter queue of a subscription to a standard topic must be a standard queue; leave Fifo unset")
	}
	s.DeadLetterQueue = dlq
	s.DeadLetterQueueAlarm = eventsource.NewDeadLetterQueueAlarm(c, dlq, p.AlarmAction)
	s.Alarms = []awscloudwatch.Alarm{s.DeadLetterQueueAlarm}
	if p.Topic != nil {
		s.NotificationsFailedAlarm = eventsource.NewAlarm(c, "NotificationsFailedAlarm", eventsource.AlarmSpec{
			Metric:      p.Topic.MetricNumberOfNotificationsFailed(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum")}),
			Description: "SNS failed to deliver notifications of the topic to a subscriber (after its delivery retries). Delivery failures of this subscription are in its dead-letter queue.",
		}, p.AlarmAction)
		s.Alarms = append(s.Alarms, s.NotificationsFailedAlarm)
	}
	if p.Topic == nil || p.Function == nil {
		return s
	}
	eventsource.ConfigureAsyncInvoke(problems, p.Function, retry, dlq)
	s.DestinationDeliveryAlarm = eventsource.DestinationDeliveryAlarm(c, p.Function, p.AlarmAction)
	s.Alarms = append(s.Alarms, s.DestinationDeliveryAlarm)
	eventsource.AllowInvoke(c, "AllowInvoke", p.Function, "sns.amazonaws.com", p.Topic.TopicArn(), eventsource.SourceAccount(c, p.Topic))
	allowTopicToSend(problems, dlq, p.Topic)
	sp := &awssns.SubscriptionProps{
		Topic:                       p.Topic,
		Endpoint:                    eventsource.InvokeTarget(p.Function).FunctionArn(),
		Protocol:                    awssns.SubscriptionProtocol_LAMBDA,
		FilterPolicy:                p.FilterPolicy,
		FilterPolicyWithMessageBody: p.FilterPolicyWithMessageBody,
		Region:                      topicRegion(c, p.Topic),
	}
	s.Subscription = awssns.NewSubscription(c, jsii.String("Subscription"), sp)
	// The redrive policy on the L1: the L2's DeadLetterQueue would add its
	// own queue policy statement, with aws:SourceArn only.
	s.Subscription.Node().DefaultChild().(awssns.CfnSubscription).SetRedrivePolicy(map[string]any{"deadLetterTargetArn": dlq.QueueArn()})
	s.Subscription.Node().AddDependency(dlq)
	if _, alias := eventsource.InvokeTarget(p.Function).(awslambda.IAlias); alias {
		// SNS delivers to a qualified function ARN (an alias) as to a
		// function; the CDK's template check expects a function resource.
		awscdk.Validations_Of(s.Subscription).Acknowledge(&awscdk.Acknowledgment{
			Id:     jsii.String("CloudFormation-Validate::W3694"),
			Reason: jsii.String("the endpoint is the function's live alias, which the lambda protocol accepts"),
		})
	}
	if policy := s.Subscription.Node().DefaultChild().(awssns.CfnSubscription).FilterPolicy(); policy != nil {
		field := "FilterPolicy"
		if p.FilterPolicyWithMessageBody != nil {
			field = "FilterPolicyWithMessageBody"
		}
		if doc, err := json.Marshal(policy); err == nil {
			for _, msg := range CheckFilterPolicyJSON(doc, p.FilterPolicyWithMessageBody != nil) {
				problems.Addf("%s %s", field, msg)
			}
		}
	}
	return s
}

// CheckFilterPolicyJSON returns what is wrong with a subscription filter
// policy given as its JSON document (as AWS::SNS::Subscription FilterPolicy
// holds it; body: FilterPolicyScope MessageBody), one message per problem,
// each to follow the field's name; none when it may be deployed. New checks
// the policy of Props.FilterPolicy or FilterPolicyWithMessageBody with it
// at synth.
//
// It is the SNS grammar of package eventfilter (eventfilter.SNSAttributes,
// eventfilter.SNSBody): operators, nesting, numbers, at most 5 keys, 150
// combinations of values and 256 KB of JSON ("Filter policy constraints in
// Amazon SNS"); this library has one filter validator.
func CheckFilterPolicyJSON(policy []byte, body bool) []string {
	grammar := eventfilter.SNSAttributes
	if body {
		grammar = eventfilter.SNSBody
	}
	return grammar.Validate(eventfilter.JSON(policy))
}

// allowTopicToSend lets SNS send this topic's undeliverable messages to the
// dead-letter queue (queue policy, and the key policy of a KMS key of the
// app), for this topic and account only.
func allowTopicToSend(problems *eventsource.Problems, dlq awssqs.Queue, topic awssns.ITopic) {
	account := eventsource.SourceAccount(dlq, topic)
	eventsource.AllowServiceToSend(dlq, "sns.amazonaws.com", topic.TopicArn(), account)
	if account == nil {
		account = awscdk.Stack_Of(dlq).Account()
	}
	key := dlq.EncryptionMasterKey()
	if key == nil {
		return
	}
	k, ok := key.(awskms.Key)
	if !ok || k.Node().DefaultChild() == nil {
		problems.Addf("DeadLetterQueueProps encrypt the dead-letter queue with the imported key %s, whose key policy this app cannot change: SNS needs kms:GenerateDataKey and kms:Decrypt on it; add that statement to the key policy (sns.amazonaws.com, aws:SourceArn the topic) and use SSE-SQS here, or give a key of the app", eventsource.Path(key))
		return
	}
	k.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("sns.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
		Resources:  jsii.Strings("*"), // in a key policy, "*" is this key
		Conditions: &map[string]any{
			"ArnEquals":    map[string]any{"aws:SourceArn": topic.TopicArn()},
			"StringEquals": map[string]any{"aws:SourceAccount": account},
		},
	}), nil)
}

// topicRegion is the subscription's Region as
// awssnssubscriptions.LambdaSubscription sets it: none for a topic of the
// app in the subscriber's region; the topic stack's region for one in
// another; the region of the ARN for an imported topic.
func topicRegion(subscriber constructs.IConstruct, topic awssns.ITopic) *string {
	if _, own := topic.Node().DefaultChild().(awssns.CfnTopic); own {
		if r := awscdk.Stack_Of(topic).Region(); *r != *awscdk.Stack_Of(subscriber).Region() {
			return r
		}
		return nil
	}
	return awscdk.Stack_Of(topic).SplitArn(topic.TopicArn(), awscdk.ArnFormat_SLASH_RESOURCE_NAME).Region
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (s *TopicSubscriber) ToString() *string { return s.Construct.ToString() }

// checkAttributePolicy reports an attribute filter policy over the SNS
// limits (which CDK would otherwise throw on, at once).
func checkAttributePolicy(problems *eventsource.Problems, policy map[string]awssns.SubscriptionFilter) bool {
	ok := checkKeys(problems, "FilterPolicy", len(policy))
	total := 1
	for _, f := range policy {
		if f != nil && f.Conditions() != nil {
			total *= len(*f.Conditions())
		}
	}
	if total > MaxFilterPolicyCombinations {
		problems.Addf("FilterPolicy has %d combinations of values, more than %d (SNS quotas: the product of the number of values of each attribute)", total, MaxFilterPolicyCombinations)
		ok = false
	}
	return ok
}

// checkBodyPolicy reports a message body filter policy over the SNS limits,
// counting combinations as SNS (and CDK) do: each value list's length times
// its nesting depth.
func checkBodyPolicy(problems *eventsource.Problems, policy map[string]awssns.FilterOrPolicy) bool {
	ok := checkKeys(problems, "FilterPolicyWithMessageBody", len(policy))
	if total := bodyCombinations(policy, 1); total > MaxFilterPolicyCombinations {
		problems.Addf("FilterPolicyWithMessageBody has %d combinations of values, more than %d (SNS quotas: the product of the number of values of each property times its nesting depth)", total, MaxFilterPolicyCombinations)
		ok = false
	}
	return ok
}

func bodyCombinations(policy map[string]awssns.FilterOrPolicy, depth int) int {
	total := 1
	for _, v := range policy {
		switch fp := v.(type) {
		case awssns.Policy:
			if doc := fp.PolicyDoc(); doc != nil {
				total *= bodyCombinations(*doc, depth+1)
			}
		case awssns.Filter:
			if conditions := fp.FilterDoc().Conditions(); conditions != nil {
				total *= len(*conditions) * depth
			}
		}
	}
	return total
}

func checkKeys(problems *eventsource.Problems, field string, n int) bool {
	if n > MaxFilterPolicyKeys {
		problems.Addf("%s has %d names, more than %d (SNS quotas)", field, n, MaxFilterPolicyKeys)
		return false
	}
	return true
}
