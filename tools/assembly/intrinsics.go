package assembly

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The intrinsic functions of templates, by the key that calls them.
const (
	Ref            = "Ref"
	GetAtt         = "Fn::GetAtt"
	Sub            = "Fn::Sub"
	Join           = "Fn::Join"
	Select         = "Fn::Select"
	Split          = "Fn::Split"
	GetStackOutput = "Fn::GetStackOutput"
	ImportValue    = "Fn::ImportValue"
)

// Call is an intrinsic function call of a template, {"Fn::Join": Arg}.
type Call struct {
	Fn  string
	Arg any // unresolved
}

// CallOf returns the call v is: a map of one key, Ref or Fn::*.
func CallOf(v any) (Call, bool) {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for k, arg := range m {
			if k == Ref || strings.HasPrefix(k, "Fn::") {
				return Call{k, arg}, true
			}
		}
	}
	return Call{}, false
}

// GetAttOf returns {"Fn::GetAtt": [id, attr]}.
func GetAttOf(id, attr string) map[string]any { return map[string]any{GetAtt: []any{id, attr}} }

// Target returns what a Ref or an Fn::GetAtt names: the logical ID (or
// parameter) and the attribute, "" for a Ref.
func (c Call) Target() (id, attr string, ok bool) {
	switch a := c.Arg.(type) {
	case string:
		if c.Fn == Ref {
			return a, "", true
		}
		id, attr, ok = strings.Cut(a, ".") // "Logical.Attr"
	case []any:
		if first, second, pair := c.Pair(); pair {
			id, _ = first.(string)
			attr, ok = second.(string)
		}
	}
	return id, attr, c.Fn == GetAtt && ok && id != "" && attr != ""
}

// Pair returns the elements of an argument [first, second].
func (c Call) Pair() (first, second any, ok bool) {
	if a, ok := c.Arg.([]any); ok && len(a) == 2 {
		return a[0], a[1], true
	}
	return nil, nil, false
}

// StackOutput returns the arguments of an Fn::GetStackOutput.
func (c Call) StackOutput() (stack, output, region any, ok bool) {
	m, ok := c.Arg.(map[string]any)
	return m["StackName"], m["OutputName"], m["Region"], ok && c.Fn == GetStackOutput
}

// RefID returns the logical ID v refers to with Ref or Fn::GetAtt, looking
// inside an Fn::Join's parts; "" when there is none.
func RefID(v any) string {
	c, _ := CallOf(v)
	if id, _, ok := c.Target(); ok {
		return id
	}
	if _, parts, ok := c.Pair(); ok && c.Fn == Join {
		for _, p := range List(parts) {
			if id := RefID(p); id != "" {
				return id
			}
		}
	}
	return ""
}

// Targets returns the logical IDs (or parameters) v refers to with Ref or
// Fn::GetAtt anywhere inside it, in the order they appear (map keys sorted),
// each once: the resources an expression depends on, e.g. the alias in
// {"Fn::Join": ["", [{"Fn::Select": [6, {"Fn::Split": [":", {"Ref": "Alias"}]}]}, ":live"]]}.
func Targets(v any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		if c, ok := CallOf(v); ok {
			if id, _, ok := c.Target(); ok {
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
				return
			}
		}
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k])
			}
		}
	}
	walk(v)
	return out
}

// FunctionOf returns the logical ID of the function a FunctionName value
// names: the function itself (its Ref or Arn), or one of its aliases or
// versions (an alias-qualified name is taken out of the alias's ARN, e.g.
// the function name joined with ":live"); "" when it names none.
func FunctionOf(t *Template, name any) string {
	for _, id := range Targets(name) {
		switch r := t.Resources[id]; r.Type {
		case "AWS::Lambda::Function":
			return id
		case "AWS::Lambda::Alias", "AWS::Lambda::Version":
			return FunctionOf(t, r.Properties["FunctionName"])
		}
	}
	return ""
}

// List returns v as a list: an array as it is, nil as none, any other
// value as a list of one (templates write either).
func List(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// Text formats a resolved scalar as CloudFormation does inside a string.
func Text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Resolver evaluates the intrinsic functions of template values: the
// pseudo parameters from its fields, references through its caller.
type Resolver struct {
	// Region and Account answer AWS::Region and AWS::AccountId; an
	// Fn::GetStackOutput of another region is an error. AWS::Partition is
	// "aws", AWS::URLSuffix "amazonaws.com", AWS::StackName the stack's.
	Region, Account string
	// Ref answers {"Ref": name} of a parameter or resource. Required.
	Ref func(st *Stack, name string) (any, error)
	// GetAtt answers Fn::GetAtt and Fn::Sub's ${Logical.Attr}. Required.
	GetAtt func(st *Stack, id, attr string) (any, error)
	// StackOutput answers Fn::GetStackOutput. Default: the output of
	// Assembly's stack of that name, resolved in that stack.
	StackOutput func(stack, output string) (any, error)
	// ImportValue answers Fn::ImportValue. Default: the output of
	// Assembly's stacks exported under that name.
	ImportValue func(name string) (any, error)
	// Assembly holds the stacks the defaults look in.
	Assembly *Assembly

	depth int // a guard against reference cycles through the defaults
}

// omit is {"Ref": "AWS::NoValue"}: the property or element is left out.
type omit struct{}

// Resolve returns v with every intrinsic function evaluated in stack st.
func (r *Resolver) Resolve(st *Stack, v any) (any, error) {
	if r.depth++; r.depth > 100 {
		return nil, errors.New("reference cycle")
	}
	defer func() { r.depth-- }()
	if c, ok := CallOf(v); ok {
		return r.call(st, c)
	}
	var err error
	switch v := v.(type) {
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			if e, err = r.Resolve(st, e); err != nil {
				return nil, err
			} else if e != (omit{}) {
				out = append(out, e)
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if e, err = r.Resolve(st, e); err != nil {
				return nil, err
			} else if e != (omit{}) {
				out[k] = e
			}
		}
		return out, nil
	}
	return v, nil
}

// String resolves v and formats it as text (Text).
func (r *Resolver) String(st *Stack, v any) (string, error) {
	x, err := r.Resolve(st, v)
	return Text(x), err
}

func (r *Resolver) call(st *Stack, c Call) (any, error) {
	first, second, pair := c.Pair()
	switch c.Fn {
	case Ref:
		name, _ := c.Arg.(string)
		return r.ref(st, name)
	case GetAtt:
		id, attr, ok := c.Target()
		if !ok && pair { // [id, {"Ref": ...}]
			id, _ = first.(string)
			a, err := r.String(st, second)
			if err != nil {
				return nil, err
			}
			attr, ok = a, id != "" && a != ""
		}
		if !ok {
			return nil, fmt.Errorf("%s %v: want [logicalId, attribute]", GetAtt, c.Arg)
		}
		return r.GetAtt(st, id, attr)
	case Join, Split, Select:
		if !pair {
			return nil, fmt.Errorf("%s %v: want a list of two", c.Fn, c.Arg)
		}
		x, err := r.Resolve(st, second)
		if err != nil {
			return nil, err
		}
		items, isList := x.([]any)
		sep, _ := first.(string)
		switch c.Fn {
		case Join:
			if !isList {
				return nil, fmt.Errorf("%s: %v is not a list", Join, x)
			}
			parts := make([]string, len(items))
			for i, it := range items {
				parts[i] = Text(it)
			}
			return strings.Join(parts, sep), nil
		case Split:
			var out []any
			for _, p := range strings.Split(Text(x), sep) {
				out = append(out, p)
			}
			return out, nil
		}
		idx, err := r.String(st, first)
		i, aerr := strconv.Atoi(idx)
		if err != nil || aerr != nil || !isList || i < 0 || i >= len(items) {
			return nil, errors.Join(err, fmt.Errorf("%s %v of %v: out of range", Select, idx, x))
		}
		return items[i], nil
	case Sub:
		return r.sub(st, c)
	case GetStackOutput:
		x, err := r.Resolve(st, c.Arg)
		if err != nil {
			return nil, err
		}
		stack, output, region, _ := Call{GetStackOutput, x}.StackOutput()
		if region := Text(region); region != "" && r.Region != "" && region != r.Region {
			return nil, fmt.Errorf("%s: stack %s in region %s, but the stacks were deployed to %s", GetStackOutput, Text(stack), region, r.Region)
		}
		if r.StackOutput != nil {
			return r.StackOutput(Text(stack), Text(output))
		}
		if other := r.stack(Text(stack)); other == nil {
			return nil, fmt.Errorf("%s: stack %s is not in the assembly", GetStackOutput, Text(stack))
		} else if o, ok := other.Template.Outputs[Text(output)]; ok {
			return r.Resolve(other, o.Value)
		}
		return nil, fmt.Errorf("%s: stack %s has no output %s", GetStackOutput, Text(stack), Text(output))
	case ImportValue:
		name, err := r.String(st, c.Arg)
		switch {
		case err != nil:
			return nil, err
		case r.ImportValue != nil:
			return r.ImportValue(name)
		}
		for _, other := range r.stacks() {
			for _, o := range other.Template.Outputs {
				if o.Export != nil {
					if exp, err := r.String(other, o.Export.Name); err == nil && exp == name {
						return r.Resolve(other, o.Value)
					}
				}
			}
		}
		return nil, fmt.Errorf("%s: no stack exports %q", ImportValue, name)
	}
	return nil, fmt.Errorf("intrinsic function %s is not supported", c.Fn)
}

func (r *Resolver) stacks() []*Stack {
	if r.Assembly == nil {
		return nil
	}
	return r.Assembly.Stacks
}

func (r *Resolver) stack(name string) *Stack {
	if r.Assembly == nil {
		return nil
	}
	return r.Assembly.Stack(name)
}

// ref answers the pseudo parameters itself, the rest through r.Ref.
func (r *Resolver) ref(st *Stack, name string) (any, error) {
	pseudo := map[string]any{
		"AWS::Region": r.Region, "AWS::AccountId": r.Account, "AWS::Partition": "aws",
		"AWS::URLSuffix": "amazonaws.com", "AWS::StackName": st.Name, "AWS::NoValue": omit{},
	}
	if v, ok := pseudo[name]; ok {
		return v, nil
	}
	return r.Ref(st, name)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// sub evaluates Fn::Sub: "text ${Name} ${Logical.Attr} ${!Literal}" or
// [text, {Name: value}].
func (r *Resolver) sub(st *Stack, c Call) (any, error) {
	text, _ := c.Arg.(string)
	vars := map[string]any{}
	if first, second, ok := c.Pair(); ok {
		text, _ = first.(string)
		m, _ := second.(map[string]any)
		for k, v := range m {
			x, err := r.Resolve(st, v)
			if err != nil {
				return nil, err
			}
			vars[k] = x
		}
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			return "${" + lit + "}" // ${!x} is the literal ${x}
		}
		v, ok := vars[name]
		var err error
		if id, attr, dotted := strings.Cut(name, "."); !ok && dotted {
			v, err = r.GetAtt(st, id, attr)
		} else if !ok {
			v, err = r.ref(st, name)
		}
		firstErr = errors.Join(firstErr, err)
		return Text(v)
	})
	return out, firstErr
}
