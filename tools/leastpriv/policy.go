package leastpriv

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Grant is one action a role's policies allow on one resource.
type Grant struct {
	// Action is as written in the statement: "dynamodb:PutItem".
	Action string
	// Resource is as in the template: "*", {"Fn::GetAtt": ["Queue", "Arn"]}, ...
	Resource any
	// Policy names the policy that grants it: an AWS::IAM::Policy's logical
	// ID, or "<role>.Policies[<i>]" for an inline policy of the role.
	Policy string
	// Platform says why the Lambda service needs the grant to run this
	// function ("event source KitchenQueue...Arn"), "" when only the
	// function's code can use it.
	Platform string
}

// Grants is what a function's execution role allows, from a template.
type Grants struct {
	// Role and Function are the logical IDs of the role and the function.
	Role, Function string
	// Grants are the role's allowed (action, resource) pairs, in template order.
	Grants []Grant
	// Problems are what the check cannot accept in the role whatever the code
	// does: wildcard or Not* statements, managed policies, "Resource": "*"
	// for an action that supports resource-level permissions.
	Problems []string
	// KeyNeeds are what the role's write grants imply on KMS keys: the
	// customer managed key of each topic or queue it may write to (see
	// KeyNeed). Check adds a code write's key actions to the code's needs; a
	// platform write's key grants are the platform's.
	KeyNeeds []KeyNeed
}

// platformRule is a grant the Lambda service needs, not the code.
type platformRule struct {
	actions  []string
	resource any // as the template spells the ARN
	why      string
}

// RoleGrants collects what role roleID allows and which of it function
// functionID needs for the platform, from template (a CloudFormation
// template as JSON-decoded by encoding/json, such as assertions.Template's
// ToJSON). It reads every AWS::IAM::Policy and AWS::IAM::ManagedPolicy whose
// Roles has {"Ref": roleID}, and the role's own inline Policies.
//
// A grant is the platform's, by rule, when its action and resource are:
//   - logs:CreateLogStream, logs:PutLogEvents on the function's log group
//     (its LoggingConfig.LogGroup);
//   - xray:PutTraceSegments, xray:PutTelemetryRecords on "*" when the
//     function's TracingConfig.Mode is Active;
//   - for each AWS::Lambda::EventSourceMapping of the function: on an
//     AWS::SQS::Queue source, sqs:ReceiveMessage, sqs:ChangeMessageVisibility,
//     sqs:GetQueueUrl, sqs:DeleteMessage, sqs:GetQueueAttributes on that
//     queue; on a stream source (one with a StartingPosition, other than an
//     AWS::Kinesis::Stream), dynamodb:DescribeStream, dynamodb:GetRecords,
//     dynamodb:GetShardIterator on that stream and dynamodb:ListStreams on
//     "*"; and its DestinationConfig.OnFailure destination;
//   - for the function's AWS::Lambda::EventInvokeConfig, its OnFailure and
//     OnSuccess destinations;
//   - a destination that is an AWS::SQS::Queue: sqs:SendMessage,
//     sqs:GetQueueAttributes, sqs:GetQueueUrl on it; an AWS::SNS::Topic:
//     sns:Publish; an AWS::Lambda::Function: lambda:InvokeFunction; an
//     AWS::Events::EventBus: events:PutEvents.
//
// The same action on another resource is the code's: sqs:SendMessage on the
// dead-letter queue is the platform's, on the work queue the code's.
//
// A write granted on a topic or queue of the template encrypted with a
// customer managed key (KmsMasterKeyId) gives a KeyNeed: kms:Decrypt and
// kms:GenerateDataKey on that key. When the write is a platform grant, so
// are the role's grants of those actions on that key. A wildcard action is
// a problem, except kms:GenerateDataKey* on such a key (the form of the
// SNS guide and of the CDK's key grants).
func RoleGrants(template map[string]any, roleID, functionID string) (*Grants, error) {
	res, _ := template["Resources"].(map[string]any)
	typeOf := func(id string) string {
		r, _ := res[id].(map[string]any)
		t, _ := r["Type"].(string)
		return t
	}
	propsOf := func(id string) map[string]any {
		r, _ := res[id].(map[string]any)
		p, _ := r["Properties"].(map[string]any)
		return p
	}
	if t := typeOf(roleID); t != "AWS::IAM::Role" {
		return nil, fmt.Errorf("role %s: got type %q, want AWS::IAM::Role", roleID, t)
	}
	if t := typeOf(functionID); t != "AWS::Lambda::Function" {
		return nil, fmt.Errorf("function %s: got type %q, want AWS::Lambda::Function", functionID, t)
	}
	g := &Grants{Role: roleID, Function: functionID}

	rules := platformRules(functionID, propsOf(functionID), res, typeOf)
	var wild []wildcard

	addDocument := func(policy string, doc any) {
		d, _ := doc.(map[string]any)
		for i, s := range asList(d["Statement"]) {
			st, _ := s.(map[string]any)
			where := fmt.Sprintf("%s statement %d", policy, i)
			if st["Effect"] != "Allow" {
				continue // a Deny only narrows what is allowed
			}
			for _, k := range []string{"NotAction", "NotResource", "NotPrincipal"} {
				if _, ok := st[k]; ok {
					g.Problems = append(g.Problems, fmt.Sprintf("%s uses %s: cannot be checked, list what is allowed", where, k))
				}
			}
			for _, a := range asList(st["Action"]) {
				action, _ := a.(string)
				if strings.ContainsAny(action, "*?") {
					wild = append(wild, wildcard{where: where, action: action, resources: asList(st["Resource"])})
				}
				for _, r := range asList(st["Resource"]) {
					gr := Grant{Action: action, Resource: r, Policy: policy}
					for _, rule := range rules {
						if containsFold(rule.actions, action) && reflect.DeepEqual(rule.resource, r) {
							gr.Platform = rule.why
							break
						}
					}
					if r == "*" && !unscopedActions[action] {
						g.Problems = append(g.Problems, fmt.Sprintf("%s allows %s on \"*\": scope it to the resources the code uses", where, action))
					}
					g.Grants = append(g.Grants, gr)
				}
			}
		}
	}

	for i, p := range asList(propsOf(roleID)["Policies"]) {
		pm, _ := p.(map[string]any)
		addDocument(fmt.Sprintf("%s.Policies[%d]", roleID, i), pm["PolicyDocument"])
	}
	for _, m := range asList(propsOf(roleID)["ManagedPolicyArns"]) {
		g.Problems = append(g.Problems, fmt.Sprintf("role %s has the managed policy %s: its actions cannot be checked", roleID, Render(m)))
	}
	ids := make([]string, 0, len(res))
	for id := range res {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if t := typeOf(id); t != "AWS::IAM::Policy" && t != "AWS::IAM::ManagedPolicy" {
			continue
		}
		p := propsOf(id)
		attached := false
		for _, r := range asList(p["Roles"]) {
			attached = attached || refID(r) == roleID
		}
		if attached {
			addDocument(id, p["PolicyDocument"])
		}
	}
	g.KeyNeeds = keyNeeds(g.Grants, res, typeOf, propsOf)
	keyPlatform(g, wild)
	return g, nil
}

// platformRules derives the grants the Lambda service needs for function
// fnID (with properties fn) from the template's resources.
func platformRules(fnID string, fn map[string]any, res map[string]any, typeOf func(string) string) []platformRule {
	var rules []platformRule
	if lc, ok := fn["LoggingConfig"].(map[string]any); ok {
		if lg := refID(lc["LogGroup"]); lg != "" {
			rules = append(rules, platformRule{
				actions:  []string{"logs:CreateLogStream", "logs:PutLogEvents"},
				resource: map[string]any{"Fn::GetAtt": []any{lg, "Arn"}},
				why:      "own log group " + lg,
			})
		}
	}
	if tc, ok := fn["TracingConfig"].(map[string]any); ok && tc["Mode"] == "Active" {
		rules = append(rules, platformRule{
			actions:  []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
			resource: "*",
			why:      "active tracing",
		})
	}
	destination := func(dest any, what string) {
		if dest == nil {
			return
		}
		var actions []string
		switch typeOf(refID(dest)) {
		case "AWS::SQS::Queue":
			actions = []string{"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
		case "AWS::SNS::Topic":
			actions = []string{"sns:Publish"}
		case "AWS::Lambda::Function":
			actions = []string{"lambda:InvokeFunction"}
		case "AWS::Events::EventBus":
			actions = []string{"events:PutEvents"}
		default:
			return // not modelled: its grants show up as the code's
		}
		rules = append(rules, platformRule{actions: actions, resource: dest, why: what + " " + Render(dest)})
	}
	ids := make([]string, 0, len(res))
	for id := range res {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r, _ := res[id].(map[string]any)
		p, _ := r["Properties"].(map[string]any)
		if refID(p["FunctionName"]) != fnID {
			continue
		}
		dc, _ := p["DestinationConfig"].(map[string]any)
		onFailure, _ := dc["OnFailure"].(map[string]any)
		onSuccess, _ := dc["OnSuccess"].(map[string]any)
		switch typeOf(id) {
		case "AWS::Lambda::EventSourceMapping":
			src := p["EventSourceArn"]
			switch _, stream := p["StartingPosition"]; {
			case typeOf(refID(src)) == "AWS::SQS::Queue":
				rules = append(rules, platformRule{
					actions:  []string{"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
					resource: src,
					why:      "event source " + Render(src),
				})
			case stream && typeOf(refID(src)) != "AWS::Kinesis::Stream":
				rules = append(rules, platformRule{
					actions:  []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
					resource: src,
					why:      "stream event source " + Render(src),
				}, platformRule{
					actions:  []string{"dynamodb:ListStreams"},
					resource: "*",
					why:      "stream event source " + Render(src),
				})
			}
			destination(onFailure["Destination"], "event source on-failure destination")
		case "AWS::Lambda::EventInvokeConfig":
			destination(onFailure["Destination"], "async on-failure destination")
			destination(onSuccess["Destination"], "async on-success destination")
		}
	}
	return rules
}

// refID returns the logical ID in {"Ref": id} or {"Fn::GetAtt": [id, attr]}, or "".
func refID(v any) string {
	m, _ := v.(map[string]any)
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
		id, _ := ga[0].(string)
		return id
	}
	return ""
}

// asList returns v as a list: a JSON array as is, a single value as a list of one.
func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Render writes a template value short: "Queue.Arn" for a GetAtt, the
// logical ID for a Ref, the parts of a Join joined, "Stack:Output" for a
// cross-stack reference; JSON for anything else.
func Render(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = Render(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		if len(v) == 1 {
			if r, ok := v["Ref"].(string); ok {
				return r
			}
			if ga, ok := v["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
				return Render(ga[0]) + "." + Render(ga[1])
			}
			if j, ok := v["Fn::Join"].([]any); ok && len(j) == 2 {
				sep, _ := j[0].(string)
				parts := asList(j[1])
				s := make([]string, len(parts))
				for i, p := range parts {
					s[i] = Render(p)
				}
				return strings.Join(s, sep)
			}
			if o, ok := v["Fn::GetStackOutput"].(map[string]any); ok {
				return Render(o["StackName"]) + ":" + Render(o["OutputName"])
			}
			if iv, ok := v["Fn::ImportValue"]; ok {
				return "import:" + Render(iv)
			}
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}
