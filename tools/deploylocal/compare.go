package deploylocal

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/example/orderflow/tools/assembly"
)

// Status is the outcome of one check.
type Status int

// Outcomes of a check. Only OK counts as verified.
const (
	// OK: the deployed value equals the template's.
	OK Status = iota
	// Mismatch: the deployed value differs from the template's.
	Mismatch
	// NotReported: the emulator's API answered without the property, so it
	// could not be compared (an emulator gap, not verified).
	NotReported
	// Unresolved: the template's value names something the read-back
	// cannot evaluate (e.g. an attribute of a stand-in), not verified.
	Unresolved
)

func (s Status) String() string {
	return [...]string{"ok", "MISMATCH", "not reported", "unresolved"}[s]
}

// Check is one property of one deployed resource compared with its template.
type Check struct {
	Stack, LogicalID, Type string
	// Property is the template's property name, e.g. "Environment" or
	// "Code (S3 object's SHA-256)".
	Property  string
	Want, Got string
	Status    Status
	// ViaFix: moto's CloudFormation drops this property; the launcher
	// applied it through moto's service API (see motolaunch.py).
	ViaFix bool
}

// String is one line: outcome, resource, property and, unless OK, both
// values cut to 160 characters each.
func (c Check) String() string {
	s := fmt.Sprintf("%-8s %s %s (%s) %s", c.Status, c.Stack, c.LogicalID, c.Type, c.Property)
	if c.Status != OK {
		s += fmt.Sprintf(": want %s, got %s", clip(c.Want, 160), clip(c.Got, 160))
	}
	return s
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}

// compare compares a template value (resolved) with the deployed one,
// both JSON-shaped (maps, lists, strings, numbers, booleans):
//   - a map matches when every key of want matches the same key of got
//     (the API may report more);
//   - a list matches when every element of want matches a distinct element
//     of got and the lengths are equal (order is not compared: key schemas
//     and similar carry their role in the element);
//   - scalars match when their text is equal (10, "10"; true, "true");
//   - a string that holds a JSON document (a policy, an event pattern,
//     possibly URL-encoded as IAM returns it) matches a document or string
//     holding the same document; policies are normalized (a single action,
//     resource or principal equals a list of one).
//
// It returns whether they match and, when not, the first difference.
func compare(want, got any) (bool, string) {
	return match(normalize(want), normalize(got), "")
}

func match(want, got any, path string) (bool, string) {
	if ws, ok := want.(string); ok {
		if doc, ok := jsonDoc(ws); ok {
			want = normalize(doc)
		}
	}
	if gs, ok := got.(string); ok {
		switch want.(type) {
		case map[string]any, []any:
			if doc, ok := jsonDoc(gs); ok {
				got = normalize(doc)
			}
		}
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false, fmt.Sprintf("%s: want %s, got %s", orRoot(path), short(want), short(got))
		}
		for _, k := range sortedKeys(w) {
			if ok, diff := match(w[k], g[k], path+"."+k); !ok {
				return false, diff
			}
		}
		return true, ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false, fmt.Sprintf("%s: want %s, got %s", orRoot(path), short(want), short(got))
		}
		used := make([]bool, len(g))
	outer:
		for i, we := range w {
			for j, ge := range g {
				if used[j] {
					continue
				}
				if ok, _ := match(we, ge, ""); ok {
					used[j] = true
					continue outer
				}
			}
			return false, fmt.Sprintf("%s[%d]: want %s in %s", orRoot(path), i, short(we), short(got))
		}
		return true, ""
	}
	if got == nil && want != nil {
		return false, fmt.Sprintf("%s: want %s, got nothing", orRoot(path), short(want))
	}
	if assembly.Text(want) != assembly.Text(got) {
		return false, fmt.Sprintf("%s: want %s, got %s", orRoot(path), short(want), short(got))
	}
	return true, ""
}

func orRoot(path string) string { return cmp.Or(strings.TrimPrefix(path, "."), "value") }

// normalize turns any JSON-marshalable value (SDK output structs, typed
// slices, pointers) into maps, lists and scalars, and normalizes policy
// statements.
func normalize(v any) any {
	switch v.(type) {
	case nil, string, float64, bool, map[string]any, []any:
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return v
		}
		var out any
		if json.Unmarshal(b, &out) != nil {
			return v
		}
		v = out
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		if st, ok := out["Statement"]; ok {
			out["Statement"] = normalizeStatements(st)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}

// normalizeStatements makes a policy's statements comparable: a statement
// object becomes a list of one, single actions, resources and principals
// become lists of one, sorted.
func normalizeStatements(st any) any {
	list := assembly.List(st)
	for _, s := range list {
		m, ok := s.(map[string]any)
		if !ok {
			continue
		}
		for _, k := range []string{"Action", "NotAction", "Resource", "NotResource"} {
			if v, ok := m[k]; ok {
				m[k] = sortedList(v)
			}
		}
		for _, k := range []string{"Principal", "NotPrincipal"} {
			if p, ok := m[k].(map[string]any); ok {
				for pk, pv := range p {
					p[pk] = sortedList(pv)
				}
			}
		}
	}
	return list
}

func sortedList(v any) any {
	list := assembly.List(v)
	sort.Slice(list, func(i, j int) bool { return assembly.Text(list[i]) < assembly.Text(list[j]) })
	return list
}

// jsonDoc parses s as a JSON object or array (or its URL-encoded form).
func jsonDoc(s string) (any, bool) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "%7B") || strings.HasPrefix(t, "%5B") {
		if u, err := url.QueryUnescape(t); err == nil {
			t = u
		}
	}
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return nil, false
	}
	var v any
	if err := json.Unmarshal([]byte(t), &v); err != nil {
		return nil, false
	}
	return v, true
}

// short renders v as compact JSON, cut to 4000 characters.
func short(v any) string {
	if v == nil {
		return "nothing"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return clip(string(b), 4000)
}
