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
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

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
	// SNS decrypts before it invokes the function. Required.
	Topic awssns.ITopic
	// Function to invoke: an awslambda.Function of the app, or an imported
	// one with its role (awslambda.Function_FromFunctionAttributes with Role:
	// its on-failure destination needs sqs:SendMessage). Required.
	Function awslambda.IFunction
	// FilterPolicy on message attributes: the function receives only
	// messages whose attributes match. At most 5 attribute names and 150
	// combinations of values (SNS quotas); more fails synth.
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
	// AlarmAction is told when an alarm goes to ALARM and back to OK, e.g.
	// awscloudwatchactions.NewSnsAction(topic). Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
}

// TopicSubscriber is what New built.
type TopicSubscriber struct {
	// Subscription of the function to the topic, with the filter policy and
	// the redrive policy to DeadLetterQueue. Nil without Topic or Function
	// (synth fails then).
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
	// Alarms are DeadLetterQueueAlarm and NotificationsFailedAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the subscription, the dead-letter queue, the function's
// asynchronous-invoke configuration and the alarms. Construct IDs below id:
// "Subscription", "DeadLetterQueue", "DeadLetterQueueAlarm",
// "NotificationsFailedAlarm". The function gets a resource policy letting
// this topic (only) invoke it; the dead-letter queue a queue policy letting
// this topic (only, aws:SourceArn) send to it; the function's role
// sqs:SendMessage, sqs:GetQueueAttributes and sqs:GetQueueUrl on it
// (on-failure destination). Bad props fail synth (see
// eventsource.Problems), each named with its value and allowed range; New
// still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *TopicSubscriber {
	c := constructs.NewConstruct(scope, id)
	problems := eventsource.NewProblems(c, "topicsubscriber")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Topic", p.Topic != nil, "the SNS topic to subscribe to")
	problems.Required("Function", p.Function != nil, "the function to invoke")
	retry := problems.AsyncInvoke(eventsource.AsyncInvoke{RetryAttempts: p.RetryAttempts, MaxEventAge: p.MaxEventAge}, awscdk.Duration_Hours(jsii.Number(6)))
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

	dlq := eventsource.NewDeadLetterQueue(c, "DeadLetterQueue", &eventsource.DeadLetterQueueProps{RetentionPeriod: retention})
	s := &TopicSubscriber{DeadLetterQueue: dlq}
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
	s.Subscription = awssns.NewSubscription(c, jsii.String("Subscription"), subscriptionProps(p, dlq))
	return s
}

// subscriptionProps is what awssnssubscriptions.LambdaSubscription would
// bind, plus the permission it adds, in this construct: a Subscription of
// our own, so that its ID (and logical ID) does not depend on the topic.
func subscriptionProps(p Props, dlq awssqs.IQueue) *awssns.SubscriptionProps {
	config := awssnssubscriptions.NewLambdaSubscription(p.Function, &awssnssubscriptions.LambdaSubscriptionProps{
		DeadLetterQueue:             dlq,
		FilterPolicy:                p.FilterPolicy,
		FilterPolicyWithMessageBody: p.FilterPolicyWithMessageBody,
	}).Bind(p.Topic)
	return &awssns.SubscriptionProps{
		Topic:                       p.Topic,
		Endpoint:                    config.Endpoint,
		Protocol:                    config.Protocol,
		FilterPolicy:                config.FilterPolicy,
		FilterPolicyWithMessageBody: config.FilterPolicyWithMessageBody,
		DeadLetterQueue:             config.DeadLetterQueue,
		Region:                      config.Region,
	}
}

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
