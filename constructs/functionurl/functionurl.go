// Package functionurl provides a construct that gives a Lambda function an
// HTTPS endpoint of its own (a function URL): AWS_IAM authorization unless a
// public URL is asked for explicitly with a reason, CORS, the invoke mode
// (buffered or response streaming), and an alarm on 5xx answers.
//
//	u := functionurl.New(stack, jsii.String("Webhook"), &functionurl.Props{
//		Function: webhook.Function,
//	})
//	u.Url.GrantInvokeUrl(caller) // lambda:InvokeFunctionUrl on this function
//	awscdk.NewCfnOutput(stack, jsii.String("WebhookUrl"), &awscdk.CfnOutputProps{Value: u.Url.Url()})
//
// The function receives the same event as from an HTTP API with payload
// format 2.0 (events.LambdaFunctionURLRequest) and answers with
// events.LambdaFunctionURLResponse. Callers of an AWS_IAM URL sign requests
// with SigV4 (service "lambda") and need lambda:InvokeFunctionUrl on the
// function. A public URL (Public) takes anyone's request: its reason is
// recorded as the cdk-nag suppression of the public-access rules on the two
// resource-policy statements that open it.
package functionurl

import (
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/nag"
)

// PublicAccessRules are the cdk-nag rules a public function URL's resource
// policy (principal "*") is found by; Public suppresses each with its reason.
var PublicAccessRules = []string{
	"NIST.800.53.R4-LambdaFunctionPublicAccessProhibited",
	"NIST.800.53.R5-LambdaFunctionPublicAccessProhibited",
	"HIPAA.Security-LambdaFunctionPublicAccessProhibited",
	"PCI.DSS.321-LambdaFunctionPublicAccessProhibited",
}

// Props configures a FunctionUrl. Nil fields take the documented default.
type Props struct {
	// Function to give a URL: an awslambda.Function of the app, or an
	// imported one (the URL and, for Public, the resource policy are
	// created in this stack; the function must be in its account and
	// region, or synth fails). The URL is on the function's live alias when
	// it has one (eventsource.InvokeTarget): turning the alias on replaces
	// the URL, whose address changes. A function (or alias) has at most one
	// URL. Required.
	Function awslambda.IFunction
	// Public makes the URL callable by anyone (auth type NONE): the reason,
	// e.g. "payment provider webhook; the handler checks its signature". It
	// is recorded as the suppression of PublicAccessRules. Empty fails
	// synth. Default: nil (AWS_IAM: callers sign with SigV4).
	Public *string
	// Cors settings for browsers calling the URL from other origins.
	// Default: none (no CORS headers).
	Cors *awslambda.FunctionUrlCorsOptions
	// InvokeMode: awslambda.InvokeMode_RESPONSE_STREAM streams the answer
	// (up to 20 MB; the handler writes to a stream). Default:
	// awslambda.InvokeMode_BUFFERED (the whole answer at once, up to 6 MB).
	InvokeMode awslambda.InvokeMode
	// AlarmAction is told when ServerErrorsAlarm goes to ALARM and back to
	// OK, e.g. awscloudwatchactions.NewSnsAction(topic).
	// Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
}

// FunctionUrl is the construct New defines: everything it built is under
// it (awscdk.Tags_Of, Node().AddDependency and aspects reach the URL and
// the alarm), and its fields are what it built. The resource-policy
// statements of a public URL are the CDK's awslambda.FunctionUrl's: it
// defines them on the function (or alias) itself, with no scope to give.
type FunctionUrl struct {
	constructs.Construct
	// Url is the function URL; its address is Url.Url(). Grant callers of
	// an AWS_IAM URL with Url.GrantInvokeUrl(grantee). Nil without a
	// Function (synth fails then).
	Url awslambda.FunctionUrl
	// ServerErrorsAlarm: Url5xxCount (Sum, AWS/Lambda, dimension
	// FunctionName) > 0 in 5 minutes: the URL answered 5xx (the function
	// failed, timed out or answered 5xx itself). Missing data (no request)
	// is OK. Nil without a Function.
	ServerErrorsAlarm awscloudwatch.Alarm
	// Alarms are ServerErrorsAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the function URL and its alarm. Construct IDs below id:
// "Url", "ServerErrorsAlarm". A public URL adds the function's resource
// policy statements "invoke-function-url" (lambda:InvokeFunctionUrl) and
// "invoke-function" (lambda:InvokeFunction, only through the URL) for
// principal "*" (on the live alias when the function has one); they carry
// no aws:SourceArn or aws:SourceAccount: their principal is any caller,
// not an AWS service, and lambda:FunctionUrlAuthType NONE limits them to
// the URL. An AWS_IAM URL adds no resource policy at all. Bad props fail
// synth (see eventsource.Problems).
func New(scope constructs.Construct, id *string, props *Props) *FunctionUrl {
	u := &FunctionUrl{}
	constructs.NewConstruct_Override(u, scope, id)
	c := u.Construct
	problems := eventsource.NewProblems(c, "functionurl")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Function", p.Function != nil, "the function to give a URL")
	auth := awslambda.FunctionUrlAuthType_AWS_IAM
	if p.Public != nil {
		if strings.TrimSpace(*p.Public) == "" {
			problems.Addf("Public is empty: give the reason the URL needs no authorization (it is recorded as the cdk-nag suppression)")
		} else {
			auth = awslambda.FunctionUrlAuthType_NONE
		}
	}
	if p.Function == nil {
		return u
	}
	if !sameEnvironment(c, p.Function) {
		problems.Addf("Function %s is of another account or region than this stack: a function URL is created in the function's account and region; define it in a stack there", eventsource.Path(p.Function))
		return u
	}
	target := eventsource.InvokeTarget(p.Function)
	if first, taken := claimURL(target, c); taken {
		problems.Addf("Function %s already has a URL, from %s: a function (or alias) has at most one; use that one", eventsource.Path(target), first)
		return u
	}
	before := len(*target.Node().Children())
	u.Url = awslambda.NewFunctionUrl(c, jsii.String("Url"), &awslambda.FunctionUrlProps{
		Function:   target,
		AuthType:   auth,
		Cors:       p.Cors,
		InvokeMode: p.InvokeMode,
	})
	if auth == awslambda.FunctionUrlAuthType_NONE {
		for _, perm := range (*target.Node().Children())[before:] { // the statements NewFunctionUrl added
			for _, rule := range PublicAccessRules {
				nag.Suppress(perm, rule, "Public function URL, on purpose: "+*p.Public)
			}
		}
	}
	eventsource.NotAsyncInvoked(eventsource.BaseFunction(p.Function), "its function URL invokes it synchronously and returns its errors to the caller")
	u.ServerErrorsAlarm = eventsource.NewAlarm(c, "ServerErrorsAlarm", eventsource.AlarmSpec{
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/Lambda"),
			MetricName:    jsii.String("Url5xxCount"),
			DimensionsMap: &map[string]*string{"FunctionName": p.Function.FunctionName()},
			Statistic:     jsii.String("Sum"),
		}),
		Description: "the function URL answered 5xx (the function failed, timed out, or answered 5xx itself). See the function's log.",
	}, p.AlarmAction)
	u.Alarms = []awscloudwatch.Alarm{u.ServerErrorsAlarm}
	return u
}

// sameEnvironment reports whether fn may be in scope's account and region:
// false only when both are known and differ.
func sameEnvironment(scope constructs.Construct, fn awslambda.IFunction) bool {
	stack := awscdk.Stack_Of(scope)
	for _, pair := range [][2]*string{{fn.Env().Account, stack.Account()}, {fn.Env().Region, stack.Region()}} {
		if awscdk.Token_CompareStrings(pair[0], pair[1]) == awscdk.TokenComparison_DIFFERENT() {
			return false
		}
	}
	return true
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (u *FunctionUrl) ToString() *string { return u.Construct.ToString() }

// urls remembers which FunctionUrl gave each invoke target its URL: Lambda
// allows one per function or alias.
var urls = struct {
	sync.Mutex
	m map[awslambda.IFunction]string
}{m: map[awslambda.IFunction]string{}}

// claimURL records that c gives target its URL; when another construct
// already did, it returns that construct's path and true.
func claimURL(target awslambda.IFunction, c constructs.Construct) (string, bool) {
	urls.Lock()
	defer urls.Unlock()
	if first, ok := urls.m[target]; ok {
		return first, true
	}
	urls.m[target] = *c.Node().Path()
	return "", false
}
