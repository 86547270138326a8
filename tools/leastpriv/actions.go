package leastpriv

import "sort"

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

// fieldAction is an action an operation needs besides its own when the code
// sets a field of its input.
type fieldAction struct {
	Service, Input, Field string
	Action                string
}

// fieldActions: reading a given object version (VersionId set) is
// authorized as s3:GetObjectVersion, besides s3:GetObject (S3 API reference,
// GetObject and HeadObject, "Permissions").
var fieldActions = []fieldAction{
	{Service: "s3", Input: "GetObjectInput", Field: "VersionId", Action: "s3:GetObjectVersion"},
	{Service: "s3", Input: "HeadObjectInput", Field: "VersionId", Action: "s3:GetObjectVersion"},
}

func hasFieldAction(f FieldSet) bool {
	for _, fa := range fieldActions {
		if fa.Service == f.Service && fa.Input == f.Input && fa.Field == f.Field {
			return true
		}
	}
	return false
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
	prefix := svc
	if p, ok := servicePrefixes[svc]; ok {
		prefix = p
	}
	return prefix + ":" + op
}

// Needs returns the IAM actions c's code needs, each with the sites that
// need it (sorted): the action of every call, and the actions of the input
// fields it sets (fieldActions) for the operations it calls.
func (c *Code) Needs() map[string][]string {
	needs := map[string][]string{}
	add := func(action, site string) {
		for _, s := range needs[action] {
			if s == site {
				return
			}
		}
		needs[action] = append(needs[action], site)
	}
	called := map[string]bool{}
	for _, call := range c.Calls {
		add(Action(call.Service, call.Operation), call.Site)
		called[call.Service+":"+call.Operation+"Input"] = true
	}
	for _, f := range c.Fields {
		for _, fa := range fieldActions {
			if fa.Service == f.Service && fa.Input == f.Input && fa.Field == f.Field && called[f.Service+":"+f.Input] {
				add(fa.Action, f.Site)
			}
		}
	}
	for _, sites := range needs {
		sort.Strings(sites)
	}
	return needs
}
