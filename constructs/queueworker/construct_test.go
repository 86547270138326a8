package queueworker_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/queueworker"
)

// The worker is a construct: tags, dependencies and lookups on it reach what
// it defined, the event source mapping included.
func TestWorkerIsAConstructOverEverythingItDefines(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 20)
	w := queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: fn})
	awscdk.Tags_Of(w).Add(jsii.String("team"), jsii.String("kitchen"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(w)

	if got := w.Node().FindChild(jsii.String("EventSourceMapping")); got == nil || *got.Node().Path() != *w.EventSourceMapping.Node().Path() {
		t.Fatalf("got %v, want the mapping as the worker's child EventSourceMapping", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tag := assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "kitchen"}})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{"Tags": tag})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::SQS::Queue"), &map[string]any{"Tags": tag}, jsii.Number(2))
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), &map[string]any{"Tags": tag}, jsii.Number(0))
	mapping := constructstest.LogicalID(stack, w.EventSourceMapping)
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{mapping}),
	})
}

// A stack that consumed a queue with fn.AddEventSource keeps its deployed
// mapping when it moves to queueworker: same logical ID (a new one would fail
// the deploy, Lambda allowing one mapping per function and queue).
func TestMappingKeepsTheLogicalIDOfAddEventSource(t *testing.T) {
	mappingID := func(build func(fn awslambda.Function, scope constructs.Construct)) string {
		stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Orders-dev"), nil)
		fn := constructstest.Function(stack, "Kitchen", 20)
		build(fn, constructs.NewConstruct(stack, jsii.String("Service")))
		ids := *assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::Lambda::EventSourceMapping"), nil)
		if len(ids) != 1 {
			t.Fatalf("got %d mappings, want 1", len(ids))
		}
		for id := range ids {
			return id
		}
		return ""
	}
	cdk := mappingID(func(fn awslambda.Function, scope constructs.Construct) {
		q := awssqs.NewQueue(constructs.NewConstruct(scope, jsii.String("Jobs")), jsii.String("Queue"), nil)
		fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(q, nil))
	})
	ours := mappingID(func(fn awslambda.Function, scope constructs.Construct) {
		queueworker.New(scope, jsii.String("Jobs"), &queueworker.Props{Function: fn})
	})
	if ours != cdk {
		t.Errorf("got logical ID %s, want %s (Function.AddEventSource's)", ours, cdk)
	}
}
