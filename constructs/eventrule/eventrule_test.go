package eventrule_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventrule"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

var orderReady = &awsevents.EventPattern{Source: jsii.Strings("orderflow.kitchen"), DetailType: jsii.Strings("OrderReady")}

func TestRuleOnACustomBus(t *testing.T) {
	stack := constructstest.Stack()
	bus := awsevents.NewEventBus(stack, jsii.String("Bus"), nil)
	fn := constructstest.NagCleanFunction(stack, "Fn", 10)
	alarms := awssns.NewTopic(stack, jsii.String("Alarms"), nil)
	r := eventrule.New(stack, jsii.String("Ready"), &eventrule.Props{EventBus: bus, EventPattern: orderReady, Function: fn,
		AlarmAction: awscloudwatchactions.NewSnsAction(alarms)})
	tmpl := assertions.Template_FromStack(stack, nil)
	busID, dlq, fnID, ruleID := constructstest.LogicalID(stack, bus), constructstest.LogicalID(stack, r.DeadLetterQueue), constructstest.LogicalID(stack, fn), constructstest.LogicalID(stack, r.Rule)

	tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
		"EventBusName": map[string]any{"Ref": busID},
		"EventPattern": map[string]any{"source": []any{"orderflow.kitchen"}, "detail-type": []any{"OrderReady"}},
		"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
			"Arn":              map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}},
			"DeadLetterConfig": map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}},
			"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
		})},
	})
	// EventBridge may send to the dead-letter queue for this rule only.
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), &map[string]any{
		"Queues": []any{map[string]any{"Ref": dlq}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect":    "Allow",
			"Action":    "sqs:SendMessage",
			"Principal": map[string]any{"Service": "events.amazonaws.com"},
			"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": map[string]any{"Fn::GetAtt": []any{ruleID, "Arn"}}}},
		})})},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
		"Principal": "events.amazonaws.com", "SourceArn": map[string]any{"Fn::GetAtt": []any{ruleID, "Arn"}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
		"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 21600,
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}}},
	})
	// On a custom bus the rule's metrics have the dimensions EventBusName
	// and RuleName, and its Ref is "<bus>|<rule>".
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"Namespace":  "AWS/Events",
		"MetricName": "FailedInvocations",
		"Dimensions": []any{
			map[string]any{"Name": "EventBusName", "Value": map[string]any{"Ref": busID}},
			map[string]any{"Name": "RuleName", "Value": map[string]any{"Fn::Select": []any{1, map[string]any{"Fn::Split": []any{"|", map[string]any{"Ref": ruleID}}}}}},
		},
		"Statistic":        "Sum",
		"Period":           300,
		"Threshold":        0,
		"TreatMissingData": "notBreaching",
		"AlarmActions":     constructstest.AlarmActions(stack, alarms),
	})
	constructstest.HasDeadLetterQueueAlarm(tmpl, stack, r.DeadLetterQueue, alarms)
	if len(r.Alarms) != 3 || r.Alarms[2] != r.DestinationDeliveryAlarm {
		t.Errorf("got %d alarms, want 3 (the last DestinationDeliveryAlarm)", len(r.Alarms))
	}
}

func TestRuleOnTheDefaultBus(t *testing.T) {
	for _, tt := range []struct {
		name string
		bus  func(awscdk.Stack) awsevents.IEventBus
	}{
		{"nil", func(awscdk.Stack) awsevents.IEventBus { return nil }},
		{"imported by name", func(s awscdk.Stack) awsevents.IEventBus {
			return awsevents.EventBus_FromEventBusName(s, jsii.String("Default"), jsii.String("default"))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			r := eventrule.New(stack, jsii.String("Created"), &eventrule.Props{
				EventBus:     tt.bus(stack),
				EventPattern: &awsevents.EventPattern{Source: jsii.Strings("aws.s3"), DetailType: jsii.Strings("Object Created")},
				Function:     constructstest.Function(stack, "Fn", 3),
			})
			tmpl := assertions.Template_FromStack(stack, nil)
			tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{"EventBusName": assertions.Match_Absent()})
			tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
				"MetricName": "FailedInvocations",
				"Dimensions": []any{map[string]any{"Name": "RuleName", "Value": map[string]any{"Ref": constructstest.LogicalID(stack, r.Rule)}}},
			})
		})
	}
}

func TestRetryProps(t *testing.T) {
	stack := constructstest.Stack()
	eventrule.New(stack, jsii.String("R"), &eventrule.Props{EventPattern: orderReady, Function: constructstest.Function(stack, "Fn", 3),
		DeliveryRetryAttempts: jsii.Number(3), DeliveryMaxEventAge: awscdk.Duration_Hours(jsii.Number(1)),
		RetryAttempts: jsii.Number(0), MaxEventAge: awscdk.Duration_Minutes(jsii.Number(10)),
		Event: awsevents.RuleTargetInput_FromEventPath(jsii.String("$.detail"))})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
		"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
			"InputPath":   "$.detail",
			"RetryPolicy": map[string]any{"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
		})},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 600})
}

func TestBadPropsFailSynth(t *testing.T) {
	tests := []struct {
		name  string
		props func(awscdk.Stack) *eventrule.Props
		want  []string
	}{
		{"nothing", func(awscdk.Stack) *eventrule.Props { return nil }, []string{
			"[S/R] eventrule: Function is required (the function to invoke)",
			"[S/R] eventrule: EventPattern is empty: give the fields events must match, e.g. Source and DetailType (a rule without a pattern matches no event)",
		}},
		{"empty pattern", func(s awscdk.Stack) *eventrule.Props {
			return &eventrule.Props{Function: constructstest.Function(s, "Fn", 3), EventPattern: &awsevents.EventPattern{Source: &[]*string{}, Detail: &map[string]any{}}}
		}, []string{"[S/R] eventrule: EventPattern is empty: give the fields events must match, e.g. Source and DetailType (a rule without a pattern matches no event)"}},
		{"delivery", func(s awscdk.Stack) *eventrule.Props {
			return &eventrule.Props{Function: constructstest.Function(s, "Fn", 3), EventPattern: orderReady,
				DeliveryRetryAttempts: jsii.Number(186), DeliveryMaxEventAge: awscdk.Duration_Hours(jsii.Number(25))}
		}, []string{
			"[S/R] eventrule: DeliveryRetryAttempts 186 is outside 0-185 (EventBridge retry policy)",
			"[S/R] eventrule: DeliveryMaxEventAge 90000s is outside 60-86400s (EventBridge retry policy)",
		}},
		{"async", func(s awscdk.Stack) *eventrule.Props {
			return &eventrule.Props{Function: constructstest.Function(s, "Fn", 3), EventPattern: orderReady, RetryAttempts: jsii.Number(-1)}
		}, []string{"[S/R] eventrule: RetryAttempts -1 is outside 0-2 (Lambda asynchronous invocation)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			r := eventrule.New(stack, jsii.String("R"), tt.props(stack))
			if r.Rule == nil || r.FailedInvocationsAlarm == nil {
				t.Error("want the rule and its alarms built")
			}
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}

func TestCdkNagClean(t *testing.T) {
	stack := constructstest.Stack()
	bus := awsevents.NewEventBus(stack, jsii.String("Bus"), nil)
	eventrule.New(stack, jsii.String("Ready"), &eventrule.Props{EventBus: bus, EventPattern: orderReady, Function: constructstest.NagCleanFunction(stack, "Fn", 10)})
	constructstest.NoNagFindings(t, stack)
}
