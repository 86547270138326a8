package functionurl_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/functionurl"
)

// The URL construct is a construct over what it defined; logical IDs are
// those of a plain construct tree.
func TestUrlIsAConstruct(t *testing.T) {
	stack := constructstest.Stack()
	u := functionurl.New(stack, jsii.String("Webhook"), &functionurl.Props{Function: constructstest.Function(stack, "Fn", 3)})
	awscdk.Tags_Of(u).Add(jsii.String("team"), jsii.String("payments"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(u)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"Tags": assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "payments"}}),
	})
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{"DependsOn": []any{
		constructstest.LogicalID(stack, u.ServerErrorsAlarm), constructstest.LogicalID(stack, u.Url),
	}})
	for path, c := range map[string]awscdk.CfnElement{
		"Webhook/Url/Resource":               u.Url.Node().DefaultChild().(awscdk.CfnElement),
		"Webhook/ServerErrorsAlarm/Resource": u.ServerErrorsAlarm.Node().DefaultChild().(awscdk.CfnElement),
	} {
		if got, want := *stack.GetLogicalId(c), constructstest.PlainLogicalID(path); got != want {
			t.Errorf("%s: got logical ID %s, want %s", path, got, want)
		}
	}
}

// The URL of a function with a live alias is the alias's: Qualifier, public
// statements and callers' grants all name the alias.
func TestUrlOfTheLiveAlias(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.NagCleanFunction(stack, "Fn", 3)
	alias := awslambda.NewAlias(fn, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
	eventsource.SetInvokeTarget(fn, alias)
	u := functionurl.New(stack, jsii.String("Webhook"), &functionurl.Props{Function: fn, Public: jsii.String("provider webhook; the handler checks the signature")})
	caller := constructstest.NagCleanFunction(stack, "Caller", 3)
	u.Url.GrantInvokeUrl(caller)
	tmpl := assertions.Template_FromStack(stack, nil)
	aliasRef := map[string]any{"Ref": constructstest.LogicalID(stack, alias)}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Url"), &map[string]any{
		"TargetFunctionArn": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, fn), "Arn"}},
		"Qualifier":         "live",
	})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Permission"), &map[string]any{"FunctionName": aliasRef, "Principal": "*"}, jsii.Number(2))
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action": "lambda:InvokeFunctionUrl", "Effect": "Allow", "Resource": aliasRef,
		})})},
	})
	if got := constructstest.UnqualifiedInvocations(*tmpl.ToJSON(), false); len(got) > 0 {
		t.Errorf("got unqualified invocations %q, want none", got)
	}
}

// A URL is created in the function's account and region: another one fails
// synth.
func TestFunctionOfAnotherAccountFailsSynth(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")}})
	fn := awslambda.Function_FromFunctionArn(stack, jsii.String("Theirs"), jsii.String("arn:aws:lambda:us-east-1:222222222222:function:theirs"))
	functionurl.New(stack, jsii.String("Url"), &functionurl.Props{Function: fn})
	constructstest.WantProblems(t, stack, "[S/Url] functionurl: Function S/Theirs is of another account or region than this stack: a function URL is created in the function's account and region; define it in a stack there")
}
