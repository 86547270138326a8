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
//		Api:      api.Api, // or an imported API: awsapigatewayv2.HttpApi_FromHttpApiAttributes
//		Path:     jsii.String("/orders"),
//		Methods:  []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
//		Function: fn.Function,
//	})
//
// Routes use IAM authorization (callers sign requests with SigV4 and need
// execute-api:Invoke) unless they name another authorizer, or ask to be
// public with a reason (RouteProps.Public).
package httpapi

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
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
// (dimension ApiId), which cover every stage. Bad props fail synth (see
// eventsource.Problems).
func New(scope constructs.Construct, id *string, props *Props) *HttpApi {
	c := constructs.NewConstruct(scope, id)
	var p Props
	if props != nil {
		p = *props
	}
	problems := eventsource.NewProblems(c, "httpapi")
	p.ThrottlingRateLimit = positive(problems, "ThrottlingRateLimit", p.ThrottlingRateLimit, 50)
	p.ThrottlingBurstLimit = positive(problems, "ThrottlingBurstLimit", p.ThrottlingBurstLimit, 100)
	p.LatencyAlarmThreshold = problems.MinDuration("LatencyAlarmThreshold", p.LatencyAlarmThreshold, awscdk.Duration_Seconds(jsii.Number(1)), 0.001)
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
	h.ServerErrorsAlarm = eventsource.NewAlarm(c, "ServerErrorsAlarm", eventsource.AlarmSpec{
		Metric:      api.MetricServerError(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum")}),
		Description: "the API answered 5xx. See the access log (integrationError) and the function's log.",
	}, p.AlarmAction)
	limit := eventsource.Seconds(p.LatencyAlarmThreshold) * 1000
	h.LatencyAlarm = eventsource.NewAlarm(c, "LatencyAlarm", eventsource.AlarmSpec{
		Metric:      api.MetricLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99")}),
		Threshold:   limit,
		Description: fmt.Sprintf("p99 latency above %v ms.", limit),
	}, p.AlarmAction)
	h.Alarms = []awscloudwatch.Alarm{h.ServerErrorsAlarm, h.LatencyAlarm}
	return h
}

// positive checks a limit that must be above 0; nil gives def.
func positive(problems *eventsource.Problems, field string, v *float64, def float64) *float64 {
	if v == nil {
		return jsii.Number(def)
	}
	if *v <= 0 {
		problems.Addf("%s %s must be greater than 0 (requests per second)", field, eventsource.Num(*v))
		return jsii.Number(def)
	}
	return v
}

type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

func (s *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination { return s.destination }
func (s *accessLogSettings) Format() awsapigateway.AccessLogFormat              { return s.format }

// RouteProps configures a Route.
type RouteProps struct {
	// Api to add the routes to: an HttpApi of the app, or an imported one
	// (awsapigatewayv2.HttpApi_FromHttpApiAttributes). Required.
	Api awsapigatewayv2.IHttpApi
	// Path of the routes, starting with "/", e.g. "/orders/{id}". Required.
	Path *string
	// Methods routed to the function. Required, at least one.
	Methods []awsapigatewayv2.HttpMethod
	// Function handling the requests, with payload format version 2.0
	// (events.APIGatewayV2HTTPRequest). Required.
	Function awslambda.IFunction
	// Authorizer of the routes, e.g. a JWT or Lambda authorizer from
	// awsapigatewayv2authorizers. Default: IAM authorization
	// (awsapigatewayv2authorizers.NewHttpIamAuthorizer): callers sign with
	// SigV4 and need execute-api:Invoke on the route.
	Authorizer awsapigatewayv2.IHttpRouteAuthorizer
	// Public makes the routes callable by anyone, without authorization: the
	// reason, e.g. "health check for the load balancer, returns no data". It
	// is recorded as the cdk-nag suppression of AwsSolutions-APIG4 (the API
	// does not implement authorization) on each route. Setting it with an
	// Authorizer, or empty, fails synth. Default: nil (not public).
	Public *string
}

// Route is what NewRoute built.
type Route struct {
	// Integration is the Lambda proxy integration, payload format 2.0.
	Integration awsapigatewayv2integrations.HttpLambdaIntegration
	// Routes are one route per method.
	Routes []awsapigatewayv2.HttpRoute
}

// NewRoute routes Methods on Path to Function. The integration adds a
// resource policy letting this API (only) invoke the function. The routes
// are constructs of the API, with the IDs HttpApi.AddRoutes gives them
// ("<METHOD><path>"), or of this construct for an imported API. Bad props fail synth
// (see eventsource.Problems).
func NewRoute(scope constructs.Construct, id *string, props *RouteProps) *Route {
	c := constructs.NewConstruct(scope, id)
	problems := eventsource.NewProblems(c, "httpapi")
	var p RouteProps
	if props != nil {
		p = *props
	}
	problems.Required("Api", p.Api != nil, "the HTTP API to add the routes to")
	problems.Required("Path", p.Path != nil, `e.g. "/orders/{id}"`)
	problems.Required("Methods", len(p.Methods) > 0, "at least one, e.g. awsapigatewayv2.HttpMethod_GET")
	problems.Required("Function", p.Function != nil, "the function handling the requests")
	if p.Path != nil && !strings.HasPrefix(*p.Path, "/") {
		problems.Addf("Path %q must start with \"/\"", *p.Path)
	}
	authorizer := p.Authorizer
	switch {
	case p.Public != nil && strings.TrimSpace(*p.Public) == "":
		problems.Addf("Public is empty: give the reason the routes need no authorization (it is recorded as the cdk-nag suppression)")
	case p.Public != nil && authorizer != nil:
		problems.Addf("Public is set with an Authorizer: a public route has no authorizer; drop one of them")
	case p.Public != nil:
		authorizer = awsapigatewayv2.NewHttpNoneAuthorizer()
	case authorizer == nil:
		authorizer = awsapigatewayv2authorizers.NewHttpIamAuthorizer()
	}
	r := &Route{}
	if p.Function == nil {
		return r
	}
	r.Integration = awsapigatewayv2integrations.NewHttpLambdaIntegration(id, p.Function, &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
		PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
	})
	eventsource.NotAsyncInvoked(p.Function, "API Gateway invokes it synchronously and returns its errors to the caller")
	if p.Api == nil || p.Path == nil || !strings.HasPrefix(*p.Path, "/") {
		return r
	}
	// Under the API, where HttpApi.AddRoutes puts them, so that their logical
	// IDs do not depend on this construct; under it for an imported API.
	var routeScope constructs.Construct = c
	if api, ok := p.Api.(constructs.Construct); ok {
		routeScope = api
	}
	for _, method := range p.Methods {
		route := awsapigatewayv2.NewHttpRoute(routeScope, jsii.String(string(method)+*p.Path), &awsapigatewayv2.HttpRouteProps{
			HttpApi:     p.Api,
			RouteKey:    awsapigatewayv2.HttpRouteKey_With(p.Path, method),
			Integration: r.Integration,
			Authorizer:  authorizer,
		})
		if p.Public != nil {
			nag.Suppress(route, "AwsSolutions-APIG4", "Public route, on purpose: "+*p.Public)
		}
		r.Routes = append(r.Routes, route)
	}
	return r
}
