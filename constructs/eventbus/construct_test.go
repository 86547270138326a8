package eventbus_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventbus"
)

func TestIsAConstructWithOverrides(t *testing.T) {
	stack := constructstest.Stack()
	b := eventbus.New(stack, jsii.String("Orders"), &eventbus.Props{
		BusProps:     &awsevents.EventBusProps{EventBusName: jsii.String("orders")},
		ArchiveProps: &awsevents.ArchiveProps{ArchiveName: jsii.String("orders-archive")},
	})
	awscdk.Tags_Of(b).Add(jsii.String("team"), jsii.String("ops"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(b)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Events::EventBus"), &map[string]any{
		"Name": "orders",
		"Tags": assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "ops"}}),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Events::Archive"), &map[string]any{"ArchiveName": "orders-archive", "KmsKeyIdentifier": assertions.Match_Absent()})
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{constructstest.LogicalID(stack, b.Archive), constructstest.LogicalID(stack, b.Bus)}),
	})
}

func TestOverridesOfTheConstructsPropsFailSynth(t *testing.T) {
	stack := constructstest.Stack()
	eventbus.New(stack, jsii.String("Orders"), &eventbus.Props{
		BusProps:     &awsevents.EventBusProps{Description: jsii.String("x")},
		ArchiveProps: &awsevents.ArchiveProps{Retention: awscdk.Duration_Days(jsii.Number(3))},
	})
	constructstest.WantProblems(t, stack,
		"[S/Orders] eventbus: BusProps.Description is set: it is this construct's prop Description; set it there",
		"[S/Orders] eventbus: ArchiveProps.Retention is set: it is built from this construct's props (the bus, ArchivePattern, ArchiveRetention); set those instead",
	)
}
