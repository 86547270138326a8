package eventbus_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventbus"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestBusWithArchiveOfEveryEvent(t *testing.T) {
	stack := constructstest.Stack()
	b := eventbus.New(stack, jsii.String("Orders"), &eventbus.Props{Description: jsii.String("Order events")})
	producer := constructstest.NagCleanFunction(stack, "Producer", 10)
	b.Bus.GrantPutEventsTo(producer, nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	busID := constructstest.LogicalID(stack, b.Bus)
	tmpl.HasResourceProperties(jsii.String("AWS::Events::EventBus"), &map[string]any{"Description": "Order events", "Policy": assertions.Match_Absent()})
	tmpl.HasResourceProperties(jsii.String("AWS::Events::Archive"), &map[string]any{
		"SourceArn":     map[string]any{"Fn::GetAtt": []any{busID, "Arn"}},
		"RetentionDays": 30,
		"EventPattern":  map[string]any{"source": []any{map[string]any{"prefix": ""}}},
		// aws-cdk-lib's "" is refused in some regions (aws/aws-cdk#37847).
		"KmsKeyIdentifier": assertions.Match_Absent(),
	})
	tmpl.ResourceCountIs(jsii.String("AWS::Events::EventBusPolicy"), jsii.Number(0))
	// The producer may put events on this bus only.
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Action": "events:PutEvents", "Effect": "Allow", "Resource": map[string]any{"Fn::GetAtt": []any{busID, "Arn"}},
		}})},
	})
}

func TestArchivePatternAndRetention(t *testing.T) {
	stack := constructstest.Stack()
	eventbus.New(stack, jsii.String("Orders"), &eventbus.Props{
		ArchiveRetention: awscdk.Duration_Days(jsii.Number(365)),
		ArchivePattern:   &awsevents.EventPattern{DetailType: jsii.Strings("OrderReady")},
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Events::Archive"), &map[string]any{
		"RetentionDays": 365,
		"EventPattern":  map[string]any{"detail-type": []any{"OrderReady"}},
	})
}

func TestBadRetentionFailsSynth(t *testing.T) {
	for _, tt := range []struct {
		name      string
		retention awscdk.Duration
		want      string
	}{
		{"hours", awscdk.Duration_Hours(jsii.Number(36)), "[S/Orders] eventbus: ArchiveRetention 129600s is not a whole number of days of at least 1 (the archive keeps events for a number of days)"},
		{"zero", awscdk.Duration_Days(jsii.Number(0)), "[S/Orders] eventbus: ArchiveRetention 0s is not a whole number of days of at least 1 (the archive keeps events for a number of days)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			b := eventbus.New(stack, jsii.String("Orders"), &eventbus.Props{ArchiveRetention: tt.retention})
			if b.Bus == nil || b.Archive == nil {
				t.Error("want the bus and the archive built")
			}
			constructstest.WantProblems(t, stack, tt.want)
		})
	}
}

func TestCdkNagClean(t *testing.T) {
	stack := constructstest.Stack()
	eventbus.New(stack, jsii.String("Orders"), nil)
	constructstest.NoNagFindings(t, stack)
}
