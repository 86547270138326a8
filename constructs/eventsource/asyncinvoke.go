package eventsource

import (
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
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

// AsyncInvoke is how Lambda handles an event it invoked a function with
// asynchronously (S3 through EventBridge, EventBridge rules, schedules,
// SNS): when the function fails, RetryAttempts more tries while the event is
// younger than MaxEventAge; then a record of the event and the error goes
// to the on-failure destination (by default the construct's dead-letter
// queue), and a record of each success to OnSuccess when set.
type AsyncInvoke struct {
	// RetryAttempts after a function error, 0-2 (Lambda quotas). Default: 2.
	RetryAttempts *float64
	// MaxEventAge: how long Lambda keeps an event for retries, throttles
	// included, 60 s-6 h (Lambda quotas). Default: the caller's.
	MaxEventAge awscdk.Duration
	// OnSuccess receives a record (request, response, context) of every
	// successful asynchronous invocation. Default: none.
	OnSuccess *Destination
	// OnFailure receives the record of an event the function still failed,
	// instead of the construct's dead-letter queue (which keeps receiving
	// what the source itself could not deliver). Default: the construct's
	// dead-letter queue.
	OnFailure *Destination
}

// Destination is where Lambda sends the record of an asynchronous
// invocation (Lambda "destinations"): set exactly one field. The function's
// execution role gets what sending needs (awslambdadestinations): on Queue
// sqs:SendMessage, sqs:GetQueueAttributes, sqs:GetQueueUrl (and the queue's
// KMS key, when it has one the app knows of); on Topic sns:Publish (and its
// key likewise); on EventBus events:PutEvents; on Function
// lambda:InvokeFunction on its invoke target (its live alias when it has
// one, see InvokeTarget). An imported queue or topic encrypted with a KMS
// key must be imported with its key (awssqs.Queue_FromQueueAttributes,
// awssns.Topic_FromTopicAttributes with KeyArn), or Lambda cannot send to
// it.
type Destination struct {
	// Queue: a standard SQS queue. FIFO queues cannot be destinations
	// (AWS::Lambda::EventInvokeConfig DestinationConfig, CloudFormation
	// Template Reference).
	Queue awssqs.IQueue
	// Topic: a standard SNS topic (a FIFO topic takes messages with a
	// message group ID, which Lambda does not set). Records over 256 KB are
	// sent without the payload.
	Topic awssns.ITopic
	// EventBus: an EventBridge event bus; the record is the event's detail.
	EventBus awsevents.IEventBus
	// Function: another Lambda function, invoked asynchronously with the
	// record.
	Function awslambda.IFunction
}

// key identifies the destination for comparisons between sources: its kind
// and the construct path of its resource.
func (d *Destination) key() string {
	switch {
	case d == nil:
		return ""
	case d.Queue != nil:
		return "queue " + Path(d.Queue)
	case d.Topic != nil:
		return "topic " + Path(d.Topic)
	case d.EventBus != nil:
		return "event bus " + Path(d.EventBus)
	case d.Function != nil:
		return "function " + Path(BaseFunction(d.Function))
	}
	return ""
}

func (d *Destination) bind() awslambda.IDestination {
	switch {
	case d.Queue != nil:
		return awslambdadestinations.NewSqsDestination(d.Queue)
	case d.Topic != nil:
		return awslambdadestinations.NewSnsDestination(d.Topic)
	case d.EventBus != nil:
		return awslambdadestinations.NewEventBridgeDestination(d.EventBus)
	case d.Function != nil:
		return &functionDestination{target: InvokeTarget(d.Function)}
	}
	return nil
}

// functionDestination is awslambdadestinations.LambdaDestination with a
// narrower grant: lambda:InvokeFunction on the destination's invoke target
// only, where Function.GrantInvoke also allows every version and alias
// ("<arn>:*", a cdk-nag AwsSolutions-IAM5 finding).
type functionDestination struct{ target awslambda.IFunction }

// Bind implements awslambda.IDestination.
func (d *functionDestination) Bind(_ constructs.Construct, fn awslambda.IFunction, _ *awslambda.DestinationOptions) *awslambda.DestinationConfig {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      fn,
		Actions:      jsii.Strings("lambda:InvokeFunction"),
		ResourceArns: jsii.Strings(*d.target.FunctionArn()),
	})
	return &awslambda.DestinationConfig{Destination: d.target.FunctionArn()}
}

// AsyncInvoke checks a's fields (as "RetryAttempts", "MaxEventAge",
// "OnSuccess" and "OnFailure") and returns it with defaults applied: 2
// retries, defaultMaxEventAge; a bad destination is left out.
func (p *Problems) AsyncInvoke(a AsyncInvoke, defaultMaxEventAge awscdk.Duration) AsyncInvoke {
	return AsyncInvoke{
		RetryAttempts: p.Count("RetryAttempts", a.RetryAttempts, MaxAsyncRetryAttempts, 0, MaxAsyncRetryAttempts, "", "Lambda asynchronous invocation"),
		MaxEventAge:   p.Duration("MaxEventAge", a.MaxEventAge, defaultMaxEventAge, MinMaxEventAgeSeconds, MaxMaxEventAgeSeconds, true, "Lambda asynchronous invocation"),
		OnSuccess:     p.destination("OnSuccess", a.OnSuccess),
		OnFailure:     p.destination("OnFailure", a.OnFailure),
	}
}

func (p *Problems) destination(field string, d *Destination) *Destination {
	if d == nil {
		return nil
	}
	n := 0
	for _, set := range []bool{d.Queue != nil, d.Topic != nil, d.EventBus != nil, d.Function != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		p.Addf("%s sets %d of Queue, Topic, EventBus and Function: set exactly one", field, n)
		return nil
	}
	switch {
	case d.Queue != nil && !p.StandardQueue(field+" Queue", d.Queue, "Lambda cannot send asynchronous invocation records to a FIFO queue (AWS::Lambda::EventInvokeConfig DestinationConfig)"):
		return nil
	case d.Topic != nil && d.Topic.Fifo() != nil && *d.Topic.Fifo():
		p.Addf("%s Topic %s is a FIFO topic: Lambda publishes asynchronous invocation records without a message group ID, which a FIFO topic requires; give a standard topic", field, Path(d.Topic))
		return nil
	}
	return d
}

// asyncConfigs remembers the asynchronous-invoke configuration each invoke
// target (a function, or its live alias) got from ConfigureAsyncInvoke: it
// has one, and several sources (two bucket triggers, a topic and a rule) may
// invoke the same function.
var asyncConfigs = struct {
	sync.Mutex
	m map[awslambda.IFunction]asyncConfig
}{m: map[awslambda.IFunction]asyncConfig{}}

type asyncConfig struct {
	by        string // path of the construct that configured it
	retries   float64
	age       float64 // seconds
	onSuccess string  // Destination.key, "" for none
	onFailure string  // Destination.key, "" for the construct's dead-letter queue
	dlq       awssqs.IQueue
	alarm     awscloudwatch.Alarm // DestinationDeliveryAlarm, once a source asked for it
}

// ConfigureAsyncInvoke gives the asynchronous invocations of fn's invoke
// target (InvokeTarget: its live alias, with the alias as the configuration's
// Qualifier, or fn itself) a's retries and destinations: a.OnSuccess when
// set, and as on-failure destination a.OnFailure, or deadLetterQueue when it
// is nil: an event the function still failed lands there, as a record
// holding the event, the error and the request context. The destinations'
// grants go to fn's role (see Destination; on deadLetterQueue
// sqs:SendMessage, sqs:GetQueueAttributes and sqs:GetQueueUrl). The cdk-nag
// finding Serverless-LambdaDLQ on fn is suppressed: the on-failure
// destination supersedes DeadLetterConfig.
//
// A function (or alias) has one asynchronous-invoke configuration, which it
// keeps under its own construct ("EventInvokeConfig", where
// Function.ConfigureAsyncInvoke puts it, so its logical ID does not depend
// on which source configured it first). When another construct already gave
// it one through this function with the same retries, age and destinations,
// it keeps that one, whose dead-letter queue is returned (deadLetterQueue
// otherwise); with other values, or when it got one elsewhere
// (fn.ConfigureAsyncInvoke), the problem is reported to p (the construct
// configuring it; p also names it to the next one). A function imported
// without its role is reported too: nothing could grant it the
// destinations. This never sets the function's RecursiveLoop: whether a
// destination that leads back to the function is a loop to stop is the
// function's own setting.
func ConfigureAsyncInvoke(p *Problems, fn awslambda.IFunction, a AsyncInvoke, deadLetterQueue awssqs.IQueue) awssqs.IQueue {
	if !p.FunctionRole("Function", fn, "sqs:SendMessage on the dead-letter queue (on-failure destination)") {
		return deadLetterQueue
	}
	for _, d := range []struct {
		field string
		dest  *Destination
	}{{"OnSuccess", a.OnSuccess}, {"OnFailure", a.OnFailure}} {
		if d.dest != nil && d.dest.Function != nil && Path(BaseFunction(d.dest.Function)) == Path(BaseFunction(fn)) {
			p.Addf("%s Function %s is the function itself: each record would invoke it again, a loop; give another destination", d.field, Path(BaseFunction(fn)))
			return deadLetterQueue
		}
	}
	target := InvokeTarget(fn)
	want := asyncConfig{by: p.path, retries: *a.RetryAttempts, age: Seconds(a.MaxEventAge),
		onSuccess: a.OnSuccess.key(), onFailure: a.OnFailure.key(), dlq: deadLetterQueue}
	asyncConfigs.Lock()
	defer asyncConfigs.Unlock()
	if have, ok := asyncConfigs.m[target]; ok {
		if have.retries != want.retries || have.age != want.age {
			p.Addf("RetryAttempts %s and MaxEventAge %ss differ from the %s and %ss that %s gave the same function %s (a function has one asynchronous-invoke configuration: give both the same values)",
				Num(want.retries), Num(want.age), Num(have.retries), Num(have.age), have.by, Path(BaseFunction(fn)))
		}
		for _, d := range []struct{ field, want, have, none string }{
			{"OnSuccess", want.onSuccess, have.onSuccess, "none"},
			{"OnFailure", want.onFailure, have.onFailure, "its dead-letter queue"},
		} {
			if d.want != d.have {
				p.Addf("%s %s differs from %s, which %s gave the same function %s (a function has one asynchronous-invoke configuration: give both the same destination)",
					d.field, orNone(d.want, d.none), orNone(d.have, d.none), have.by, Path(BaseFunction(fn)))
			}
		}
		return have.dlq
	}
	if target.Node().TryFindChild(jsii.String("EventInvokeConfig")) != nil {
		p.Addf("Function %s already has an asynchronous-invoke configuration (ConfigureAsyncInvoke was called on it elsewhere): a function has one; remove the other call and let this construct configure it", Path(target))
		return deadLetterQueue
	}
	onFailure := awslambda.IDestination(awslambdadestinations.NewSqsDestination(deadLetterQueue))
	if a.OnFailure != nil {
		onFailure = a.OnFailure.bind()
	}
	opts := &awslambda.EventInvokeConfigOptions{
		RetryAttempts: a.RetryAttempts,
		MaxEventAge:   a.MaxEventAge,
		OnFailure:     onFailure,
	}
	if a.OnSuccess != nil {
		opts.OnSuccess = a.OnSuccess.bind()
	}
	target.ConfigureAsyncInvoke(opts)
	nag.AsyncFailureDestination(BaseFunction(fn))
	for _, q := range []awssqs.IQueue{failureQueue(a, deadLetterQueue), successQueue(a)} {
		if q != nil && q.EncryptionMasterKey() != nil {
			nag.QueueKeyGrant(nag.DefaultPolicy(BaseFunction(fn).Role()))
		}
	}
	asyncConfigs.m[target] = want
	return deadLetterQueue
}

func orNone(key, none string) string {
	if key == "" {
		return none
	}
	return key
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

// failureQueue is the queue a's failed events go to: a.OnFailure's queue,
// or deadLetterQueue when a has no OnFailure; nil for another kind of
// destination.
func failureQueue(a AsyncInvoke, deadLetterQueue awssqs.IQueue) awssqs.IQueue {
	if a.OnFailure == nil {
		return deadLetterQueue
	}
	return a.OnFailure.Queue
}

// successQueue is a.OnSuccess's queue, nil when it is none.
func successQueue(a AsyncInvoke) awssqs.IQueue {
	if a.OnSuccess == nil {
		return nil
	}
	return a.OnSuccess.Queue
}
