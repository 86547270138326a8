package constructstest

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// invocationPath is a property of a resource type that names what the
// resource invokes: a dotted path, "[]" for each element of a list, and the
// property holding the qualifier when the type keeps it apart.
type invocationPath struct {
	path      string
	qualifier string
}

// invocationTypes are the resource types whose properties name a Lambda
// function to invoke, as UnqualifiedInvocations reads them.
var invocationTypes = map[string][]invocationPath{
	"AWS::Lambda::EventSourceMapping":          {{path: "FunctionName"}},
	"AWS::Lambda::Permission":                  {{path: "FunctionName"}},
	"AWS::Lambda::EventInvokeConfig":           {{path: "FunctionName", qualifier: "Qualifier"}},
	"AWS::Lambda::Url":                         {{path: "TargetFunctionArn", qualifier: "Qualifier"}},
	"AWS::Events::Rule":                        {{path: "Targets[].Arn"}},
	"AWS::Scheduler::Schedule":                 {{path: "Target.Arn"}},
	"AWS::SNS::Subscription":                   {{path: "Endpoint"}},
	"AWS::SNS::Topic":                          {{path: "Subscription[].Endpoint"}},
	"AWS::ApiGatewayV2::Integration":           {{path: "IntegrationUri"}},
	"AWS::ApiGateway::Method":                  {{path: "Integration.Uri"}},
	"AWS::ElasticLoadBalancingV2::TargetGroup": {{path: "Targets[].Id"}},
	"AWS::S3::Bucket":                          {{path: "NotificationConfiguration.LambdaConfigurations[].Function"}},
	"AWS::Logs::SubscriptionFilter":            {{path: "DestinationArn"}},
	"AWS::Pipes::Pipe":                         {{path: "Target"}},
	"AWS::AppSync::DataSource":                 {{path: "LambdaConfig.LambdaFunctionArn"}},
}

// UnqualifiedInvocations walks a synthesized template (Template.ToJSON())
// and returns, one line each, every invocation path that names a function
// unqualified, so that it invokes $LATEST instead of the function's alias:
// event source mappings, rule and schedule targets, SNS subscriptions,
// API Gateway integrations, function URLs, load balancer target groups,
// S3 notifications, log subscriptions, pipes, AppSync data sources, invoke
// permissions and asynchronous-invoke configurations whose function is a
// Ref or Fn::GetAtt Arn of an AWS::Lambda::Function with nothing after it
// (a Qualifier property of "$LATEST", or none, where the type has one).
// A reference followed by ":<qualifier>" (the alias name, or a version)
// counts as qualified.
//
// Functions checked: those with an AWS::Lambda::Alias in the template, or,
// with everyFunction, every function (one without an alias is then
// reported wherever it is invoked). A function of another stack, referenced
// through an export, is not seen: run it over each stack.
func UnqualifiedInvocations(template map[string]any, everyFunction bool) []string {
	resources, _ := template["Resources"].(map[string]any)
	aliases := map[string][]string{} // function logical ID -> "Alias (name)"
	functions := map[string]bool{}
	for id, r := range resources {
		res, _ := r.(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		switch res["Type"] {
		case "AWS::Lambda::Function":
			functions[id] = true
		case "AWS::Lambda::Alias":
			if fn := refTarget(props["FunctionName"]); fn != "" {
				aliases[fn] = append(aliases[fn], fmt.Sprintf("%s (%v)", id, props["Name"]))
			}
		}
	}
	var out []string
	ids := make([]string, 0, len(resources))
	for id := range resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		res, _ := resources[id].(map[string]any)
		typ, _ := res["Type"].(string)
		props, _ := res["Properties"].(map[string]any)
		for _, ip := range invocationTypes[typ] {
			if ip.qualifier != "" {
				// A qualifier other than $LATEST: a version or alias name, or an
				// expression naming one (the CDK writes an alias's as
				// Fn::Select of its ARN).
				if q, ok := props[ip.qualifier]; ok && q != nil && q != "$LATEST" {
					continue
				}
			}
			for _, v := range valuesAt(props, ip.path) {
				rendered := render(v.value)
				for fn := range functions {
					if !invokesUnqualified(rendered, fn) {
						continue
					}
					switch a := aliases[fn]; {
					case len(a) > 0:
						out = append(out, fmt.Sprintf("%s (%s) %s: invokes function %s unqualified ($LATEST), not its alias %s", id, typ, v.path, fn, strings.Join(a, ", ")))
					case everyFunction:
						out = append(out, fmt.Sprintf("%s (%s) %s: invokes function %s, which has no alias", id, typ, v.path, fn))
					}
				}
			}
		}
	}
	return out
}

// NoUnqualifiedInvocations fails the test when UnqualifiedInvocations finds
// any in stack's template (which it synthesizes: run cdk-nag, NagFindings,
// before it).
func NoUnqualifiedInvocations(t testing.TB, stack awscdk.Stack, everyFunction bool) {
	t.Helper()
	if got := UnqualifiedInvocations(*assertions.Template_FromStack(stack, nil).ToJSON(), everyFunction); len(got) > 0 {
		t.Errorf("got %d unqualified invocations, want none:\n%s", len(got), strings.Join(got, "\n"))
	}
}

// located is a value found at a path.
type located struct {
	path  string
	value any
}

// valuesAt returns the values at a dotted path ("Targets[].Arn") of props.
func valuesAt(props map[string]any, path string) []located {
	cur := []located{{path: "", value: props}}
	for _, part := range strings.Split(path, ".") {
		list := strings.HasSuffix(part, "[]")
		key := strings.TrimSuffix(part, "[]")
		var next []located
		for _, c := range cur {
			m, ok := c.value.(map[string]any)
			if !ok {
				continue
			}
			v, ok := m[key]
			if !ok {
				continue
			}
			p := strings.TrimPrefix(c.path+"."+key, ".")
			if !list {
				next = append(next, located{p, v})
				continue
			}
			items, _ := v.([]any)
			for i, item := range items {
				next = append(next, located{fmt.Sprintf("%s[%d]", p, i), item})
			}
		}
		cur = next
	}
	return cur
}

// render writes a template value as a string with "${Id}" for a Ref and
// "${Id.Attr}" for a Fn::GetAtt (Fn::Sub's notation), joining Fn::Join and
// keeping Fn::Sub's string; anything else is "${?}".
func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			return "${" + ref + "}"
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			return fmt.Sprintf("${%v.%v}", ga[0], ga[1])
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			parts, _ := j[1].([]any)
			s := make([]string, len(parts))
			for i, p := range parts {
				s[i] = render(p)
			}
			return strings.Join(s, sep)
		}
		if sub, ok := x["Fn::Sub"].(string); ok {
			return sub
		}
		if sub, ok := x["Fn::Sub"].([]any); ok && len(sub) > 0 {
			if s, ok := sub[0].(string); ok {
				return s
			}
		}
	}
	return "${?}"
}

// invokesUnqualified reports whether rendered names function fn (its Ref,
// the name, or its Arn) without a ":<qualifier>" after it.
func invokesUnqualified(rendered, fn string) bool {
	re := regexp.MustCompile(`\$\{` + regexp.QuoteMeta(fn) + `(\.Arn)?\}(.|$)`)
	for _, m := range re.FindAllStringSubmatch(rendered, -1) {
		if m[2] != ":" {
			return true
		}
	}
	return false
}

// refTarget is the logical ID a {"Ref": id} or {"Fn::GetAtt": [id, ...]}
// names, or "".
func refTarget(v any) string {
	m, _ := v.(map[string]any)
	if ref, ok := m["Ref"].(string); ok {
		return ref
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
		id, _ := ga[0].(string)
		return id
	}
	return ""
}

// PlainLogicalID returns the logical ID the CDK gives a resource at path
// below a stack ("Service/Api/Function/Resource") in a tree of plain
// constructs: what a construct that defines its resources at that path,
// through any Go type, must keep (a test pinning that deployed resources
// keep their logical IDs).
func PlainLogicalID(path string) string {
	stack := awscdk.NewStack(awscdk.NewApp(&awscdk.AppProps{AutoSynth: jsii.Bool(false)}), jsii.String("T"), nil)
	parts := strings.Split(path, "/")
	var scope constructs.Construct = stack
	for _, p := range parts[:len(parts)-1] {
		scope = constructs.NewConstruct(scope, jsii.String(p))
	}
	res := awscdk.NewCfnResource(scope, jsii.String(parts[len(parts)-1]), &awscdk.CfnResourceProps{Type: jsii.String("AWS::X::Y")})
	return *stack.GetLogicalId(res)
}
