package eventrule_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventrule"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/ruletarget"
)

// The rule is a construct: tags reach what it defined, dependencies on it
// cover the rule and its invoke permission, FindChild finds them.
func TestIsAConstructOverEverythingItDefines(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 3)
	r := eventrule.New(stack, jsii.String("R"), &eventrule.Props{EventPattern: orderReady, Function: fn})
	awscdk.Tags_Of(r).Add(jsii.String("team"), jsii.String("ops"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(r)
	if got := r.Node().FindChild(jsii.String("Rule")); got == nil || *got.Node().Path() != *r.Rule.Node().Path() {
		t.Fatalf("got %v, want the rule as child Rule", got)
	}
	permission := r.Rule.Node().FindChild(jsii.String(ruletarget.PermissionID(fn)))
	tmpl := assertions.Template_FromStack(stack, nil)
	tag := assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "ops"}})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::SQS::Queue"), &map[string]any{"Tags": tag}, jsii.Number(1))
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{"Tags": tag}, jsii.Number(3))
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), &map[string]any{"Tags": tag}, jsii.Number(0))
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{constructstest.LogicalID(stack, permission), constructstest.LogicalID(stack, r.Rule)}),
	})
}

// The order flow's OrderReady rule, deployed with v0.0, keeps the logical
// IDs of its rule, invoke permission, dead-letter queue and alarms.
func TestKeepsTheLogicalIDsOfV0(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("OrderFlow-dev-Service"), nil)
	fn := awslambda.NewFunction(constructs.NewConstruct(stack, jsii.String("Notifier")), jsii.String("Function"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"), Code: awslambda.Code_FromInline(jsii.String("x")),
	})
	r := eventrule.New(constructs.NewConstruct(stack, jsii.String("OrderEvents")), jsii.String("OrderReady"), &eventrule.Props{EventPattern: orderReady, Function: fn})
	// From test/testdata/snapshots/dev/OrderFlow-dev-Service.template.json.
	for _, tt := range []struct{ got, want string }{
		{constructstest.LogicalID(stack, r.Rule), "OrderEventsOrderReadyRule604A118A"},
		{constructstest.LogicalID(stack, r.Rule.Node().FindChild(jsii.String(ruletarget.PermissionID(fn)))), "OrderEventsOrderReadyRuleAllowEventRuleOrderFlowdevServiceNotifierFunctionD417A3D6639CAF5E"},
		{constructstest.LogicalID(stack, r.DeadLetterQueue), "OrderEventsOrderReadyDeadLetterQueueD42046DF"},
		{constructstest.LogicalID(stack, r.DeadLetterQueueAlarm), "OrderEventsOrderReadyDeadLetterQueueAlarm2BFBDE65"},
		{constructstest.LogicalID(stack, r.FailedInvocationsAlarm), "OrderEventsOrderReadyFailedInvocationsAlarm248C95F8"},
	} {
		if tt.got != tt.want {
			t.Errorf("got logical ID %s, want %s", tt.got, tt.want)
		}
	}
}

// The rule targets the function's live alias: the target, the permission
// (for this rule and account only) and the asynchronous-invoke configuration.
func TestInvokesTheLiveAlias(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func(awscdk.Stack, awslambda.Function) awslambda.IFunction
	}{
		{"SetInvokeTarget", func(s awscdk.Stack, fn awslambda.Function) awslambda.IFunction {
			eventsource.SetInvokeTarget(fn, awslambda.NewAlias(s, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()}))
			return fn
		}},
		{"alias given", func(s awscdk.Stack, fn awslambda.Function) awslambda.IFunction {
			return awslambda.NewAlias(s, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			fn := constructstest.Function(stack, "Fn", 3)
			r := eventrule.New(stack, jsii.String("R"), &eventrule.Props{EventPattern: orderReady, Function: tt.fn(stack, fn)})
			tmpl := assertions.Template_FromStack(stack, nil)
			alias := stack.Node().FindChild(jsii.String("Live"))
			ref := map[string]any{"Ref": constructstest.LogicalID(stack, alias)}
			tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{"Targets": []any{assertions.Match_ObjectLike(&map[string]any{"Arn": ref})}})
			tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(1))
			tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
				"FunctionName":  ref,
				"Principal":     "events.amazonaws.com",
				"SourceArn":     map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, r.Rule), "Arn"}},
				"SourceAccount": map[string]any{"Ref": "AWS::AccountId"},
			})
			if alias.Node().TryFindChild(jsii.String("EventInvokeConfig")) == nil {
				t.Error("want the asynchronous-invoke configuration under the alias")
			}
		})
	}
}

func TestOverridesAndDestinations(t *testing.T) {
	stack := constructstest.Stack()
	done := awssqs.NewQueue(stack, jsii.String("Done"), nil)
	r := eventrule.New(stack, jsii.String("R"), &eventrule.Props{EventPattern: orderReady, Function: constructstest.Function(stack, "Fn", 3),
		OnSuccess:            &eventsource.Destination{Queue: done},
		RuleProps:            &awsevents.RuleProps{Enabled: jsii.Bool(false)},
		DeadLetterQueueProps: &awssqs.QueueProps{VisibilityTimeout: awscdk.Duration_Minutes(jsii.Number(2))},
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{"State": "DISABLED", "EventPattern": assertions.Match_AnyValue()})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{"VisibilityTimeout": 120, "SqsManagedSseEnabled": true, "MessageRetentionPeriod": 1209600})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{"DestinationConfig": map[string]any{
		"OnSuccess": map[string]any{"Destination": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, done), "Arn"}}},
		"OnFailure": map[string]any{"Destination": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, r.DeadLetterQueue), "Arn"}}},
	}})
}

func TestBadOverridesAndDestinationsFailSynth(t *testing.T) {
	for _, tt := range []struct {
		name  string
		props func(awscdk.Stack) *eventrule.Props
		want  []string
	}{
		{"rule props of the construct", func(s awscdk.Stack) *eventrule.Props {
			return &eventrule.Props{EventPattern: orderReady, Function: constructstest.Function(s, "Fn", 3),
				RuleProps: &awsevents.RuleProps{EventPattern: &awsevents.EventPattern{Source: jsii.Strings("x")}, Description: jsii.String("d")}}
		}, []string{
			"[S/R] eventrule: RuleProps.EventPattern is set: it is built from this construct's props (EventBus, EventPattern, Description, Function); set it there",
			"[S/R] eventrule: RuleProps.Description is set: it is built from this construct's props (EventBus, EventPattern, Description, Function); set it there",
		}},
		{"FIFO and KMS dead-letter queue", func(s awscdk.Stack) *eventrule.Props {
			return &eventrule.Props{EventPattern: orderReady, Function: constructstest.Function(s, "Fn", 3),
				DeadLetterQueueProps: &awssqs.QueueProps{Fifo: jsii.Bool(true), Encryption: awssqs.QueueEncryption_KMS}}
		}, []string{
			"[S/R] eventrule: DeadLetterQueueProps make the dead-letter queue a FIFO queue: EventBridge writes to standard queues only (\"SQS FIFO is not supported by Dead Letter Queues\"); leave Fifo unset",
			"[S/R] eventrule: DeadLetterQueueProps encrypt the dead-letter queue with a KMS key: EventBridge could use it only through a key policy open to every rule of every account (its KMS requests carry no source ARN or account); keep SSE-SQS, the default",
		}},
		{"FIFO on-failure destination", func(s awscdk.Stack) *eventrule.Props {
			return &eventrule.Props{EventPattern: orderReady, Function: constructstest.Function(s, "Fn", 3),
				OnFailure: &eventsource.Destination{Queue: awssqs.NewQueue(s, jsii.String("F"), &awssqs.QueueProps{Fifo: jsii.Bool(true)})}}
		}, []string{"[S/R] eventrule: OnFailure Queue S/F is a FIFO queue: Lambda cannot send asynchronous invocation records to a FIFO queue (AWS::Lambda::EventInvokeConfig DestinationConfig); give a standard queue"}},
		{"bus of another account", func(s awscdk.Stack) *eventrule.Props {
			return &eventrule.Props{EventPattern: orderReady, Function: constructstest.Function(s, "Fn", 3),
				EventBus: awsevents.EventBus_FromEventBusArn(s, jsii.String("B"), jsii.String("arn:aws:events:us-east-1:999999999999:event-bus/theirs"))}
		}, []string{"[S/R] eventrule: EventBus S/B is in account 999999999999, this stack in 123456789012: a rule is created in its bus's account; define it in a stack there (or send the events to a bus of this account)"}},
		{"bus of another region", func(s awscdk.Stack) *eventrule.Props {
			return &eventrule.Props{EventPattern: orderReady, Function: constructstest.Function(s, "Fn", 3),
				EventBus: awsevents.EventBus_FromEventBusArn(s, jsii.String("B"), jsii.String("arn:aws:events:eu-west-1:123456789012:event-bus/orders"))}
		}, []string{"[S/R] eventrule: EventBus S/B is in region eu-west-1, this stack in us-east-1: a rule is created in its bus's region; define it in a stack there (or send the events to a bus of this region)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")}})
			eventrule.New(stack, jsii.String("R"), tt.props(stack))
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}
