package eventsource

import (
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/nag"
)

// Limits of asynchronous invocation (Lambda quotas,
// https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
const (
	MaxAsyncRetryAttempts = 2        // retries after a function error
	MinMaxEventAgeSeconds = 60       // 1 minute
	MaxMaxEventAgeSeconds = 6 * 3600 // 6 hours
)

// AsyncInvoke is how Lambda retries an event it invoked a function with
// asynchronously (S3 through EventBridge, EventBridge, SNS, schedules) and
// the function failed: RetryAttempts more tries, while the event is younger
// than MaxEventAge; then the event goes to the on-failure destination.
type AsyncInvoke struct {
	// RetryAttempts after a function error, 0-2 (Lambda quotas). Default: 2.
	RetryAttempts *float64
	// MaxEventAge: how long Lambda keeps an event for retries, throttles
	// included, 60 s-6 h (Lambda quotas). Default: the caller's.
	MaxEventAge awscdk.Duration
}

// AsyncInvoke checks a's fields (as "RetryAttempts" and "MaxEventAge") and
// returns it with defaults applied: 2 retries, defaultMaxEventAge.
func (p *Problems) AsyncInvoke(a AsyncInvoke, defaultMaxEventAge awscdk.Duration) AsyncInvoke {
	return AsyncInvoke{
		RetryAttempts: p.Count("RetryAttempts", a.RetryAttempts, MaxAsyncRetryAttempts, 0, MaxAsyncRetryAttempts, "", "Lambda asynchronous invocation"),
		MaxEventAge:   p.Duration("MaxEventAge", a.MaxEventAge, defaultMaxEventAge, MinMaxEventAgeSeconds, MaxMaxEventAgeSeconds, true, "Lambda asynchronous invocation"),
	}
}

// asyncConfigs remembers the asynchronous-invoke configuration each function
// got from ConfigureAsyncInvoke: a function has one, and several sources
// (two bucket triggers, a topic and a rule) may invoke the same function.
var asyncConfigs = struct {
	sync.Mutex
	m map[awslambda.IFunction]asyncConfig
}{m: map[awslambda.IFunction]asyncConfig{}}

type asyncConfig struct {
	by        string // path of the construct that configured it
	retries   float64
	age       float64 // seconds
	onFailure awssqs.IQueue
}

// ConfigureAsyncInvoke gives fn's asynchronous invocations a's retries and
// onFailure as their on-failure destination: an event the function still
// failed lands there, as a record holding the event, the error and the
// request context. The CDK grants fn's role sqs:SendMessage,
// sqs:GetQueueAttributes and sqs:GetQueueUrl on onFailure. The cdk-nag
// finding Serverless-LambdaDLQ on fn is suppressed: the on-failure
// destination supersedes DeadLetterConfig.
//
// A function has one asynchronous-invoke configuration. When another
// construct already gave fn one through this function with the same retries
// and age, fn keeps it and its on-failure destination, which is returned (it
// is onFailure otherwise); with other values, or when fn got one elsewhere
// (fn.ConfigureAsyncInvoke), the problem is reported to p (the construct
// configuring it; p also names it to the next one). A function imported without its role is reported too:
// nothing could grant it the destination.
func ConfigureAsyncInvoke(p *Problems, fn awslambda.IFunction, a AsyncInvoke, onFailure awssqs.IQueue) awssqs.IQueue {
	if !p.FunctionRole("Function", fn, "sqs:SendMessage on the dead-letter queue (on-failure destination)") {
		return onFailure
	}
	want := asyncConfig{by: p.path, retries: *a.RetryAttempts, age: Seconds(a.MaxEventAge), onFailure: onFailure}
	asyncConfigs.Lock()
	defer asyncConfigs.Unlock()
	if have, ok := asyncConfigs.m[fn]; ok {
		if have.retries != want.retries || have.age != want.age {
			p.Addf("RetryAttempts %s and MaxEventAge %ss differ from the %s and %ss that %s gave the same function %s (a function has one asynchronous-invoke configuration: give both the same values)",
				Num(want.retries), Num(want.age), Num(have.retries), Num(have.age), have.by, Path(fn))
		}
		return have.onFailure
	}
	if fn.Node().TryFindChild(jsii.String("EventInvokeConfig")) != nil {
		p.Addf("Function %s already has an asynchronous-invoke configuration (ConfigureAsyncInvoke was called on it elsewhere): a function has one; remove the other call and let this construct configure it", Path(fn))
		return onFailure
	}
	fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: a.RetryAttempts,
		MaxEventAge:   a.MaxEventAge,
		OnFailure:     awslambdadestinations.NewSqsDestination(onFailure),
	})
	nag.AsyncFailureDestination(fn)
	asyncConfigs.m[fn] = want
	return onFailure
}

// FunctionRole reports (as field) a function whose execution role is not
// known, which happens to a function imported with
// awslambda.Function_FromFunctionArn: the grants it needs (need) would be
// lost. Returns whether the role is known.
func (p *Problems) FunctionRole(field string, fn awslambda.IFunction, need string) bool {
	if fn.Role() != nil {
		return true
	}
	p.Addf("%s %s is imported without its execution role, which needs %s: import it with awslambda.Function_FromFunctionAttributes and Role (e.g. awsiam.Role_FromRoleArn)",
		field, Path(fn), need)
	return false
}

// FunctionTimeout returns fn's timeout in seconds when it is known: a
// function defined in the app (3 s, Lambda's default, when it sets none);
// not for an imported one.
func FunctionTimeout(fn awslambda.IFunction) (seconds float64, known bool) {
	f, ok := fn.(interface{ Timeout() awscdk.Duration })
	if !ok {
		return 0, false
	}
	if t := f.Timeout(); t != nil {
		return Seconds(t), true
	}
	return 3, true
}

// NotAsyncInvoked records on fn that it is never invoked asynchronously by
// this source (how: "an SQS event source mapping polls the queue"), so the
// cdk-nag finding Serverless-LambdaDLQ (no DeadLetterConfig) does not apply:
// a Lambda dead-letter queue would never receive anything. For sources whose
// failures go elsewhere (a mapping's on-failure destination, the caller).
func NotAsyncInvoked(fn awslambda.IFunction, how string) {
	nag.NotAsyncInvoked(fn, how)
}
