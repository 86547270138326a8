package eventsource

import (
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// invokeTargets maps a function to the alias its integrations invoke
// (SetInvokeTarget). Keyed by the Go value: jsii hands back the same value
// for the same object, and a construct path would collide between the apps
// of one test process.
var invokeTargets = struct {
	sync.Mutex
	m map[awslambda.IFunction]awslambda.IAlias
}{m: map[awslambda.IFunction]awslambda.IAlias{}}

// SetInvokeTarget records that every integration this library creates for fn
// (event source mappings, rule and schedule targets, subscriptions, routes,
// URLs, load balancer targets, asynchronous-invoke settings and invoke
// permissions) invokes alias instead of the unqualified function ($LATEST).
// gofunction calls it when it publishes a live alias; call it for a function
// of your own that has one.
func SetInvokeTarget(fn awslambda.IFunction, alias awslambda.IAlias) {
	invokeTargets.Lock()
	defer invokeTargets.Unlock()
	invokeTargets.m[fn] = alias
}

// InvokeTarget returns what an integration of fn invokes: the alias recorded
// with SetInvokeTarget, or fn itself (an alias or version given as fn is its
// own target).
func InvokeTarget(fn awslambda.IFunction) awslambda.IFunction {
	invokeTargets.Lock()
	defer invokeTargets.Unlock()
	if a, ok := invokeTargets.m[fn]; ok {
		return a
	}
	return fn
}

// BaseFunction returns the function behind fn: the function of an alias or
// version, fn itself otherwise. Its Timeout and construct path are the
// function's.
func BaseFunction(fn awslambda.IFunction) awslambda.IFunction {
	switch q := fn.(type) {
	case awslambda.IAlias:
		return q.Version().Lambda()
	case awslambda.IVersion:
		return q.Lambda()
	}
	return fn
}

// AllowInvoke lets an AWS service (principal, e.g. "sns.amazonaws.com")
// invoke InvokeTarget(fn) on behalf of one resource: lambda:InvokeFunction
// with the conditions aws:SourceArn = sourceArn and aws:SourceAccount =
// sourceAccount, the account that owns the source (nil: the account of
// scope's stack), so that no other account's resource of that service can
// use the grant (confused deputy). The permission (construct ID id) is
// defined under scope, the construct that wires the source.
func AllowInvoke(scope constructs.Construct, id string, fn awslambda.IFunction, principal string, sourceArn, sourceAccount *string) {
	if sourceAccount == nil {
		sourceAccount = awscdk.Stack_Of(scope).Account()
	}
	InvokeTarget(fn).AddPermission(jsii.String(id), &awslambda.Permission{
		Scope:         scope,
		Principal:     awsiam.NewServicePrincipal(jsii.String(principal), nil),
		SourceArn:     sourceArn,
		SourceAccount: sourceAccount,
	})
}

// SourceAccount returns the account of source (a resource of the app, or
// one imported by ARN) when it is known to differ from scope's stack's,
// and nil otherwise: the sourceAccount of AllowInvoke and
// AllowServiceToSend.
func SourceAccount(scope constructs.IConstruct, source awscdk.IResource) *string {
	if awscdk.Token_CompareStrings(source.Env().Account, awscdk.Stack_Of(scope).Account()) == awscdk.TokenComparison_DIFFERENT() {
		return source.Env().Account
	}
	return nil
}

// MappingKind names the kind of source of an event source mapping as the
// CDK's event sources name it in the mapping's construct ID
// ("SqsEventSource:<source unique ID>").
type MappingKind string

// The kinds of NewEventSourceMapping.
const (
	SQSMapping             MappingKind = "SqsEventSource"
	DynamoDBMapping        MappingKind = "DynamoDBEventSource"
	KinesisMapping         MappingKind = "KinesisEventSource"
	KinesisConsumerMapping MappingKind = "KinesisConsumerEventSource"
)

// NewEventSourceMapping defines, under scope with the construct ID
// "EventSourceMapping", the event source mapping of props.Target (taken as
// fn: the mapping invokes InvokeTarget(fn)) to source (the queue, table,
// stream or stream consumer whose ARN props.EventSourceArn holds), so that
// tags, dependencies and aspects on scope reach it.
//
// Its logical ID is the one fn.AddEventSource with the CDK's own event
// source of that kind gives the mapping ("<function path><kind><source
// unique ID><hash>"), when scope and fn are in one stack. Lambda allows one
// mapping per function and source: a mapping whose logical ID changed is
// created before the old one is deleted, and the deploy fails
// (ResourceConflictException, "An event source mapping with SQS arn ... and
// function ... already exists"), or, on a stream read from TRIM_HORIZON,
// two mappings read the stream twice. With the CDK's ID, a stack that
// consumed the source with fn.AddEventSource moves to this library's
// constructs, and to a live alias (the mapping's FunctionName changes in
// place, keeping its position in the stream), without either.
func NewEventSourceMapping(scope constructs.Construct, fn awslambda.IFunction, kind MappingKind, source constructs.IConstruct, props *awslambda.EventSourceMappingProps) awslambda.EventSourceMapping {
	p := *props
	p.Target = InvokeTarget(fn)
	m := awslambda.NewEventSourceMapping(scope, jsii.String("EventSourceMapping"), &p)
	base := BaseFunction(fn)
	stack := awscdk.Stack_Of(scope)
	if *awscdk.Stack_Of(base).Node().Path() == *stack.Node().Path() {
		id := string(kind) + ":" + *awscdk.Names_NodeUniqueId(source.Node())
		cfn := m.Node().DefaultChild().(awslambda.CfnEventSourceMapping)
		cfn.OverrideLogicalId(jsii.String(addEventSourceLogicalID(stack, base, id)))
	}
	return m
}

// addEventSourceLogicalID returns the logical ID the CDK gives the mapping
// fn.AddEventSource defines with construct ID id under fn: the default
// logical ID of a resource at <fn's path below stack>/<id>/Resource. It is
// computed by the CDK itself, in a throwaway app holding only that path, so
// it follows the CDK's algorithm exactly.
func addEventSourceLogicalID(stack awscdk.Stack, fn awslambda.IFunction, id string) string {
	rel := strings.TrimPrefix(*fn.Node().Path(), *stack.Node().Path()+"/")
	tmp := awscdk.NewStack(awscdk.NewApp(&awscdk.AppProps{AutoSynth: jsii.Bool(false)}), jsii.String("T"), nil)
	var scope constructs.Construct = tmp
	for _, c := range append(strings.Split(rel, "/"), id) {
		scope = constructs.NewConstruct(scope, jsii.String(c))
	}
	res := awscdk.NewCfnResource(scope, jsii.String("Resource"), &awscdk.CfnResourceProps{Type: jsii.String("AWS::Lambda::EventSourceMapping")})
	return *tmp.GetLogicalId(res)
}

// ReservedConcurrency returns fn's reserved concurrency when the app defines
// it: the ReservedConcurrentExecutions of fn's CfnFunction (or of the
// function behind an alias or version), however it was set, read at synth;
// not for an imported function or an unresolved token.
func ReservedConcurrency(fn awslambda.IFunction) (float64, bool) {
	cfn, ok := BaseFunction(fn).Node().DefaultChild().(awslambda.CfnFunction)
	if !ok || cfn == nil {
		return 0, false
	}
	v := cfn.ReservedConcurrentExecutions()
	if v == nil || *awscdk.Token_IsUnresolved(*v) {
		return 0, false
	}
	return *v, true
}
