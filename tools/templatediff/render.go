package templatediff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/example/orderflow/tools/assembly"
)

// maxValueLen caps a value printed in a diff line; longer ones are cut
// with a note of their full length (the snapshot file's own diff, in git,
// has them whole).
const maxValueLen = 400

// renderValue prints a JSON value compactly, "(absent)" for nil.
func renderValue(v any) string {
	if v == nil {
		return "(absent)"
	}
	s := compactJSON(v)
	if len(s) > maxValueLen {
		return fmt.Sprintf("%s... (%d bytes)", s[:maxValueLen], len(s))
	}
	return s
}

// stringContext is how much of two long strings' common start and end
// renderPair keeps around the part that differs.
const stringContext = 30

// renderPair renders an old and a new value. Two long strings (a
// dashboard body, an inline policy) are cut to the part that differs, with
// some context: "…\"Stage\",\"dev\",{\"label…" -> "…\"Stage\",\"prod\",{\"label…".
func renderPair(old, new any) (string, string) {
	os, ok1 := old.(string)
	ns, ok2 := new.(string)
	if !ok1 || !ok2 || len(os)+len(ns) < 4*stringContext+20 {
		return renderValue(old), renderValue(new)
	}
	prefix := 0
	for prefix < len(os) && prefix < len(ns) && os[prefix] == ns[prefix] {
		prefix++
	}
	suffix := 0
	for suffix < len(os)-prefix && suffix < len(ns)-prefix && os[len(os)-1-suffix] == ns[len(ns)-1-suffix] {
		suffix++
	}
	cut := func(s string) string {
		start, end := max(prefix-stringContext, 0), min(len(s)-suffix+stringContext, len(s))
		for start > 0 && !utf8.RuneStart(s[start]) {
			start--
		}
		for end < len(s) && !utf8.RuneStart(s[end]) {
			end++
		}
		inner := compactJSON(s[start:end])
		inner = inner[1 : len(inner)-1] // without the quotes
		if len(inner) > maxValueLen {
			inner = inner[:maxValueLen] + "…"
		}
		if start > 0 {
			inner = "…" + inner
		}
		if end < len(s) {
			inner += "…"
		}
		return `"` + inner + `"`
	}
	return cut(os), cut(ns)
}

func compactJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// renderIntrinsic prints a value the way `cdk diff` does in its IAM tables:
// references as ${LogicalId} and ${LogicalId.Attribute}, joins and
// substitutions as the string they build, a cross-stack output as
// ${Stack.Output}, an import as ${Import:Name}, anything else as compact
// JSON.
func renderIntrinsic(v any) string {
	if s, ok := v.(string); ok || v == nil {
		return s
	}
	c, ok := assembly.CallOf(v)
	if !ok {
		return compactJSON(v)
	}
	if id, attr, ok := c.Target(); ok {
		return "${" + strings.TrimSuffix(id+"."+attr, ".") + "}"
	}
	first, second, pair := c.Pair()
	switch c.Fn {
	case assembly.Join:
		if parts, ok := second.([]any); pair && ok {
			s := make([]string, len(parts))
			for i, p := range parts {
				s[i] = renderIntrinsic(p)
			}
			sep, _ := first.(string)
			return strings.Join(s, sep)
		}
	case assembly.Sub:
		if s, ok := c.Arg.(string); ok {
			return s
		}
		if parts, ok := c.Arg.([]any); ok && len(parts) > 0 {
			return renderIntrinsic(parts[0])
		}
	case assembly.ImportValue:
		return "${Import:" + renderIntrinsic(c.Arg) + "}"
	case assembly.GetStackOutput:
		if stack, output, _, ok := c.StackOutput(); ok {
			return "${" + renderIntrinsic(stack) + "." + renderOutputName(renderIntrinsic(output)) + "}"
		}
	}
	return compactJSON(v)
}

// The names of the outputs the CDK creates for a reference across stacks:
// "PublishOutputFnGetAtt" + logical ID + attribute + hash, or
// "PublishOutputRef" + logical ID + hash (logical IDs of CDK resources end
// with 8 hex digits, as does the hash).
var (
	getAttOutput = regexp.MustCompile(`^PublishOutputFnGetAtt([A-Za-z0-9]+?[0-9A-F]{8})([A-Z][A-Za-z]*)[0-9A-F]{8}$`)
	refOutput    = regexp.MustCompile(`^PublishOutputRef([A-Za-z0-9]+[0-9A-F]{8})[0-9A-F]{8}$`)
)

// renderOutputName renders a cross-stack reference output as the value it
// carries: "OrdersA9B65338.Arn" for PublishOutputFnGetAttOrdersA9B65338Arn4AEF841C,
// "OrdersA9B65338" for PublishOutputRefOrdersA9B65338CCA8F2B7; other names
// as they are.
func renderOutputName(name string) string {
	if m := getAttOutput.FindStringSubmatch(name); m != nil {
		return m[1] + "." + m[2]
	}
	if m := refOutput.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return name
}

// Format writes the changes, one block per changed entry:
//
//	[~] AWS::IAM::Policy KitchenRoleDefaultPolicyD08E74FE
//	    Properties.PolicyDocument.Statement[2].Action: "dynamodb:UpdateItem" -> ["dynamodb:DeleteItem","dynamodb:UpdateItem"]
//	[+] AWS::SNS::Topic Topic69831491
//	    Properties.KmsMasterKeyId: (absent) -> {"Ref":"Key961B73FD"}
//	[-] AWS::SQS::Queue OldQueue1234ABCD
//	[~] AWS::DynamoDB::Table OrdersA9B65338 (REPLACED: KeySchema)
//
// Entries outside Resources are named by section ("[~] Outputs ApiUrl").
func (r *Result) Format(w io.Writer) {
	for _, c := range r.Changes {
		what := c.Type
		if c.Section != "Resources" {
			what = c.Section
		}
		head := c.Kind.symbol() + " " + strings.TrimSpace(what+" "+c.LogicalID)
		switch c.Replacement {
		case Replaces:
			head += " (REPLACED: " + strings.Join(c.ReplacedBy, ", ") + ")"
		case MayReplace:
			head += " (MAY BE REPLACED: " + strings.Join(c.ReplacedBy, ", ") + ")"
		}
		fmt.Fprintln(w, head)
		for _, p := range c.Props {
			o, n := renderPair(p.Old, p.New)
			fmt.Fprintf(w, "    %s: %s -> %s\n", p.Path, o, n)
		}
	}
}

// FormatSecurity writes the findings, one a line, marked "+" when it
// widens access or weakens protection, "!" when it deletes or replaces a
// stateful resource, "-" when it narrows access, "~" otherwise:
//
//	[IAM] + Allow dynamodb:DeleteItem on ${Orders.Arn} for ${KitchenRole} (KitchenRoleDefaultPolicyD08E74FE)
//	[stateful] ! AWS::DynamoDB::Table OrdersA9B65338 is replaced (KeySchema): ...
func (r *Result) FormatSecurity(w io.Writer) {
	for _, f := range r.Findings {
		fmt.Fprintf(w, "[%s] %s %s\n", f.Class, f.mark(), f.Message)
	}
}

// String is Format followed by FormatSecurity under a heading.
func (r *Result) String() string {
	var b strings.Builder
	r.Format(&b)
	if len(r.Findings) > 0 {
		b.WriteString("Security-relevant:\n")
		r.FormatSecurity(&b)
	}
	return b.String()
}

func sortedStrings(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
