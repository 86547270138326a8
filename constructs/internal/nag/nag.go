// Package nag records the constructs' cdk-nag suppressions in one place:
// each says which rule does not apply to which resource, and why. Tests in
// test/ check that every suppression is still needed (the finding appears
// when suppressions are ignored).
package nag

import (
	"strings"

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

// DefaultPolicy returns the policy of role where grants land: an
// awsiam.Role's "DefaultPolicy", or an imported mutable role's policy in
// this stack ("Policy", or "Policy<unique ID>" with the feature flag
// @aws-cdk/aws-iam:importedRoleStackSafeDefaultPolicyName). Nil when role is
// nil or has none yet.
func DefaultPolicy(role constructs.IConstruct) constructs.IConstruct {
	if role == nil {
		return nil
	}
	if p := role.Node().TryFindChild(jsii.String("DefaultPolicy")); p != nil {
		return p
	}
	for _, child := range *role.Node().Children() {
		if strings.HasPrefix(*child.Node().Id(), "Policy") {
			return child
		}
	}
	return nil
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

// QueueKeyGrant records that policy (a function role's default policy; nil:
// nothing to record) holds the grant the CDK's SQS destination makes on a
// queue's customer managed key: kms:GenerateDataKey* and kms:ReEncrypt*, on
// that key's ARN only.
func QueueKeyGrant(policy constructs.IConstruct) {
	if policy == nil {
		return
	}
	Suppress(policy, "AwsSolutions-IAM5", "The CDK's grant to send to a queue encrypted with a customer managed key (the on-failure or on-success destination): kms:GenerateDataKey* and kms:ReEncrypt* on that key's ARN only.",
		"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*")
}
