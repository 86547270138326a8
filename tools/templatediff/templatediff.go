// Package templatediff compares CloudFormation templates of a stack the way
// `cdk diff` does, with the CDK's own diff library
// (@aws-cdk/cloudformation-diff, pinned in package.json, run by Node from
// diff.cjs): the changes per resource with their impact (replace, destroy,
// orphan), then the security-relevant part:
//
//   - the library's security report: IAM statement changes (identity and
//     resource policies, trust policies, Lambda permissions), managed
//     policies, security group rules;
//   - stateful resources (the CDK resource database's list) replaced,
//     destroyed or orphaned, and their protection weakened (deletion
//     policy, deletion protection, a retention shortened);
//   - what the library does not report (security.go): encryption turned off
//     or changed; public access (a statement for any principal without a
//     condition, a bucket's public access block, an API route or function
//     URL without authorization, a public database); cdk-nag rules newly
//     suppressed.
//
// Templates are JSON-decoded values (map[string]any, []any, string, float64,
// bool). Run by make test (TestSnapshot in test/), make snapshots, and
// tools/cmd/templatediff (go run ./tools/cmd/templatediff OLD NEW). Needs
// Node and `npm ci` (make deps).
package templatediff

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"

	"github.com/example/orderflow/tools/findup"
)

//go:embed diff.cjs
var script string

// Pair is the old and the new template of one stack; either may be nil (a
// new stack, a stack removed). Its JSON is what diff.cjs reads.
type Pair struct {
	Name string         `json:"name"`
	Old  map[string]any `json:"old"`
	New  map[string]any `json:"new"`
}

// Result is the difference between the two templates of a pair.
type Result struct {
	Name  string `json:"name"`
	Empty bool   `json:"empty"`
	// Added, Removed, Changed count the entries of every section
	// (resources, outputs, parameters, ...) and top-level values.
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
	// Broadened: an Allow statement, managed policy or security group
	// rule added, or a Deny statement removed (the library's
	// permissionsBroadened).
	Broadened bool `json:"broadened"`
	// Text is the library's diff (formatDifferences), Security its
	// security report (formatSecurityChanges), "" when it has none.
	Text     string `json:"text"`
	Security string `json:"security"`
	// Resources are the changed resources.
	Resources []Resource `json:"resources"`
	// Statements are the IAM statements added.
	Statements []Statement `json:"statements"`
	// Findings are the stateful changes and the checks the library does
	// not make, ordered by class and message.
	Findings []Finding `json:"-"`
}

// Resource is a changed resource as the library sees it.
type Resource struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	// Impact is the library's ResourceImpact: WILL_CREATE, WILL_UPDATE,
	// WILL_REPLACE, MAY_REPLACE, WILL_DESTROY, WILL_ORPHAN, ...
	Impact string `json:"impact"`
	// Stateful: the CDK's resource database marks the type as holding data.
	Stateful bool `json:"stateful"`
	// ReplacedBy are the properties whose change replaces it ("Type" for
	// a type change).
	ReplacedBy []string `json:"replacedBy"`
}

// Statement is an IAM statement the change adds, intrinsics rendered.
type Statement struct {
	Effect     string   `json:"effect"`
	Principals []string `json:"principals"`
	Actions    []string `json:"actions"`
	Resources  []string `json:"resources"`
	Condition  any      `json:"condition"`
}

// DataLoss returns the findings that replace, delete or orphan a stateful
// resource.
func (r *Result) DataLoss() []Finding {
	return slices.DeleteFunc(slices.Clone(r.Findings), func(f Finding) bool { return !f.DataLoss })
}

// Broadening reports whether the change widens access, weakens a
// protection or loses data.
func (r *Result) Broadening() bool {
	return r.Broadened || slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Broadening })
}

// Format writes the library's diff.
func (r *Result) Format(w io.Writer) { io.WriteString(w, r.Text) }

// FormatSecurity writes the library's security report, then the findings,
// one a line, marked "+" when it widens access or weakens protection, "!"
// when it loses stateful data, "-" when it narrows access, "~" otherwise:
//
//	[stateful] ! AWS::DynamoDB::Table OrdersA9B65338 is replaced (KeySchema changed): ...
//	[encryption] + AWS::SQS::Queue Q SqsManagedSseEnabled: true -> false (encryption turned off)
func (r *Result) FormatSecurity(w io.Writer) {
	io.WriteString(w, r.Security)
	for _, f := range r.Findings {
		fmt.Fprintf(w, "[%s] %s %s\n", f.Class, f.mark(), f.Message)
	}
}

// HasSecurity reports whether FormatSecurity writes anything.
func (r *Result) HasSecurity() bool { return r.Security != "" || len(r.Findings) > 0 }

// Diff compares each pair (one run of Node for all of them).
func Diff(pairs ...Pair) ([]*Result, error) {
	root, err := findup.Dir(".", "node_modules/@aws-cdk/cloudformation-diff")
	if err != nil {
		return nil, fmt.Errorf("templatediff: %w: run `npm ci` (make deps) at the repository root", err)
	}
	data, _ := json.Marshal(append([]Pair{}, pairs...)) // [] for none; JSON-decoded templates: it cannot fail
	var stderr bytes.Buffer
	cmd := exec.Command("node", "-e", script)
	cmd.Dir, cmd.Stdin, cmd.Stderr = root, bytes.NewReader(data), &stderr
	cmd.Env = append(os.Environ(), "FORCE_COLOR=0")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("templatediff: node diff.cjs: %v\n%s", err, stderr.Bytes())
	}
	var results []*Result
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(pairs) {
		return nil, fmt.Errorf("templatediff: node diff.cjs answered %d results for %d pairs: %v", len(results), len(pairs), err)
	}
	for i, r := range results {
		r.Findings = findings(pairs[i].Old, pairs[i].New, r)
	}
	return results, nil
}
