package httpapi_test

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/httpapi"
	"github.com/example/orderflow/constructs/internal/constructstest"
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

func TestBadPropsFail(t *testing.T) {
	stack := constructstest.Stack()
	if got := constructstest.PanicMessage(func() {
		httpapi.New(stack, jsii.String("Http"), &httpapi.Props{ThrottlingRateLimit: jsii.Number(0)})
	}); !strings.Contains(got, "httpapi: ThrottlingRateLimit 0 must be positive") {
		t.Errorf("got %q", got)
	}
	api := httpapi.New(stack, jsii.String("Http2"), nil)
	if got := constructstest.PanicMessage(func() {
		httpapi.NewRoute(stack, jsii.String("R"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("orders"),
			Methods: []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET}, Function: constructstest.Function(stack, "Fn", 3)})
	}); !strings.Contains(got, `httpapi: Path "orders" must start with "/"`) {
		t.Errorf("got %q", got)
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
	if got := constructstest.PanicMessage(func() {
		httpapi.New(stack, jsii.String("Bad"), &httpapi.Props{LatencyAlarmThreshold: awscdk.Duration_Millis(jsii.Number(0))})
	}); !strings.Contains(got, "httpapi: LatencyAlarmThreshold 0ms must be at least 1ms (construct S/Bad)") {
		t.Errorf("got %q", got)
	}
}
