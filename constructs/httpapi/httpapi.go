// Package httpapi provides an API Gateway HTTP API with secure, observable
// defaults (stage throttling, JSON access logs in a log group with a
// retention) and a route construct that wires routes to a Lambda function with
// payload format version 2.0.
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
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

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
}

// HttpApi is what New built.
type HttpApi struct {
	// Api is the HTTP API; its URL is Stage.Url().
	Api awsapigatewayv2.HttpApi
	// Stage is the $default stage, auto-deployed, throttled and logged.
	Stage awsapigatewayv2.HttpStage
	// AccessLogGroup receives one JSON line per request (AccessLogFormat).
	AccessLogGroup awslogs.LogGroup
}

// New defines the API, its $default stage and the access log group.
// Construct IDs below id: "Api", "Stage", "AccessLogs".
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
	return &HttpApi{Api: api, Stage: stage, AccessLogGroup: logs}
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
