package albtarget_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/albtarget"
	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventsource"
)

// The target is a construct over what it defined, the permission included;
// the target group and alarms keep the logical IDs of a plain construct
// tree.
func TestTargetIsAConstruct(t *testing.T) {
	stack := constructstest.Stack()
	a := albtarget.New(stack, jsii.String("Orders"), &albtarget.Props{Listener: listener(stack), Function: constructstest.Function(stack, "Fn", 3),
		Priority: jsii.Number(1), PathPatterns: jsii.Strings("/orders")})
	awscdk.Tags_Of(a).Add(jsii.String("team"), jsii.String("orders"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(a)
	if a.Node().FindChild(jsii.String("InvokePermission")) == nil {
		t.Error("got no child InvokePermission")
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tag := assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "orders"}})
	tmpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), &map[string]any{"Tags": tag})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{"Tags": tag}, jsii.Number(2))
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{"DependsOn": assertions.Match_ArrayWith(&[]any{
		constructstest.LogicalID(stack, a.Permission), constructstest.LogicalID(stack, a.Rule), constructstest.LogicalID(stack, a.TargetGroup),
	})})
	for path, c := range map[string]awscdk.CfnElement{
		"Orders/TargetGroup/Resource":           a.TargetGroup.Node().DefaultChild().(awscdk.CfnElement),
		"Orders/Rule/Resource":                  a.Rule.Node().DefaultChild().(awscdk.CfnElement),
		"Orders/LambdaUserErrorsAlarm/Resource": a.LambdaUserErrorsAlarm.Node().DefaultChild().(awscdk.CfnElement),
	} {
		if got, want := *stack.GetLogicalId(c), constructstest.PlainLogicalID(path); got != want {
			t.Errorf("%s: got logical ID %s, want %s", path, got, want)
		}
	}
}

// The load balancer may invoke the live alias, for target groups of this
// account and Region, and the group registers it only once it may.
func TestTargetInvokesTheLiveAliasWithAScopedPermission(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.NagCleanFunction(stack, "Fn", 3)
	alias := awslambda.NewAlias(fn, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
	eventsource.SetInvokeTarget(fn, alias)
	a := albtarget.New(stack, jsii.String("Orders"), &albtarget.Props{Listener: listener(stack), Function: fn, Priority: jsii.Number(1), PathPatterns: jsii.Strings("/orders")})
	tmpl := assertions.Template_FromStack(stack, nil)
	aliasRef := map[string]any{"Ref": constructstest.LogicalID(stack, alias)}
	permID := constructstest.LogicalID(stack, a.Permission)
	tmpl.HasResource(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), &map[string]any{
		"Properties": map[string]any{"Targets": []any{map[string]any{"Id": aliasRef}}},
		"DependsOn":  []any{permID},
	})
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
		"Action":        "lambda:InvokeFunction",
		"FunctionName":  aliasRef,
		"Principal":     "elasticloadbalancing.amazonaws.com",
		"SourceAccount": map[string]any{"Ref": "AWS::AccountId"},
		"SourceArn": map[string]any{"Fn::Join": []any{"", []any{
			"arn:", map[string]any{"Ref": "AWS::Partition"}, ":elasticloadbalancing:", map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"}, ":targetgroup/*",
		}}},
	})
	if got := constructstest.UnqualifiedInvocations(*tmpl.ToJSON(), false); len(got) > 0 {
		t.Errorf("got unqualified invocations %q, want none", got)
	}
}

func TestFunctionOfAnotherAccountFailsSynth(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")}})
	fn := awslambda.Function_FromFunctionArn(stack, jsii.String("Theirs"), jsii.String("arn:aws:lambda:us-east-1:222222222222:function:theirs"))
	albtarget.New(stack, jsii.String("A"), &albtarget.Props{Listener: listener(stack), Function: fn, Priority: jsii.Number(1), PathPatterns: jsii.Strings("/x")})
	constructstest.WantProblems(t, stack, "[S/A] albtarget: Function S/Theirs is of another account or region, or imported without SameEnvironment: this stack cannot add the permission letting the load balancer invoke it; import it with awslambda.Function_FromFunctionAttributes and SameEnvironment: jsii.Bool(true) when it is in this stack's account and region, or put the target group there")
}

func TestTargetGroupProps(t *testing.T) {
	stack := constructstest.Stack()
	albtarget.New(stack, jsii.String("A"), &albtarget.Props{Listener: listener(stack), Function: constructstest.Function(stack, "Fn", 3), Priority: jsii.Number(1), PathPatterns: jsii.Strings("/x"),
		TargetGroupProps: &elbv2.ApplicationTargetGroupProps{TargetGroupName: jsii.String("orders-api")}})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), &map[string]any{"Name": "orders-api", "TargetType": "lambda"})

	bad := constructstest.Stack()
	albtarget.New(bad, jsii.String("A"), &albtarget.Props{Listener: listener(bad), Function: constructstest.Function(bad, "Fn", 3), Priority: jsii.Number(1), PathPatterns: jsii.Strings("/x"),
		TargetGroupProps: &elbv2.ApplicationTargetGroupProps{TargetType: elbv2.TargetType_IP}})
	constructstest.WantProblems(t, bad, "[S/A] albtarget: TargetGroupProps.TargetType is set: the target group holds a Lambda function")
}
