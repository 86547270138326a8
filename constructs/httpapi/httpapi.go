// Package httpapi provides an API Gateway HTTP API with secure, observable
// defaults (stage throttling, JSON access logs in a log group with a
// retention, alarms on 5xx answers and p99 latency) and a route construct
// that wires routes to a Lambda function with payload format version 2.0.
//
// Tracing: API Gateway HTTP APIs (v2) do not support X-Ray; only REST APIs
// (v1) do. A trace of a request starts at the Lambda function (active
// tracing, see gofunction), not at the API; the access log's requestId and
// the function's logs tie the two together. Nothing here pretends otherwise.
//
//	api := httpapi.New(stack, jsii.String("Http"), nil)
//	httpapi.NewRoute(stack, jsii.String("Orders"), &httpapi.RouteProps{
//		Api:      api.Api,
//		Path:     jsii.String("/orders"),
//		Methods:  []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
//		Function: fn.Function,
//	})
package httpapi

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/alarm"
	"github.com/example/orderflow/constructs/internal/nag"
)

// AccessLogFormat is the JSON line written per request: request ID, caller
// IP, method, route, status, latencies and any integration error.
const AccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey",` +
	`"path":"$context.path","status":"$context.status","protocol":"$context.protocol",` +
	`"responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",` +
	`"integrationLatencyMs":"$context.integrationLatency","integrationError":"$context.integrationErrorMessage"}`

// Props configures an HttpApi. Nil fields take the documented default.
type Props struct {
	// Description of the API. Default: none.
	Description *string
	// ThrottlingRateLimit: steady-state requests per second for the whole
	// stage, above which callers get 429. Default: 50.
	ThrottlingRateLimit *float64
	// ThrottlingBurstLimit: requests the stage absorbs at once.
	// Default: 100.
	ThrottlingBurstLimit *float64
	// AccessLogRetention of the access log group.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	AccessLogRetention awslogs.RetentionDays
	// AccessLogRemovalPolicy of the access log group.
	// Default: awscdk.RemovalPolicy_RETAIN.
	AccessLogRemovalPolicy awscdk.RemovalPolicy
	// CorsPreflight settings. Default: none (no CORS headers; same-origin
	// browsers and non-browser clients only).
	CorsPreflight *awsapigatewayv2.CorsPreflightOptions
	// LatencyAlarmThreshold: LatencyAlarm goes off when the p99 of Latency
	// (request received to response sent, integration included) over 5
	// minutes exceeds it; at least 1 ms. Default: 1 second.
	LatencyAlarmThreshold awscdk.Duration
	// AlarmAction is told when an alarm of the API goes to ALARM and back to
	// OK, e.g. awscloudwatchactions.NewSnsAction(topic).
	// Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
}

// HttpApi is what New built.
type HttpApi struct {
	// Api is the HTTP API; its URL is Stage.Url().
	Api awsapigatewayv2.HttpApi
	// Stage is the $default stage, auto-deployed, throttled and logged.
	Stage awsapigatewayv2.HttpStage
	// AccessLogGroup receives one JSON line per request (AccessLogFormat).
	AccessLogGroup awslogs.LogGroup
	// ServerErrorsAlarm: 5xx (Sum) > 0 in 5 minutes: the API answered 5xx
	// (the function failed, timed out, or answered 5xx itself). Missing data
	// (no request) is OK.
	ServerErrorsAlarm awscloudwatch.Alarm
	// LatencyAlarm: Latency (p99) > LatencyAlarmThreshold, in milliseconds,
	// in 5 minutes. Missing data is OK.
	LatencyAlarm awscloudwatch.Alarm
	// Alarms are ServerErrorsAlarm and LatencyAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the API, its $default stage, the access log group and the
// alarms. Construct IDs below id: "Api", "Stage", "AccessLogs",
// "ServerErrorsAlarm", "LatencyAlarm". The alarms use the API's metrics
// (dimension ApiId), which cover every stage.
func New(scope constructs.Construct, id *string, props *Props) *HttpApi {
	c := constructs.NewConstruct(scope, id)
	var p Props
	if props != nil {
		p = *props
	}
	var problems []string
	if p.ThrottlingRateLimit == nil {
		p.ThrottlingRateLimit = jsii.Number(50)
	} else if *p.ThrottlingRateLimit <= 0 {
		problems = append(problems, fmt.Sprintf("httpapi: ThrottlingRateLimit %v must be positive", *p.ThrottlingRateLimit))
	}
	if p.ThrottlingBurstLimit == nil {
		p.ThrottlingBurstLimit = jsii.Number(100)
	} else if *p.ThrottlingBurstLimit <= 0 {
		problems = append(problems, fmt.Sprintf("httpapi: ThrottlingBurstLimit %v must be positive", *p.ThrottlingBurstLimit))
	}
	if p.LatencyAlarmThreshold == nil {
		p.LatencyAlarmThreshold = awscdk.Duration_Seconds(jsii.Number(1))
	} else if ms := *p.LatencyAlarmThreshold.ToMilliseconds(nil); ms < 1 {
		problems = append(problems, fmt.Sprintf("httpapi: LatencyAlarmThreshold %vms must be at least 1ms", ms))
	}
	if len(problems) > 0 {
		panic(fmt.Sprintf("%s (construct %s)", strings.Join(problems, "; "), *c.Node().Path()))
	}
	if p.AccessLogRetention == "" {
		p.AccessLogRetention = awslogs.RetentionDays_ONE_MONTH
	}
	if p.AccessLogRemovalPolicy == "" {
		p.AccessLogRemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	logs := awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention:     p.AccessLogRetention,
		RemovalPolicy: p.AccessLogRemovalPolicy,
	})
	api := awsapigatewayv2.NewHttpApi(c, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		Description:        p.Description,
		CreateDefaultStage: jsii.Bool(false),
		CorsPreflight:      p.CorsPreflight,
	})
	stage := awsapigatewayv2.NewHttpStage(c, jsii.String("Stage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  p.ThrottlingRateLimit,
			BurstLimit: p.ThrottlingBurstLimit,
		},
		AccessLogSettings: &accessLogSettings{
			destination: awsapigatewayv2.NewLogGroupLogDestination(logs),
			format:      awsapigateway.AccessLogFormat_Custom(jsii.String(AccessLogFormat)),
		},
	})
	h := &HttpApi{Api: api, Stage: stage, AccessLogGroup: logs}
	h.ServerErrorsAlarm = alarm.New(c, "ServerErrorsAlarm", alarm.Spec{
		Metric:      api.MetricServerError(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum")}),
		Description: "the API answered 5xx. See the access log (integrationError) and the function's log.",
	}, p.AlarmAction)
	limit := *p.LatencyAlarmThreshold.ToMilliseconds(nil)
	h.LatencyAlarm = alarm.New(c, "LatencyAlarm", alarm.Spec{
		Metric:      api.MetricLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99")}),
		Threshold:   limit,
		Description: fmt.Sprintf("p99 latency above %v ms.", limit),
	}, p.AlarmAction)
	h.Alarms = []awscloudwatch.Alarm{h.ServerErrorsAlarm, h.LatencyAlarm}
	return h
}

type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

func (s *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination { return s.destination }
func (s *accessLogSettings) Format() awsapigateway.AccessLogFormat              { return s.format }

// RouteProps configures a Route.
type RouteProps struct {
	// Api to add the routes to. Required.
	Api awsapigatewayv2.HttpApi
	// Path of the routes, e.g. "/orders/{id}". Required.
	Path *string
	// Methods routed to the function. Required, at least one.
	Methods []awsapigatewayv2.HttpMethod
	// Function handling the requests, with payload format version 2.0
	// (events.APIGatewayV2HTTPRequest). Required.
	Function awslambda.IFunction
	// Authorizer of the routes. Default: none (the routes are public).
	Authorizer awsapigatewayv2.IHttpRouteAuthorizer
}

// Route is what NewRoute built.
type Route struct {
	// Integration is the Lambda proxy integration, payload format 2.0.
	Integration awsapigatewayv2integrations.HttpLambdaIntegration
	// Routes are one route per method.
	Routes []awsapigatewayv2.HttpRoute
}

// NewRoute routes Methods on Path to Function. The integration adds a
// resource policy letting this API (only) invoke the function.
func NewRoute(scope constructs.Construct, id *string, props *RouteProps) *Route {
	if props == nil || props.Api == nil || props.Path == nil || len(props.Methods) == 0 || props.Function == nil {
		panic(fmt.Sprintf("httpapi: Api, Path, Methods and Function are required (route %s)", *id))
	}
	if !strings.HasPrefix(*props.Path, "/") {
		panic(fmt.Sprintf("httpapi: Path %q must start with \"/\" (route %s)", *props.Path, *id))
	}
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(id, props.Function, &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
		PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
	})
	methods := make([]awsapigatewayv2.HttpMethod, len(props.Methods))
	copy(methods, props.Methods)
	routes := props.Api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        props.Path,
		Methods:     &methods,
		Integration: integration,
		Authorizer:  props.Authorizer,
	})
	nag.NotAsyncInvoked(props.Function, "API Gateway invokes it synchronously and returns its errors to the caller")
	return &Route{Integration: integration, Routes: *routes}
}
