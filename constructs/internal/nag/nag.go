// Package nag records the constructs' cdk-nag suppressions in one place:
// each says which rule does not apply to which resource, and why. Tests in
// test/ check that every suppression is still needed (the finding appears
// when suppressions are ignored).
package nag

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Suppress records that rule does not apply to one resource, for reason:
// scope's default child (the L1 of an L2), or scope itself when it has none.
// Children are left alone, so no suppression lands where it is not needed.
// appliesTo narrows it to findings of that rule with these IDs, e.g.
// "Resource::*".
func Suppress(scope constructs.IConstruct, rule, reason string, appliesTo ...string) {
	target := scope
	if dc := scope.Node().DefaultChild(); dc != nil {
		target = dc
	}
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		list := make([]interface{}, len(appliesTo))
		for i, a := range appliesTo {
			list[i] = a
		}
		s.AppliesTo = &list
	}
	cdknag.NagSuppressions_AddResourceSuppressions(target, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(false))
}

// DeadLetterQueue returns a new encrypted (SSE-SQS), TLS-only queue to serve
// as a dead-letter queue, with retention (default 14 days, the SQS maximum).
// A dead-letter queue has no dead-letter queue of its own: that would only
// move the problem. redriveTarget says whether the queue is the target of an
// SQS redrive policy (cdk-nag then recognises it as a DLQ) or the destination
// of a Lambda, EventBridge or event source mapping failure (it does not).
func DeadLetterQueue(scope constructs.Construct, id string, retention awscdk.Duration, redriveTarget bool) awssqs.Queue {
	if retention == nil {
		retention = awscdk.Duration_Days(jsii.Number(14))
	}
	q := awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: retention,
	})
	Suppress(q, "Serverless-SQSRedrivePolicy", "This queue is a dead-letter queue; messages that land here are inspected and redriven by an operator.")
	if !redriveTarget {
		Suppress(q, "AwsSolutions-SQS3", "This queue is a dead-letter queue (failure destination of a Lambda invocation, an event source mapping or an EventBridge target), which cdk-nag only recognises through SQS redrive policies.")
	}
	return q
}

// DefaultPolicy returns the default policy of role, where grants land, or
// nil when role is nil or has none yet.
func DefaultPolicy(role constructs.IConstruct) constructs.IConstruct {
	if role == nil {
		return nil
	}
	return role.Node().TryFindChild(jsii.String("DefaultPolicy"))
}

// NotAsyncInvoked records that a function is never invoked asynchronously
// (by how), so a Lambda dead-letter queue would never receive anything.
func NotAsyncInvoked(fn constructs.IConstruct, how string) {
	Suppress(fn, "Serverless-LambdaDLQ", "Not invoked asynchronously: "+how+".")
}

// AsyncFailureDestination records that a function's asynchronous failures
// go to an on-failure destination, which supersedes DeadLetterConfig (it
// also carries the error and the request context).
func AsyncFailureDestination(fn constructs.IConstruct) {
	Suppress(fn, "Serverless-LambdaDLQ", "Asynchronous invocation failures go to an on-failure destination (AWS::Lambda::EventInvokeConfig), the successor of DeadLetterConfig.")
}
