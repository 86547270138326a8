package leastpriv

import (
	"cmp"
	"slices"
)

// servicePrefixes maps an SDK service package name to its IAM service
// prefix where the two differ. Any other package's prefix is its name
// (dynamodb, sqs, s3, sns, lambda, kms, ssm, sts, ...).
var servicePrefixes = map[string]string{
	"cloudwatchlogs":  "logs",
	"dynamodbstreams": "dynamodb",
	"eventbridge":     "events",
	"sesv2":           "ses",
	"sfn":             "states",
}

// operationActions maps "<service package>:<Operation>" to the IAM action
// that authorizes it where that is not "<prefix>:<Operation>". Batch
// operations are authorized as their single-entry action, the S3 reads as
// the object or bucket action. Sources: the SQS developer guide ("Amazon SQS
// API permissions reference") and the S3 API reference ("Permissions"
// section of each operation).
var operationActions = map[string]string{
	"sqs:SendMessageBatch":             "sqs:SendMessage",
	"sqs:DeleteMessageBatch":           "sqs:DeleteMessage",
	"sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
	"s3:HeadObject":                    "s3:GetObject",
	"s3:ListObjectsV2":                 "s3:ListBucket",
}

// fieldActions: reading a given object version (VersionId set) is
// authorized as s3:GetObjectVersion, besides s3:GetObject (S3 API reference,
// GetObject and HeadObject, "Permissions"). Keyed by the store without its
// site: the action an operation needs besides its own when the code sets
// that field of its input.
var fieldActions = map[FieldSet]string{
	{Service: "s3", Input: "GetObjectInput", Field: "VersionId"}:  "s3:GetObjectVersion",
	{Service: "s3", Input: "HeadObjectInput", Field: "VersionId"}: "s3:GetObjectVersion",
}

// fieldAction returns the action fieldActions gives f ("" for none).
func fieldAction(f FieldSet) string {
	f.Site = ""
	return fieldActions[f]
}

// unscopedActions are the actions that support no resource-level
// permissions: a statement granting them must say "Resource": "*". Every
// other action must be granted on named resources.
var unscopedActions = map[string]bool{
	"xray:PutTraceSegments":    true,
	"xray:PutTelemetryRecords": true,
	"dynamodb:ListStreams":     true,
}

// Action returns the IAM action that authorizes operation op of the SDK
// service package svc: Action("sqs", "SendMessageBatch") is
// "sqs:SendMessage", Action("dynamodb", "PutItem") "dynamodb:PutItem".
func Action(svc, op string) string {
	if a, ok := operationActions[svc+":"+op]; ok {
		return a
	}
	return cmp.Or(servicePrefixes[svc], svc) + ":" + op
}

// Needs returns the IAM actions c's code needs, each with the sites that
// need it (sorted): the action of every call, and the actions of the input
// fields it sets (fieldActions) for the operations it calls.
func (c *Code) Needs() map[string][]string {
	needs := map[string][]string{}
	add := func(action, site string) {
		if !slices.Contains(needs[action], site) {
			needs[action] = append(needs[action], site)
		}
	}
	called := map[string]bool{}
	for _, call := range c.Calls {
		add(Action(call.Service, call.Operation), call.Site)
		called[call.Service+":"+call.Operation+"Input"] = true
	}
	for _, f := range c.Fields {
		if a := fieldAction(f); a != "" && called[f.Service+":"+f.Input] {
			add(a, f.Site)
		}
	}
	for _, sites := range needs {
		slices.Sort(sites)
	}
	return needs
}
