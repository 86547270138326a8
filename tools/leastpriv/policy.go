package leastpriv

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/example/orderflow/tools/assembly"
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
	t, err := assembly.FromMap(template)
	if err != nil {
		return nil, err
	}
	typeOf := func(id string) string { return t.Resources[id].Type }
	propsOf := func(id string) map[string]any { return t.Resources[id].Properties }
	if t := typeOf(roleID); t != "AWS::IAM::Role" {
		return nil, fmt.Errorf("role %s: got type %q, want AWS::IAM::Role", roleID, t)
	}
	if t := typeOf(functionID); t != "AWS::Lambda::Function" {
		return nil, fmt.Errorf("function %s: got type %q, want AWS::Lambda::Function", functionID, t)
	}
	g := &Grants{Role: roleID, Function: functionID}

	rules := platformRules(functionID, t)
	var wild []wildcard

	addDocument := func(policy string, doc any) {
		d, _ := doc.(map[string]any)
		for i, s := range assembly.List(d["Statement"]) {
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
			for _, a := range assembly.List(st["Action"]) {
				action, _ := a.(string)
				if strings.ContainsAny(action, "*?") {
					wild = append(wild, wildcard{where: where, action: action, resources: assembly.List(st["Resource"])})
				}
				for _, r := range assembly.List(st["Resource"]) {
					gr := Grant{Action: action, Resource: r, Policy: policy}
					for _, rule := range rules {
						if slices.ContainsFunc(rule.actions, func(a string) bool { return strings.EqualFold(a, action) }) && reflect.DeepEqual(rule.resource, r) {
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

	for i, p := range assembly.List(propsOf(roleID)["Policies"]) {
		pm, _ := p.(map[string]any)
		addDocument(fmt.Sprintf("%s.Policies[%d]", roleID, i), pm["PolicyDocument"])
	}
	for _, m := range assembly.List(propsOf(roleID)["ManagedPolicyArns"]) {
		g.Problems = append(g.Problems, fmt.Sprintf("role %s has the managed policy %s: its actions cannot be checked", roleID, Render(m)))
	}
	for _, id := range t.LogicalIDs() {
		if t := typeOf(id); t != "AWS::IAM::Policy" && t != "AWS::IAM::ManagedPolicy" {
			continue
		}
		p := propsOf(id)
		if slices.ContainsFunc(assembly.List(p["Roles"]), func(r any) bool { return assembly.RefID(r) == roleID }) {
			addDocument(id, p["PolicyDocument"])
		}
	}
	g.KeyNeeds = keyNeeds(g.Grants, t)
	keyPlatform(g, wild)
	return g, nil
}

// destinationActions are what the Lambda service needs to deliver to a
// destination of each type; another type is not modelled (its grants show
// up as the code's).
var destinationActions = map[string][]string{
	"AWS::SQS::Queue":       {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"},
	"AWS::SNS::Topic":       {"sns:Publish"},
	"AWS::Lambda::Function": {"lambda:InvokeFunction"},
	"AWS::Events::EventBus": {"events:PutEvents"},
}

// platformRules derives the grants the Lambda service needs for function
// fnID from the template's resources.
func platformRules(fnID string, t *assembly.Template) []platformRule {
	typeOf := func(id string) string { return t.Resources[id].Type }
	fn := t.Resources[fnID].Properties
	var rules []platformRule
	if lc, ok := fn["LoggingConfig"].(map[string]any); ok {
		if lg := assembly.RefID(lc["LogGroup"]); lg != "" {
			rules = append(rules, platformRule{
				actions:  []string{"logs:CreateLogStream", "logs:PutLogEvents"},
				resource: assembly.GetAttOf(lg, "Arn"),
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
		if actions := destinationActions[typeOf(assembly.RefID(dest))]; dest != nil && actions != nil {
			rules = append(rules, platformRule{actions: actions, resource: dest, why: what + " " + Render(dest)})
		}
	}
	for _, id := range t.LogicalIDs() {
		p := t.Resources[id].Properties
		if assembly.FunctionOf(t, p["FunctionName"]) != fnID {
			continue
		}
		dc, _ := p["DestinationConfig"].(map[string]any)
		onFailure, _ := dc["OnFailure"].(map[string]any)
		onSuccess, _ := dc["OnSuccess"].(map[string]any)
		switch typeOf(id) {
		case "AWS::Lambda::EventSourceMapping":
			src := p["EventSourceArn"]
			switch _, stream := p["StartingPosition"]; {
			case typeOf(assembly.RefID(src)) == "AWS::SQS::Queue":
				rules = append(rules, platformRule{
					actions:  []string{"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
					resource: src,
					why:      "event source " + Render(src),
				})
			case stream && typeOf(assembly.RefID(src)) != "AWS::Kinesis::Stream":
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

// Render writes a template value short: "Queue.Arn" for a GetAtt, the
// logical ID for a Ref, the parts of a Join joined, "Stack:Output" for a
// cross-stack reference; JSON for anything else.
func Render(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = Render(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	if c, ok := assembly.CallOf(v); ok {
		if id, attr, ok := c.Target(); ok {
			return strings.TrimSuffix(id+"."+attr, ".")
		}
		sep, parts, pair := c.Pair()
		stack, output, _, isOutput := c.StackOutput()
		switch {
		case c.Fn == assembly.Join && pair:
			s := make([]string, len(assembly.List(parts)))
			for i, p := range assembly.List(parts) {
				s[i] = Render(p)
			}
			return strings.Join(s, Render(sep))
		case isOutput:
			return Render(stack) + ":" + Render(output)
		case c.Fn == assembly.ImportValue:
			return "import:" + Render(c.Arg)
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}
