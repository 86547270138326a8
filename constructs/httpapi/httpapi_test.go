package httpapi_test

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/httpapi"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestApiIsThrottledAndLoggedAndRoutesUsePayloadV2(t *testing.T) {
	stack := constructstest.Stack()
	api := httpapi.New(stack, jsii.String("Http"), nil)
	httpapi.NewRoute(stack, jsii.String("Orders"), &httpapi.RouteProps{
		Api: api.Api, Path: jsii.String("/orders"), Function: constructstest.Function(stack, "Fn", 10),
		Methods: []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST, awsapigatewayv2.HttpMethod_GET},
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), &map[string]any{
		"StageName":            "$default",
		"AutoDeploy":           true,
		"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100},
		"AccessLogSettings":    map[string]any{"DestinationArn": assertions.Match_AnyValue(), "Format": httpapi.AccessLogFormat},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{"RetentionInDays": 30})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Integration"), &map[string]any{"PayloadFormatVersion": "2.0"})
	tmpl.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Route"), jsii.Number(2))
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), &map[string]any{"RouteKey": "POST /orders"})
}

func TestBadPropsFailSynth(t *testing.T) {
	stack := constructstest.Stack()
	httpapi.New(stack, jsii.String("Http"), &httpapi.Props{ThrottlingRateLimit: jsii.Number(0), LatencyAlarmThreshold: awscdk.Duration_Millis(jsii.Number(0))})
	httpapi.New(stack, jsii.String("HttpNaN"), &httpapi.Props{ThrottlingRateLimit: jsii.Number(math.NaN()), ThrottlingBurstLimit: jsii.Number(1.5)})
	api := httpapi.New(stack, jsii.String("Http2"), nil)
	fn := constructstest.Function(stack, "Fn", 3)
	get := []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET}
	httpapi.NewRoute(stack, jsii.String("R"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("orders"), Methods: get, Function: fn})
	httpapi.NewRoute(stack, jsii.String("Empty"), nil)
	httpapi.NewRoute(stack, jsii.String("Brace"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/orders/{id"), Methods: get, Function: fn})
	httpapi.NewRoute(stack, jsii.String("Space"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/a b"), Methods: get, Function: fn})
	httpapi.NewRoute(stack, jsii.String("Greedy"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/{proxy+}/x"), Methods: get, Function: fn})
	httpapi.NewRoute(stack, jsii.String("Twice"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/t/{id}"), Function: fn,
		Methods: []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET, awsapigatewayv2.HttpMethod_GET}})
	httpapi.NewRoute(stack, jsii.String("NoReason"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/a"), Methods: get, Function: fn, Public: jsii.String(" ")})
	httpapi.NewRoute(stack, jsii.String("Both"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/b"), Methods: get, Function: fn,
		Public: jsii.String("health check"), Authorizer: awsapigatewayv2.NewHttpNoneAuthorizer()})
	constructstest.WantProblems(t, stack,
		"[S/Http] httpapi: ThrottlingRateLimit 0 must be a number greater than 0 (requests per second)",
		"[S/HttpNaN] httpapi: ThrottlingRateLimit NaN must be a number greater than 0 (requests per second)",
		"[S/HttpNaN] httpapi: ThrottlingBurstLimit 1.5 must be a whole number greater than 0 (requests per second)",
		`[S/Brace] httpapi: Path "/orders/{id": segment "{id" must be a whole path variable, "{name}" (or "{name+}" last), or hold no braces`,
		`[S/Space] httpapi: Path "/a b" has a space in segment "a b": API Gateway route paths have none`,
		`[S/Greedy] httpapi: Path "/{proxy+}/x": the greedy variable "{proxy+}" must be the last segment`,
		"[S/Twice] httpapi: Methods lists GET twice: a route is one path and method; list it once",
		"[S/Http] httpapi: LatencyAlarmThreshold 0s must be at least 0.001s",
		`[S/R] httpapi: Path "orders" must start with "/"`,
		"[S/Empty] httpapi: Api is required (the HTTP API to add the routes to)",
		`[S/Empty] httpapi: Path is required (e.g. "/orders/{id}")`,
		"[S/Empty] httpapi: Methods is required (at least one, e.g. awsapigatewayv2.HttpMethod_GET)",
		"[S/Empty] httpapi: Function is required (the function handling the requests)",
		"[S/NoReason] httpapi: Public is empty: give the reason the routes need no authorization (it is recorded as the cdk-nag suppression)",
		"[S/Both] httpapi: Public is set with an Authorizer: a public route has no authorizer; drop one of them",
	)
}

func TestRoutesUseIamAuthorizationUnlessPublicWithAReason(t *testing.T) {
	stack := constructstest.Stack()
	api := httpapi.New(stack, jsii.String("Http"), nil)
	fn := constructstest.Function(stack, "Fn", 3)
	get := []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET}
	private := httpapi.NewRoute(stack, jsii.String("Orders"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/orders"), Methods: get, Function: fn})
	public := httpapi.NewRoute(stack, jsii.String("Health"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("/health"), Methods: get, Function: fn,
		Public: jsii.String("load balancer health check; answers 200 and no data")})
	// The routes are children of the API, with HttpApi.AddRoutes' IDs: moving
	// them would replace them, and a new route cannot be created while the
	// old one holds its route key.
	if got := *private.Routes[0].Node().Path(); got != "S/Http/Api/GET--orders" {
		t.Errorf("got route path %s, want S/Http/Api/GET--orders", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), &map[string]any{"RouteKey": "GET /orders", "AuthorizationType": "AWS_IAM"})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), &map[string]any{"RouteKey": "GET /health", "AuthorizationType": "NONE"})
	// The reason is the cdk-nag suppression, on the public route only.
	tmpl.HasResource(jsii.String("AWS::ApiGatewayV2::Route"), &map[string]any{
		"Properties": map[string]any{"RouteKey": "GET /health"},
		"Metadata": map[string]any{"cdk_nag": map[string]any{"rules_to_suppress": []any{map[string]any{
			"id": "AwsSolutions-APIG4", "reason": "Public route, on purpose: load balancer health check; answers 200 and no data",
		}}}},
	})
	tmpl.HasResource(jsii.String("AWS::ApiGatewayV2::Route"), &map[string]any{
		"Properties": map[string]any{"RouteKey": "GET /orders"},
		"Metadata":   assertions.Match_Absent(),
	})
	if len(public.Routes) != 1 || public.Integration == nil {
		t.Errorf("got %d routes, integration %v; want 1 and an integration", len(public.Routes), public.Integration)
	}
}

func TestRouteOnAnImportedApi(t *testing.T) {
	stack := constructstest.Stack()
	api := awsapigatewayv2.HttpApi_FromHttpApiAttributes(stack, jsii.String("Shared"), &awsapigatewayv2.HttpApiAttributes{HttpApiId: jsii.String("a1b2c3d4e5")})
	httpapi.NewRoute(stack, jsii.String("Orders"), &httpapi.RouteProps{
		Api: api, Path: jsii.String("/orders"), Methods: []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST}, Function: constructstest.Function(stack, "Fn", 3),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), &map[string]any{
		"ApiId": "a1b2c3d4e5", "RouteKey": "POST /orders", "AuthorizationType": "AWS_IAM",
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Integration"), &map[string]any{"ApiId": "a1b2c3d4e5", "PayloadFormatVersion": "2.0"})
	// Only this API may invoke the function.
	for _, r := range *tmpl.FindResources(jsii.String("AWS::Lambda::Permission"), nil) {
		p := (*r)["Properties"].(map[string]any)
		if src, _ := json.Marshal(p["SourceArn"]); p["Principal"] != "apigateway.amazonaws.com" || !strings.Contains(string(src), ":a1b2c3d4e5/") {
			t.Errorf("got permission for %v from %s, want apigateway.amazonaws.com from API a1b2c3d4e5", p["Principal"], src)
		}
	}
}

func TestAlarms(t *testing.T) {
	stack := constructstest.Stack()
	topic := awssns.NewTopic(stack, jsii.String("Topic"), nil)
	api := httpapi.New(stack, jsii.String("Http"), &httpapi.Props{
		LatencyAlarmThreshold: awscdk.Duration_Millis(jsii.Number(1500)),
		AlarmAction:           awscloudwatchactions.NewSnsAction(topic),
	})
	httpapi.New(stack, jsii.String("Quiet"), nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	apiID := *stack.GetLogicalId(api.Api.Node().DefaultChild().(awscdk.CfnElement))
	topicRef := []any{map[string]any{"Ref": *stack.GetLogicalId(topic.Node().DefaultChild().(awscdk.CfnElement))}}
	if len(api.Alarms) != 2 || api.ServerErrorsAlarm == nil || api.LatencyAlarm == nil {
		t.Fatalf("got alarms %v, want ServerErrorsAlarm and LatencyAlarm", api.Alarms)
	}
	tmpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(4))
	for metric, want := range map[string]map[string]any{
		"5xx":     {"Statistic": "Sum", "Threshold": 0},
		"Latency": {"ExtendedStatistic": "p99", "Threshold": 1500},
	} {
		props := map[string]any{
			"Namespace":          "AWS/ApiGateway",
			"MetricName":         metric,
			"Dimensions":         []any{map[string]any{"Name": "ApiId", "Value": map[string]any{"Ref": apiID}}},
			"Period":             300,
			"ComparisonOperator": "GreaterThanThreshold",
			"TreatMissingData":   "notBreaching",
			"AlarmActions":       topicRef,
			"OKActions":          topicRef,
			"AlarmName":          assertions.Match_Absent(),
		}
		for k, v := range want {
			props[k] = v
		}
		tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &props)
	}
	// Defaults: a 1 s latency threshold, no action.
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"MetricName": "Latency", "Threshold": 1000, "AlarmActions": assertions.Match_Absent(),
	})
}
