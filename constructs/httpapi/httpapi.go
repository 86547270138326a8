// Package httpapi provides an API Gateway HTTP API with secure, observable
// defaults (stage throttling, JSON access logs in a log group with a
// retention, alarms on 5xx answers and p99 latency) and a route construct
// that wires routes to a Lambda function with payload format version 2.0:
// to its live alias when it has one (eventsource.InvokeTarget), with an
// invoke permission scoped to the route and the account.
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
	"math"
	"regexp"
	"slices"
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
	"github.com/example/orderflow/constructs/internal/propsoverride"
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
	// ApiProps overrides the API's props for settings Props does not offer
	// (DisableExecuteApiEndpoint, DefaultDomainMapping, IpAddressType, ...),
	// as the AWS Solutions Constructs' apiGatewayProps: every field set here
	// replaces the construct's. Setting one the construct sets fails synth
	// naming what to use instead (OwnedApiProps). Default: nil.
	ApiProps *awsapigatewayv2.HttpApiProps
	// StageProps overrides the $default stage's props likewise
	// (DetailedMetricsEnabled, StageVariables, DomainMapping, Description);
	// see OwnedStageProps. Default: nil.
	StageProps *awsapigatewayv2.HttpStageProps
}

// OwnedApiProps are the fields of awsapigatewayv2.HttpApiProps that New sets
// itself, each with what to use instead.
var OwnedApiProps = map[string]string{
	"Description":        "use Props.Description",
	"CorsPreflight":      "use Props.CorsPreflight",
	"CreateDefaultStage": "the construct defines the $default stage itself, throttled and logged",
}

// OwnedStageProps are the fields of awsapigatewayv2.HttpStageProps that New
// sets itself, each with what to use instead.
var OwnedStageProps = map[string]string{
	"HttpApi":           "the stage belongs to the construct's API",
	"StageName":         "the construct's stage is $default",
	"AutoDeploy":        "the construct's stage deploys every change",
	"Throttle":          "use Props.ThrottlingRateLimit and Props.ThrottlingBurstLimit",
	"AccessLogSettings": "the stage logs to AccessLogGroup (Props.AccessLogRetention, Props.AccessLogRemovalPolicy)",
}

// HttpApi is the construct New defines: everything it built is under it
// (awscdk.Tags_Of, Node().AddDependency and aspects reach the API, its
// stage, log group and alarms, and the routes NewRoute adds to Api), and
// its fields are what it built.
type HttpApi struct {
	constructs.Construct
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
	h := &HttpApi{}
	constructs.NewConstruct_Override(h, scope, id)
	c := h.Construct
	var p Props
	if props != nil {
		p = *props
	}
	problems := eventsource.NewProblems(c, "httpapi")
	p.ThrottlingRateLimit = positive(problems, "ThrottlingRateLimit", p.ThrottlingRateLimit, 50, false)
	p.ThrottlingBurstLimit = positive(problems, "ThrottlingBurstLimit", p.ThrottlingBurstLimit, 100, true)
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
	apiProps := awsapigatewayv2.HttpApiProps{
		Description:        p.Description,
		CreateDefaultStage: jsii.Bool(false),
		CorsPreflight:      p.CorsPreflight,
	}
	for _, field := range propsoverride.Apply(&apiProps, p.ApiProps, OwnedApiProps) {
		problems.Addf("ApiProps.%s is set: %s", field, OwnedApiProps[field])
	}
	api := awsapigatewayv2.NewHttpApi(c, jsii.String("Api"), &apiProps)
	stageProps := awsapigatewayv2.HttpStageProps{
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
	}
	for _, field := range propsoverride.Apply(&stageProps, p.StageProps, OwnedStageProps) {
		problems.Addf("StageProps.%s is set: %s", field, OwnedStageProps[field])
	}
	stage := awsapigatewayv2.NewHttpStage(c, jsii.String("Stage"), &stageProps)
	h.Api, h.Stage, h.AccessLogGroup = api, stage, logs
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

// positive checks a limit that must be a finite number above 0 (a whole
// number when whole is set); nil gives def.
func positive(problems *eventsource.Problems, field string, v *float64, def float64, whole bool) *float64 {
	if v == nil {
		return jsii.Number(def)
	}
	if math.IsNaN(*v) || math.IsInf(*v, 0) || *v <= 0 || (whole && *v != math.Trunc(*v)) {
		kind := "a number"
		if whole {
			kind = "a whole number"
		}
		problems.Addf("%s %s must be %s greater than 0 (requests per second)", field, eventsource.Num(*v), kind)
		return jsii.Number(def)
	}
	return v
}

// checkPath reports a route path API Gateway would refuse or read
// otherwise than meant: each segment after "/" is non-empty, holds no
// space, and is either literal (no braces) or a whole path variable,
// "{name}" or, as the last segment only, the greedy "{name+}"; and says
// whether it is usable.
func checkPath(problems *eventsource.Problems, path string) bool {
	if path == "/" {
		return true
	}
	segments := strings.Split(path[1:], "/")
	for i, seg := range segments {
		switch {
		case seg == "":
			problems.Addf("Path %q has an empty segment: remove the doubled or trailing \"/\"", path)
		case strings.ContainsAny(seg, " \t\n"):
			problems.Addf("Path %q has a space in segment %q: API Gateway route paths have none", path, seg)
		case !strings.ContainsAny(seg, "{}"):
			continue
		case !pathVariable.MatchString(seg):
			problems.Addf("Path %q: segment %q must be a whole path variable, \"{name}\" (or \"{name+}\" last), or hold no braces", path, seg)
		case strings.HasSuffix(seg, "+}") && i != len(segments)-1:
			problems.Addf("Path %q: the greedy variable %q must be the last segment", path, seg)
		default:
			continue
		}
		return false
	}
	return true
}

var pathVariable = regexp.MustCompile(`^\{[A-Za-z0-9_.-]+\+?\}$`)

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
	// IntegrationProps overrides the Lambda integration's props (Timeout,
	// ParameterMapping), as the AWS Solutions Constructs take props of the
	// resources they build; PayloadFormatVersion (2.0) and
	// ScopePermissionToRoute (the permission names the route) are the
	// construct's (OwnedIntegrationProps). Default: nil.
	IntegrationProps *awsapigatewayv2integrations.HttpLambdaIntegrationProps
}

// OwnedIntegrationProps are the fields of
// awsapigatewayv2integrations.HttpLambdaIntegrationProps that NewRoute sets
// itself, each with the reason.
var OwnedIntegrationProps = map[string]string{
	"PayloadFormatVersion":   "the routes use payload format version 2.0 (events.APIGatewayV2HTTPRequest)",
	"ScopePermissionToRoute": "the invoke permission names the route (aws:SourceArn)",
}

// Route is the construct NewRoute defines, and its fields are what it
// built. Its routes, their integration and invoke permissions are children
// of the API (where HttpApi.AddRoutes puts them, keeping their logical IDs:
// a route moved elsewhere would be replaced, and a new route cannot be
// created while the old one holds its route key), or of this construct for
// an imported API: tag and depend on the HttpApi construct for them.
type Route struct {
	constructs.Construct
	// Integration is the Lambda proxy integration, payload format 2.0.
	Integration awsapigatewayv2integrations.HttpLambdaIntegration
	// Routes are one route per method.
	Routes []awsapigatewayv2.HttpRoute
	// Permissions let API Gateway invoke the function (its live alias when
	// it has one, eventsource.InvokeTarget) through this API and path only:
	// aws:SourceArn the execute-api ARN of the path in any stage and for any
	// method ("<api>/*/*<path>", as the CDK's integration writes it),
	// aws:SourceAccount this account. One per route, a child of the route
	// ("<id>-Permission").
	Permissions []awslambda.CfnPermission
}

// NewRoute routes Methods on Path to Function: to its live alias when it
// has one (eventsource.InvokeTarget), both in the integration and in the
// invoke permission. The integration adds, per route, a resource policy
// statement letting API Gateway invoke the function through this API and
// path only (Permissions). The routes are constructs of the API, with the IDs
// HttpApi.AddRoutes gives them ("<METHOD><path>"), or of this construct for
// an imported API. Bad props fail synth (see eventsource.Problems), as does
// a Function imported from another account or region: this stack could not
// add its permission.
func NewRoute(scope constructs.Construct, id *string, props *RouteProps) *Route {
	r := &Route{}
	constructs.NewConstruct_Override(r, scope, id)
	c := r.Construct
	problems := eventsource.NewProblems(c, "httpapi")
	var p RouteProps
	if props != nil {
		p = *props
	}
	problems.Required("Api", p.Api != nil, "the HTTP API to add the routes to")
	problems.Required("Path", p.Path != nil, `e.g. "/orders/{id}"`)
	problems.Required("Methods", len(p.Methods) > 0, "at least one, e.g. awsapigatewayv2.HttpMethod_GET")
	problems.Required("Function", p.Function != nil, "the function handling the requests")
	pathOK := p.Path != nil && strings.HasPrefix(*p.Path, "/")
	if p.Path != nil && !pathOK {
		problems.Addf("Path %q must start with \"/\"", *p.Path)
	} else if p.Path != nil {
		pathOK = checkPath(problems, *p.Path)
	}
	var methods []awsapigatewayv2.HttpMethod
	for _, m := range p.Methods {
		if slices.Contains(methods, m) {
			problems.Addf("Methods lists %s twice: a route is one path and method; list it once", m)
			continue
		}
		methods = append(methods, m)
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
	if p.Function == nil {
		return r
	}
	integrationProps := awsapigatewayv2integrations.HttpLambdaIntegrationProps{
		PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
	}
	for _, field := range propsoverride.Apply(&integrationProps, p.IntegrationProps, OwnedIntegrationProps) {
		problems.Addf("IntegrationProps.%s is set: %s", field, OwnedIntegrationProps[field])
	}
	r.Integration = awsapigatewayv2integrations.NewHttpLambdaIntegration(id, eventsource.InvokeTarget(p.Function), &integrationProps)
	eventsource.NotAsyncInvoked(eventsource.BaseFunction(p.Function), "API Gateway invokes it synchronously and returns its errors to the caller")
	if p.Api == nil || !pathOK {
		return r
	}
	// Under the API, where HttpApi.AddRoutes puts them, so that their logical
	// IDs do not depend on this construct; under it for an imported API.
	var routeScope constructs.Construct = c
	if api, ok := p.Api.(constructs.Construct); ok {
		routeScope = api
	}
	for _, method := range methods {
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
		// The integration's permission carries aws:SourceArn (this route);
		// aws:SourceAccount is added here (confused deputy: the ARN names
		// the account too, the condition states it).
		perm, ok := route.Node().TryFindChild(jsii.String(*id + "-Permission")).(awslambda.CfnPermission)
		if !ok {
			problems.Addf("Function %s is of another account or region, or imported without SameEnvironment: this stack cannot add the permission letting API Gateway invoke it; import it with awslambda.Function_FromFunctionAttributes and SameEnvironment: jsii.Bool(true) when it is in this stack's account and region, or route to a function there", eventsource.Path(p.Function))
			continue
		}
		perm.SetSourceAccount(awscdk.Stack_Of(route).Account())
		r.Permissions = append(r.Permissions, perm)
	}
	return r
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (h *HttpApi) ToString() *string { return h.Construct.ToString() }

// ToString returns the construct's path.
func (r *Route) ToString() *string { return r.Construct.ToString() }
