// Package templatediff compares two CloudFormation templates of one stack
// the way a reviewer reads a change: which resources (outputs, parameters,
// ...) were added, removed or changed, each changed value as a property path
// with its old and new value, and, apart, the security-relevant part:
//
//   - IAM statements added or widened (actions, resources, principals) in
//     identity policies, and managed policies attached;
//   - resource policies: bucket, queue, topic, key and event bus policies,
//     role trust policies, Lambda permissions;
//   - security group rules;
//   - encryption turned off or changed;
//   - public access: a bucket's public access block, a policy statement
//     for any principal without a condition, an API route or function URL
//     without authorization;
//   - stateful resources (tables, buckets, queues, keys, log groups, ...)
//     deleted or replaced, and their protection weakened (deletion policy,
//     deletion protection, a retention shortened);
//   - cdk-nag rules newly suppressed.
//
// The IAM, resource policy and security group classes and the list of
// stateful types and of the properties whose change replaces a resource are
// those of `cdk diff`: they come from the CDK CLI's own resource database
// (spec.json). Encryption, public access and protection checks are curated
// here (security.go).
//
// Templates are JSON-decoded values (map[string]any, []any, string, float64,
// bool). A JSON null counts as an absent value.
//
// Run by make test (TestSnapshot in test/), make snapshots, and
// tools/cmd/templatediff (go run ./tools/cmd/templatediff OLD NEW).
package templatediff

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Kind says how an entry of a template section changed.
type Kind int

// Kinds of change.
const (
	Added Kind = iota + 1
	Removed
	Modified
)

func (k Kind) symbol() string {
	switch k {
	case Added:
		return "[+]"
	case Removed:
		return "[-]"
	}
	return "[~]"
}

// Replacement says whether CloudFormation replaces a resource (creates a
// new one, then deletes the old) to apply a change.
type Replacement int

// Replacement outcomes. They are determined for the stateful types (whose
// replacing properties spec.json lists) and for any change of a resource's
// Type; other resources report NoReplacement.
const (
	NoReplacement Replacement = iota
	MayReplace                // a property that replaces the resource for some changes changed
	Replaces                  // a property that always replaces the resource changed, or the Type
)

// Change is one changed entry of a template.
type Change struct {
	// Section is the template section: "Resources", "Outputs",
	// "Parameters", "Conditions", "Mappings", "Rules", or "" for a
	// top-level value (Description, Transform, AWSTemplateFormatVersion).
	Section string
	// LogicalID is the entry's name in its section (the key itself for a
	// top-level value).
	LogicalID string
	// Type is the resource type (the new one if it changed); "" outside
	// Resources.
	Type string
	Kind Kind
	// Props are the changed values, paths relative to the entry
	// ("Properties.PolicyDocument.Statement[2].Action"). An added entry
	// lists its values; a removed one lists none.
	Props []PropChange
	// Replacement and ReplacedBy (the top-level property names that cause
	// it, or "Type") say whether the change replaces the resource.
	Replacement Replacement
	ReplacedBy  []string
}

// PropChange is one changed value. Old or New is nil when the value is
// absent on that side.
type PropChange struct {
	Path     string
	Old, New any
}

// Result is the difference between two templates of one stack.
type Result struct {
	// Changes, ordered by section (top-level values, Parameters,
	// Conditions, Mappings, Resources, Outputs, Rules, others) and name.
	Changes []Change
	// Findings is the security-relevant part, ordered by class and
	// message.
	Findings []Finding
}

// Empty reports whether the templates are equal.
func (r *Result) Empty() bool { return len(r.Changes) == 0 }

// DataLoss returns the findings that delete or replace a stateful
// resource.
func (r *Result) DataLoss() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.DataLoss {
			out = append(out, f)
		}
	}
	return out
}

// Broadening reports whether a finding widens access, weakens protection
// or loses data.
func (r *Result) Broadening() bool {
	for _, f := range r.Findings {
		if f.Broadening {
			return true
		}
	}
	return false
}

// sectionOrder orders the sections as a template is usually read.
var sectionOrder = map[string]int{"": 0, "Parameters": 1, "Conditions": 2, "Mappings": 3, "Resources": 4, "Outputs": 5, "Rules": 6}

// Diff compares the old and the new template of one stack. Either may be
// nil: a stack that is new, or one that is gone (every resource removed).
func Diff(old, new map[string]any) *Result {
	r := &Result{}
	for _, key := range unionKeys(old, new) {
		o, n := old[key], new[key]
		if equal(o, n) {
			continue
		}
		om, oIsMap := o.(map[string]any)
		nm, nIsMap := n.(map[string]any)
		if (o != nil && !oIsMap) || (n != nil && !nIsMap) || key == "Transform" {
			// A top-level scalar (Description) or a value that is not a section.
			r.Changes = append(r.Changes, Change{LogicalID: key, Kind: kindOf(o, n), Props: []PropChange{{Path: key, Old: o, New: n}}})
			continue
		}
		for _, id := range unionKeys(om, nm) {
			if c, ok := diffEntry(key, id, om[id], nm[id]); ok {
				r.Changes = append(r.Changes, c)
			}
		}
	}
	sort.SliceStable(r.Changes, func(i, j int) bool {
		a, b := r.Changes[i], r.Changes[j]
		if sa, sb := sectionRank(a.Section), sectionRank(b.Section); sa != sb {
			return sa < sb
		}
		return a.LogicalID < b.LogicalID
	})
	r.Findings = findings(old, new)
	return r
}

func sectionRank(s string) int {
	if r, ok := sectionOrder[s]; ok {
		return r
	}
	return len(sectionOrder)
}

func kindOf(o, n any) Kind {
	switch {
	case o == nil:
		return Added
	case n == nil:
		return Removed
	}
	return Modified
}

// diffEntry compares one entry (resource, output, ...) of a section.
func diffEntry(section, id string, o, n any) (Change, bool) {
	if equal(o, n) {
		return Change{}, false
	}
	c := Change{Section: section, LogicalID: id, Kind: kindOf(o, n)}
	om, _ := o.(map[string]any)
	nm, _ := n.(map[string]any)
	if section == "Resources" {
		c.Type = str(nm["Type"])
		if c.Type == "" {
			c.Type = str(om["Type"])
		}
	}
	switch c.Kind {
	case Removed:
		return c, true
	case Added:
		// One line per top-level value, one per property: a whole resource
		// on one line would be unreadable.
		for _, k := range sortedKeys(nm) {
			if k == "Type" && section == "Resources" {
				continue
			}
			if p, ok := nm[k].(map[string]any); ok && k == "Properties" {
				for _, pk := range sortedKeys(p) {
					c.Props = append(c.Props, PropChange{Path: joinPath(k, pk), New: p[pk]})
				}
				continue
			}
			c.Props = append(c.Props, PropChange{Path: k, New: nm[k]})
		}
		return c, true
	}
	if om == nil || nm == nil {
		c.Props = []PropChange{{Old: o, New: n}}
		return c, true
	}
	diffValue("", om, nm, &c.Props)
	if section == "Resources" {
		c.Replacement, c.ReplacedBy = replacement(om, nm)
	}
	return c, true
}

// replacement decides whether a modified resource is replaced: a changed
// Type always replaces it; for stateful types, so does a change of a
// property spec.json marks as replacing.
func replacement(o, n map[string]any) (Replacement, []string) {
	if str(o["Type"]) != str(n["Type"]) {
		return Replaces, []string{"Type"}
	}
	props, ok := resourceSpec.Stateful[str(n["Type"])]
	if !ok {
		return NoReplacement, nil
	}
	op, _ := o["Properties"].(map[string]any)
	np, _ := n["Properties"].(map[string]any)
	r := NoReplacement
	var by []string
	for _, name := range unionKeys(op, np) {
		how, ok := props[name]
		if !ok || equal(op[name], np[name]) {
			continue
		}
		by = append(by, name)
		switch {
		case how == "yes":
			r = Replaces
		case r == NoReplacement:
			r = MayReplace
		}
	}
	return r, by
}

// diffValue appends the differences between o and n under path.
func diffValue(path string, o, n any, out *[]PropChange) {
	if equal(o, n) {
		return
	}
	switch ov := o.(type) {
	case map[string]any:
		if nv, ok := n.(map[string]any); ok {
			for _, k := range unionKeys(ov, nv) {
				diffValue(joinPath(path, k), ov[k], nv[k], out)
			}
			return
		}
	case []any:
		if nv, ok := n.([]any); ok {
			diffArray(path, ov, nv, out)
			return
		}
	}
	*out = append(*out, PropChange{Path: path, Old: o, New: n})
}

// diffArray aligns the elements of o and n by their longest common
// subsequence, so an inserted statement shows as one insertion instead of
// every later statement changing. Between two kept elements, removed and
// inserted elements are paired up in order (and compared inside when both
// are objects or arrays); the rest are removals and insertions. Paths use
// the new index, or the old one for a removal.
func diffArray(path string, o, n []any, out *[]PropChange) {
	lcs := make([][]int, len(o)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(n)+1)
	}
	for i := len(o) - 1; i >= 0; i-- {
		for j := len(n) - 1; j >= 0; j-- {
			if equal(o[i], n[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var removed, added []int
	flush := func() {
		k := 0
		for ; k < len(removed) && k < len(added); k++ {
			i, j := removed[k], added[k]
			diffValue(index(path, j), o[i], n[j], out)
		}
		for _, i := range removed[k:] {
			*out = append(*out, PropChange{Path: index(path, i), Old: o[i]})
		}
		for _, j := range added[k:] {
			*out = append(*out, PropChange{Path: index(path, j), New: n[j]})
		}
		removed, added = removed[:0], added[:0]
	}
	i, j := 0, 0
	for i < len(o) || j < len(n) {
		switch {
		case i < len(o) && j < len(n) && equal(o[i], n[j]):
			flush()
			i, j = i+1, j+1
		case j < len(n) && (i == len(o) || lcs[i][j+1] >= lcs[i+1][j]):
			added = append(added, j)
			j++
		default:
			removed = append(removed, i)
			i++
		}
	}
	flush()
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// joinPath appends key to path: ".key", or `["key"]` when the key holds
// characters that would make the path ambiguous.
func joinPath(path, key string) string {
	if key == "" || strings.ContainsAny(key, ".[]\" ") {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// equal compares two JSON-decoded values; nil and absent are the same.
func equal(a, b any) bool { return reflect.DeepEqual(a, b) }

func unionKeys(a, b map[string]any) []string {
	seen := make(map[string]bool, len(a)+len(b))
	var keys []string
	for _, m := range []map[string]any{a, b} {
		for k, v := range m {
			if v != nil && !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
