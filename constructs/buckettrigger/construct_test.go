package buckettrigger

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/ruletarget"
)

func TestIsAConstructOverEverythingItDefines(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 3)
	tr := New(stack, jsii.String("T"), &Props{Bucket: awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("uploads")), Function: fn, Prefix: jsii.String("in/")})
	awscdk.Tags_Of(tr).Add(jsii.String("team"), jsii.String("ops"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(tr)
	if got := tr.Node().FindChild(jsii.String("DeadLetterQueue")); got == nil || *got.Node().Path() != *tr.DeadLetterQueue.Node().Path() {
		t.Fatalf("got %v, want the dead-letter queue as child DeadLetterQueue", got)
	}
	permission := tr.Rule.Node().FindChild(jsii.String(ruletarget.PermissionID(fn)))
	tmpl := assertions.Template_FromStack(stack, nil)
	tag := assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "ops"}})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::SQS::Queue"), &map[string]any{"Tags": tag}, jsii.Number(1))
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{"Tags": tag}, jsii.Number(3))
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{constructstest.LogicalID(stack, permission), constructstest.LogicalID(stack, tr.Rule)}),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
		"Principal": "events.amazonaws.com", "SourceAccount": map[string]any{"Ref": "AWS::AccountId"},
		"SourceArn": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, tr.Rule), "Arn"}},
	})
}

// The order flow's importer trigger, deployed with v0.0, keeps its logical
// IDs.
func TestKeepsTheLogicalIDsOfV0(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("OrderFlow-dev-Service"), nil)
	fn := awslambda.NewFunction(constructs.NewConstruct(stack, jsii.String("Importer")), jsii.String("Function"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"), Code: awslambda.Code_FromInline(jsii.String("x")),
	})
	tr := New(stack, jsii.String("Incoming"), &Props{Bucket: awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("uploads")), Function: fn, Prefix: jsii.String("incoming/")})
	// From test/testdata/snapshots/dev/OrderFlow-dev-Service.template.json.
	for _, tt := range []struct{ got, want string }{
		{constructstest.LogicalID(stack, tr.Rule), "IncomingRuleD52E7308"},
		{constructstest.LogicalID(stack, tr.Rule.Node().FindChild(jsii.String(ruletarget.PermissionID(fn)))), "IncomingRuleAllowEventRuleOrderFlowdevServiceImporterFunction43BF6419A98A563B"},
		{constructstest.LogicalID(stack, tr.DeadLetterQueue), "IncomingDeadLetterQueueB49B324C"},
		{constructstest.LogicalID(stack, tr.DeadLetterQueueAlarm), "IncomingDeadLetterQueueAlarmA79E51D6"},
	} {
		if tt.got != tt.want {
			t.Errorf("got logical ID %s, want %s", tt.got, tt.want)
		}
	}
}

func TestInvokesTheLiveAliasWithDestinations(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 3)
	alias := awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
	eventsource.SetInvokeTarget(fn, alias)
	done := awssns.NewTopic(stack, jsii.String("Done"), nil)
	New(stack, jsii.String("T"), &Props{Bucket: awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("uploads")), Function: fn, Suffix: jsii.String(".csv"),
		OnSuccess: &eventsource.Destination{Topic: done}, RuleProps: &awsevents.RuleProps{Enabled: jsii.Bool(false)}})
	tmpl := assertions.Template_FromStack(stack, nil)
	ref := map[string]any{"Ref": constructstest.LogicalID(stack, alias)}
	tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{"State": "DISABLED", "Targets": []any{assertions.Match_ObjectLike(&map[string]any{"Arn": ref})}})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{"FunctionName": ref, "SourceAccount": map[string]any{"Ref": "AWS::AccountId"}})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
		"Qualifier":         assertions.Match_ObjectLike(&map[string]any{"Fn::Select": assertions.Match_AnyValue()}),
		"DestinationConfig": assertions.Match_ObjectLike(&map[string]any{"OnSuccess": map[string]any{"Destination": map[string]any{"Ref": constructstest.LogicalID(stack, done)}}}),
	})
}

func TestBadBucketAndOverridesFailSynth(t *testing.T) {
	for _, tt := range []struct {
		name  string
		props func(awscdk.Stack) *Props
		want  []string
	}{
		{"bucket of another account", func(s awscdk.Stack) *Props {
			return &Props{Bucket: awss3.Bucket_FromBucketAttributes(s, jsii.String("B"), &awss3.BucketAttributes{BucketName: jsii.String("theirs"), Account: jsii.String("999999999999")}),
				Function: constructstest.Function(s, "Fn", 3), Prefix: jsii.String("in/")}
		}, []string{"[S/T] buckettrigger: Bucket S/B is in account 999999999999, this stack in 123456789012: S3 sends its events to the default event bus of the bucket's own account and region; define the trigger in a stack there"}},
		{"rule props of the construct", func(s awscdk.Stack) *Props {
			return &Props{Bucket: awss3.Bucket_FromBucketName(s, jsii.String("B"), jsii.String("uploads")), Function: constructstest.Function(s, "Fn", 3), Prefix: jsii.String("in/"),
				RuleProps: &awsevents.RuleProps{EventPattern: &awsevents.EventPattern{Source: jsii.Strings("aws.s3")}}}
		}, []string{"[S/T] buckettrigger: RuleProps.EventPattern is set: it is built from this construct's props (Bucket, Prefix, Suffix, Function); set those instead"}},
		{"FIFO dead-letter queue", func(s awscdk.Stack) *Props {
			return &Props{Bucket: awss3.Bucket_FromBucketName(s, jsii.String("B"), jsii.String("uploads")), Function: constructstest.Function(s, "Fn", 3), Prefix: jsii.String("in/"),
				DeadLetterQueueProps: &awssqs.QueueProps{Fifo: jsii.Bool(true)}}
		}, []string{"[S/T] buckettrigger: DeadLetterQueueProps make the dead-letter queue a FIFO queue: EventBridge writes to standard queues only (\"SQS FIFO is not supported by Dead Letter Queues\"); leave Fifo unset"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")}})
			New(stack, jsii.String("T"), tt.props(stack))
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}
