// Package leastpriv checks that a Lambda function's execution role allows
// exactly the AWS API actions its code calls: no call without its grant, no
// grant without a call. Run by make test: test/leastprivilege_test.go checks
// every function of the app with it.
//
// The two sides come from the artifacts, not from a list someone keeps:
//
//   - Analyze reads the function's Go code (go/packages, go/types, go/ssa)
//     and finds the aws-sdk-go-v2 operations reachable from its main: every
//     call whose callee takes a *<Op>Input of a service package, and every
//     New<Op>Paginator. Action maps each to its IAM action, with a small
//     table of the documented exceptions (sqs:SendMessageBatch is
//     authorized as sqs:SendMessage).
//   - RoleGrants reads the synthesized CloudFormation template: the policies
//     attached to the function's role, and, by rule, which of their grants
//     the Lambda service needs rather than the code (own log group, X-Ray,
//     event source mapping, destinations).
//
// Check compares the two at the level of actions: whether the resources
// are the right ones is the stack tests' business (the code names its
// table or queue at run time, from the environment). It reports "*"
// resources on actions that support resource-level permissions.
//
// The package imports neither awscdk nor jsii: it works on the template's
// JSON, so its own tests need no synth.
package leastpriv

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// Result is the comparison of one function's code with its role.
type Result struct {
	// Function is the main package's import path.
	Function string
	// Needs are the actions the code needs, each with the sites that need it.
	Needs map[string][]string
	// Granted are the actions the role allows for the code (platform grants
	// left out), each with the resources it is allowed on, rendered.
	Granted map[string][]string
	// Platform are the grants the Lambda service needs, excluded by rule.
	Platform []Grant
	// Missing are the needed actions no code grant allows, sorted.
	Missing []string
	// Unused are the code grants no call needs, sorted.
	Unused []string
	// Problems are the role's defects whatever the code (see Grants.Problems).
	Problems []string
}

// OK reports whether the role is least privilege for the code.
func (r *Result) OK() bool {
	return len(r.Missing) == 0 && len(r.Unused) == 0 && len(r.Problems) == 0
}

// Check compares what code needs with what g allows for it. A platform
// grant never stands in for a code need: a role that lets the function send
// to its dead-letter queue does not thereby let its code send to the work
// queue. Actions compare without regard to case; a wildcard grant (itself a
// problem) allows the actions it matches.
//
// The code's needs include the key actions of g's KeyNeeds whose write the
// code needs (publishing to a topic encrypted with a customer managed key
// needs kms:Decrypt and kms:GenerateDataKey on it), each with the site
// "key <key> of <resource> (<write>)".
func Check(code *Code, g *Grants) Result {
	r := Result{
		Function: code.Package,
		Needs:    code.Needs(),
		Granted:  map[string][]string{},
		Problems: append([]string(nil), g.Problems...),
	}
	for _, kn := range g.KeyNeeds {
		if kn.Platform != "" {
			continue
		}
		if !slices.ContainsFunc(slices.Collect(maps.Keys(r.Needs)), func(need string) bool { return strings.EqualFold(need, kn.For) }) {
			continue
		}
		site := "key " + Render(kn.Key) + " of " + Render(kn.Resource) + " (" + kn.For + ")"
		for _, a := range kn.Actions {
			if !slices.Contains(r.Needs[a], site) {
				r.Needs[a] = append(r.Needs[a], site)
			}
		}
	}
	for _, gr := range g.Grants {
		if gr.Platform != "" {
			r.Platform = append(r.Platform, gr)
			continue
		}
		res := Render(gr.Resource)
		if !slices.Contains(r.Granted[gr.Action], res) {
			r.Granted[gr.Action] = append(r.Granted[gr.Action], res)
		}
	}
	needs, granted := sortedKeys(r.Needs), sortedKeys(r.Granted)
	for _, need := range needs {
		if !slices.ContainsFunc(granted, func(grant string) bool { return matches(grant, need) }) {
			r.Missing = append(r.Missing, need)
		}
	}
	for _, grant := range granted {
		if !slices.ContainsFunc(needs, func(need string) bool { return matches(grant, need) }) {
			r.Unused = append(r.Unused, grant)
		}
	}
	return r
}

// matches reports whether a granted action (maybe with wildcards) allows action.
func matches(grant, action string) bool {
	ok, err := path.Match(strings.ToLower(grant), strings.ToLower(action))
	return err == nil && ok
}

// Report writes r for a human: the calls found, what they need, what the
// role grants for the code and for the platform, and the differences.
func (r *Result) Report(code *Code) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", r.Function)
	fmt.Fprintf(&b, "  reads:    %s\n", strings.ReplaceAll(strings.Join(code.ModulePackages, ", "), code.Module+"/", ""))
	if len(code.Calls) == 0 {
		fmt.Fprintf(&b, "  calls:    (none)\n")
	}
	for _, c := range code.Calls {
		fmt.Fprintf(&b, "  calls:    %-30s %s in %s\n", c.Service+"."+c.Operation, c.Site, c.Caller)
	}
	for _, a := range sortedKeys(r.Needs) {
		fmt.Fprintf(&b, "  needs:    %-30s %s\n", a, strings.Join(r.Needs[a], ", "))
	}
	for _, a := range sortedKeys(r.Granted) {
		fmt.Fprintf(&b, "  granted:  %-30s on %s\n", a, strings.Join(r.Granted[a], ", "))
	}
	for _, g := range r.Platform {
		fmt.Fprintf(&b, "  platform: %-30s on %s (%s)\n", g.Action, Render(g.Resource), g.Platform)
	}
	fmt.Fprintf(&b, "  missing:  %s\n", orNone(r.Missing))
	fmt.Fprintf(&b, "  unused:   %s\n", orNone(r.Unused))
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  problem:  %s\n", p)
	}
	return b.String()
}

func sortedKeys(m map[string][]string) []string {
	return slices.Sorted(maps.Keys(m))
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, ", ")
}
