package httpapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/httpapi"
)

var get = []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET}

// liveAlias gives fn a "live" alias that the library's integrations invoke,
// as gofunction does with Props.Alias.
func liveAlias(fn awslambda.Function) awslambda.Alias {
	alias := awslambda.NewAlias(fn, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
	eventsource.SetInvokeTarget(fn, alias)
	return alias
}

// The API is a construct: tags, dependencies and lookups on it reach what
// it defined, the routes NewRoute adds to it included; the logical IDs are
// those of a plain construct tree.
func TestApiIsAConstructOverEverythingItDefines(t *testing.T) {
	stack := constructstest.Stack()
	api := httpapi.New(stack, jsii.String("Http"), nil)
	route := httpapi.NewRoute(stack, jsii.String("Orders"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/orders"), Methods: get,
		Function: constructstest.Function(stack, "Fn", 3)})
	awscdk.Tags_Of(api).Add(jsii.String("team"), jsii.String("orders"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(api)
	if api.Node().FindChild(jsii.String("Api")) == nil || route.Node().Path() == nil {
		t.Fatal("got no child Api")
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tag := map[string]any{"team": "orders"} // API Gateway v2 takes tags as a map
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), &map[string]any{"Tags": tag})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), &map[string]any{"Tags": tag})
	tmpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{"Tags": assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "orders"}})})
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{"DependsOn": assertions.Match_ArrayWith(&[]any{
		constructstest.LogicalID(stack, route.Routes[0]),
	})})
	for path, c := range map[string]awscdk.CfnElement{
		"Http/Api/Resource":             api.Api.Node().DefaultChild().(awscdk.CfnElement),
		"Http/Stage/Resource":           api.Stage.Node().DefaultChild().(awscdk.CfnElement),
		"Http/AccessLogs/Resource":      api.AccessLogGroup.Node().DefaultChild().(awscdk.CfnElement),
		"Http/Api/GET--orders/Resource": route.Routes[0].Node().DefaultChild().(awscdk.CfnElement),
	} {
		if got, want := *stack.GetLogicalId(c), constructstest.PlainLogicalID(path); got != want {
			t.Errorf("%s: got logical ID %s, want %s", path, got, want)
		}
	}
}

// A route invokes the function's live alias: the integration's URI and the
// permission's FunctionName are the alias; the permission is scoped to the
// route and this account.
func TestRouteInvokesTheLiveAlias(t *testing.T) {
	stack := constructstest.Stack()
	api := httpapi.New(stack, jsii.String("Http"), nil)
	fn := constructstest.Function(stack, "Fn", 3)
	alias := liveAlias(fn)
	route := httpapi.NewRoute(stack, jsii.String("Orders"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/orders"), Methods: get, Function: fn})
	tmpl := assertions.Template_FromStack(stack, nil)
	aliasRef := map[string]any{"Ref": constructstest.LogicalID(stack, alias)}
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Integration"), &map[string]any{"IntegrationUri": aliasRef})
	if len(route.Permissions) != 1 {
		t.Fatalf("got %d permissions, want 1", len(route.Permissions))
	}
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
		"Action":        "lambda:InvokeFunction",
		"FunctionName":  aliasRef,
		"Principal":     "apigateway.amazonaws.com",
		"SourceAccount": map[string]any{"Ref": "AWS::AccountId"},
		"SourceArn": map[string]any{"Fn::Join": []any{"", []any{
			"arn:", map[string]any{"Ref": "AWS::Partition"}, ":execute-api:", map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"},
			":", map[string]any{"Ref": constructstest.LogicalID(stack, api.Api)}, "/*/*/orders",
		}}},
	})
	if got := constructstest.UnqualifiedInvocations(*tmpl.ToJSON(), true); len(got) > 0 {
		t.Errorf("got unqualified invocations %q, want none", got)
	}
}

// The template walker catches an integration wired to the function itself
// when the function has an alias.
func TestUnqualifiedIntegrationIsCaught(t *testing.T) {
	stack := constructstest.Stack()
	api := httpapi.New(stack, jsii.String("Http"), nil)
	fn := constructstest.Function(stack, "Fn", 3)
	liveAlias(fn)
	api.Api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{Path: jsii.String("/raw"), Methods: &get,
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Raw"), fn, nil)})
	got := constructstest.UnqualifiedInvocations(*assertions.Template_FromStack(stack, nil).ToJSON(), false)
	if len(got) != 2 {
		t.Fatalf("got %q, want the integration and its permission", got)
	}
	fnID := constructstest.LogicalID(stack, fn)
	for i, typ := range []string{"AWS::ApiGatewayV2::Integration) IntegrationUri", "AWS::Lambda::Permission) FunctionName"} {
		if want := typ + ": invokes function " + fnID + " unqualified ($LATEST), not its alias"; !strings.Contains(got[i], want) {
			t.Errorf("got %q, want one with %q", got[i], want)
		}
	}
}

// A function of another account cannot get the permission from this
// stack: synth fails saying what to pass.
func TestFunctionOfAnotherAccountFailsSynth(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")}})
	api := httpapi.New(stack, jsii.String("Http"), nil)
	fn := awslambda.Function_FromFunctionArn(stack, jsii.String("Theirs"), jsii.String("arn:aws:lambda:us-east-1:222222222222:function:theirs"))
	httpapi.NewRoute(stack, jsii.String("Orders"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/orders"), Methods: get, Function: fn})
	constructstest.WantProblems(t, stack, "[S/Orders] httpapi: Function S/Theirs is of another account or region, or imported without SameEnvironment: this stack cannot add the permission letting API Gateway invoke it; import it with awslambda.Function_FromFunctionAttributes and SameEnvironment: jsii.Bool(true) when it is in this stack's account and region, or route to a function there")
}

// ApiProps, StageProps and IntegrationProps pass settings Props does not
// offer; the ones the construct sets are refused.
func TestOverrides(t *testing.T) {
	stack := constructstest.Stack()
	api := httpapi.New(stack, jsii.String("Http"), &httpapi.Props{
		ApiProps:   &awsapigatewayv2.HttpApiProps{DisableExecuteApiEndpoint: jsii.Bool(true)},
		StageProps: &awsapigatewayv2.HttpStageProps{DetailedMetricsEnabled: jsii.Bool(true)},
	})
	httpapi.NewRoute(stack, jsii.String("Orders"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/orders"), Methods: get, Function: constructstest.Function(stack, "Fn", 3),
		IntegrationProps: &awsapigatewayv2integrations.HttpLambdaIntegrationProps{Timeout: awscdk.Duration_Seconds(jsii.Number(10))}})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), &map[string]any{"DisableExecuteApiEndpoint": true})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), &map[string]any{
		"DefaultRouteSettings": map[string]any{"DetailedMetricsEnabled": true, "ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Integration"), &map[string]any{"TimeoutInMillis": 10000, "PayloadFormatVersion": "2.0"})

	bad := constructstest.Stack()
	badApi := httpapi.New(bad, jsii.String("Http"), &httpapi.Props{
		ApiProps:   &awsapigatewayv2.HttpApiProps{CreateDefaultStage: jsii.Bool(true)},
		StageProps: &awsapigatewayv2.HttpStageProps{StageName: jsii.String("prod")},
	})
	httpapi.NewRoute(bad, jsii.String("Orders"), &httpapi.RouteProps{Api: badApi.Api, Path: jsii.String("/orders"), Methods: get, Function: constructstest.Function(bad, "Fn", 3),
		IntegrationProps: &awsapigatewayv2integrations.HttpLambdaIntegrationProps{PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_1_0()}})
	constructstest.WantProblems(t, bad,
		"[S/Http] httpapi: ApiProps.CreateDefaultStage is set: the construct defines the $default stage itself, throttled and logged",
		"[S/Http] httpapi: StageProps.StageName is set: the construct's stage is $default",
		"[S/Orders] httpapi: IntegrationProps.PayloadFormatVersion is set: the routes use payload format version 2.0 (events.APIGatewayV2HTTPRequest)",
	)
}

// An API with routes to an aliased function passes cdk-nag.
func TestRouteToAliasIsNagClean(t *testing.T) {
	stack := awscdk.NewStack(constructstest.NewApp(t), jsii.String("S"), nil)
	api := httpapi.New(stack, jsii.String("Http"), nil)
	fn := constructstest.NagCleanFunction(stack, "Fn", 3)
	liveAlias(fn)
	httpapi.NewRoute(stack, jsii.String("Orders"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/orders"), Methods: get, Function: fn})
	constructstest.NoNagFindings(t, stack)
}
