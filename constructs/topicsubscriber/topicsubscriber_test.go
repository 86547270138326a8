package topicsubscriber_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/topicsubscriber"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// topic returns a topic as cdk-nag wants one: TLS-only publishing.
func topic(stack awscdk.Stack) awssns.Topic {
	return awssns.NewTopic(stack, jsii.String("Topic"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})
}

func TestSubscriptionWithDeadLetterQueueAndAsyncRetries(t *testing.T) {
	stack := constructstest.Stack()
	tp := topic(stack)
	fn := constructstest.NagCleanFunction(stack, "Fn", 10)
	s := topicsubscriber.New(stack, jsii.String("Sub"), &topicsubscriber.Props{Topic: tp, Function: fn})
	tmpl := assertions.Template_FromStack(stack, nil)
	dlq, topicID, fnID := constructstest.LogicalID(stack, s.DeadLetterQueue), constructstest.LogicalID(stack, tp), constructstest.LogicalID(stack, fn)

	tmpl.ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{
		"Protocol":      "lambda",
		"TopicArn":      map[string]any{"Ref": topicID},
		"Endpoint":      map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}},
		"RedrivePolicy": map[string]any{"deadLetterTargetArn": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}},
		"FilterPolicy":  assertions.Match_Absent(),
	})
	// SNS may send to the dead-letter queue for this topic only.
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), &map[string]any{
		"Queues": []any{map[string]any{"Ref": dlq}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect":    "Allow",
			"Action":    "sqs:SendMessage",
			"Principal": map[string]any{"Service": "sns.amazonaws.com"},
			"Resource":  map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}},
			"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": map[string]any{"Ref": topicID}}},
		})})},
	})
	// Only this topic may invoke the function.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
		"Action": "lambda:InvokeFunction", "Principal": "sns.amazonaws.com", "SourceArn": map[string]any{"Ref": topicID},
	})
	// The function's own failures: 2 retries within 6 h, then the same queue.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
		"MaximumRetryAttempts":     2,
		"MaximumEventAgeInSeconds": 21600,
		"DestinationConfig":        map[string]any{"OnFailure": map[string]any{"Destination": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 1209600})
	if s.Subscription == nil {
		t.Error("got no Subscription")
	}
}

func TestFilterPolicies(t *testing.T) {
	stack := constructstest.Stack()
	tp := topic(stack)
	topicsubscriber.New(stack, jsii.String("Attributes"), &topicsubscriber.Props{Topic: tp, Function: constructstest.Function(stack, "A", 3),
		FilterPolicy: &map[string]awssns.SubscriptionFilter{
			"eventType": awssns.SubscriptionFilter_StringFilter(&awssns.StringConditions{Allowlist: jsii.Strings("OrderReady", "OrderCancelled")}),
		}})
	topicsubscriber.New(stack, jsii.String("Body"), &topicsubscriber.Props{Topic: tp, Function: constructstest.Function(stack, "B", 3),
		FilterPolicyWithMessageBody: &map[string]awssns.FilterOrPolicy{
			"order": awssns.FilterOrPolicy_Policy(&map[string]awssns.FilterOrPolicy{
				"status": awssns.FilterOrPolicy_Filter(awssns.SubscriptionFilter_StringFilter(&awssns.StringConditions{Allowlist: jsii.Strings("READY")})),
			}),
		}})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{
		"FilterPolicy":      map[string]any{"eventType": []any{"OrderReady", "OrderCancelled"}},
		"FilterPolicyScope": assertions.Match_Absent(),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{
		"FilterPolicy":      map[string]any{"order": map[string]any{"status": []any{"READY"}}},
		"FilterPolicyScope": "MessageBody",
	})
}

func TestBadPropsFailSynth(t *testing.T) {
	values := func(n int) awssns.SubscriptionFilter {
		list := make([]*string, n)
		for i := range list {
			list[i] = jsii.String(string(rune('a' + i)))
		}
		return awssns.SubscriptionFilter_StringFilter(&awssns.StringConditions{Allowlist: &list})
	}
	six := map[string]awssns.SubscriptionFilter{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		six[k] = values(1)
	}
	tests := []struct {
		name  string
		props func(awscdk.Stack) *topicsubscriber.Props
		want  []string
	}{
		{"required", func(awscdk.Stack) *topicsubscriber.Props { return nil }, []string{
			"[S/Sub] topicsubscriber: Topic is required (the SNS topic to subscribe to)",
			"[S/Sub] topicsubscriber: Function is required (the function to invoke)",
		}},
		{"both filter policies", func(s awscdk.Stack) *topicsubscriber.Props {
			return &topicsubscriber.Props{Topic: topic(s), Function: constructstest.Function(s, "Fn", 3),
				FilterPolicy:                &map[string]awssns.SubscriptionFilter{"a": values(1)},
				FilterPolicyWithMessageBody: &map[string]awssns.FilterOrPolicy{"a": awssns.FilterOrPolicy_Filter(values(1))}}
		}, []string{"[S/Sub] topicsubscriber: FilterPolicy and FilterPolicyWithMessageBody are both set: a subscription filters on attributes or on the body, not both"}},
		{"too many names", func(s awscdk.Stack) *topicsubscriber.Props {
			return &topicsubscriber.Props{Topic: topic(s), Function: constructstest.Function(s, "Fn", 3), FilterPolicy: &six}
		}, []string{"[S/Sub] topicsubscriber: FilterPolicy has 6 names, more than 5 (SNS quotas)"}},
		{"too many combinations", func(s awscdk.Stack) *topicsubscriber.Props {
			return &topicsubscriber.Props{Topic: topic(s), Function: constructstest.Function(s, "Fn", 3),
				FilterPolicy: &map[string]awssns.SubscriptionFilter{"a": values(13), "b": values(12)}}
		}, []string{"[S/Sub] topicsubscriber: FilterPolicy has 156 combinations of values, more than 150 (SNS quotas: the product of the number of values of each attribute)"}},
		{"body combinations count depth", func(s awscdk.Stack) *topicsubscriber.Props {
			return &topicsubscriber.Props{Topic: topic(s), Function: constructstest.Function(s, "Fn", 3),
				FilterPolicyWithMessageBody: &map[string]awssns.FilterOrPolicy{
					"a": awssns.FilterOrPolicy_Filter(values(10)),
					"o": awssns.FilterOrPolicy_Policy(&map[string]awssns.FilterOrPolicy{"b": awssns.FilterOrPolicy_Filter(values(8))}),
				}}
		}, []string{"[S/Sub] topicsubscriber: FilterPolicyWithMessageBody has 160 combinations of values, more than 150 (SNS quotas: the product of the number of values of each property times its nesting depth)"}},
		{"retries and age", func(s awscdk.Stack) *topicsubscriber.Props {
			return &topicsubscriber.Props{Topic: topic(s), Function: constructstest.Function(s, "Fn", 3),
				RetryAttempts: jsii.Number(5), MaxEventAge: awscdk.Duration_Seconds(jsii.Number(59))}
		}, []string{
			"[S/Sub] topicsubscriber: RetryAttempts 5 is outside 0-2 (Lambda asynchronous invocation)",
			"[S/Sub] topicsubscriber: MaxEventAge 59s is outside 60-21600s (Lambda asynchronous invocation)",
		}},
		{"imported function without its role", func(s awscdk.Stack) *topicsubscriber.Props {
			return &topicsubscriber.Props{Topic: topic(s), Function: awslambda.Function_FromFunctionArn(s, jsii.String("Fn"), jsii.String("arn:aws:lambda:us-east-1:123456789012:function:notify"))}
		}, []string{"[S/Sub] topicsubscriber: Function S/Fn is imported without its execution role, which needs sqs:SendMessage on the dead-letter queue (on-failure destination): import it with awslambda.Function_FromFunctionAttributes and Role (e.g. awsiam.Role_FromRoleArn)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			s := topicsubscriber.New(stack, jsii.String("Sub"), tt.props(stack))
			if s.DeadLetterQueue == nil || s.DeadLetterQueueAlarm == nil {
				t.Error("want the dead-letter queue and its alarm built")
			}
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}

func TestAlarms(t *testing.T) {
	stack := constructstest.Stack()
	alarms := awssns.NewTopic(stack, jsii.String("Alarms"), nil)
	tp := topic(stack)
	s := topicsubscriber.New(stack, jsii.String("Sub"), &topicsubscriber.Props{Topic: tp, Function: constructstest.Function(stack, "Fn", 3),
		AlarmAction: awscloudwatchactions.NewSnsAction(alarms)})
	tmpl := assertions.Template_FromStack(stack, nil)
	if len(s.Alarms) != 3 || s.DeadLetterQueueAlarm == nil || s.NotificationsFailedAlarm == nil || s.DestinationDeliveryAlarm == nil {
		t.Fatalf("got alarms %v, want DeadLetterQueueAlarm, NotificationsFailedAlarm and DestinationDeliveryAlarm", s.Alarms)
	}
	constructstest.HasDeadLetterQueueAlarm(tmpl, stack, s.DeadLetterQueue, alarms)
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"Namespace":          "AWS/SNS",
		"MetricName":         "NumberOfNotificationsFailed",
		"Dimensions":         []any{map[string]any{"Name": "TopicName", "Value": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, tp), "TopicName"}}}},
		"Statistic":          "Sum",
		"Period":             300,
		"ComparisonOperator": "GreaterThanThreshold",
		"Threshold":          0,
		"TreatMissingData":   "notBreaching",
		"AlarmActions":       constructstest.AlarmActions(stack, alarms),
		"OKActions":          constructstest.AlarmActions(stack, alarms),
		"AlarmName":          assertions.Match_Absent(),
	})
}

func TestImportedTopicAndFunctionWithRole(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.NagCleanFunction(stack, "Local", 10)
	imported := awslambda.Function_FromFunctionAttributes(stack, jsii.String("Fn"), &awslambda.FunctionAttributes{
		FunctionArn: jsii.String("arn:aws:lambda:us-east-1:123456789012:function:notify"), Role: fn.Role(), SameEnvironment: jsii.Bool(true),
	})
	tp := awssns.Topic_FromTopicArn(stack, jsii.String("Topic"), jsii.String("arn:aws:sns:us-east-1:123456789012:orders"))
	topicsubscriber.New(stack, jsii.String("Sub"), &topicsubscriber.Props{Topic: tp, Function: imported})
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{
		"TopicArn": "arn:aws:sns:us-east-1:123456789012:orders",
		"Endpoint": "arn:aws:lambda:us-east-1:123456789012:function:notify",
	})
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"MetricName": "NumberOfNotificationsFailed",
		"Dimensions": []any{map[string]any{"Name": "TopicName", "Value": "orders"}},
	})
}

func TestCdkNagClean(t *testing.T) {
	stack := constructstest.Stack()
	topicsubscriber.New(stack, jsii.String("Sub"), &topicsubscriber.Props{Topic: topic(stack), Function: constructstest.NagCleanFunction(stack, "Fn", 10)})
	constructstest.NoNagFindings(t, stack)
}
