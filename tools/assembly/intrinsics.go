package assembly

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
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
	Base64         = "Fn::Base64"
	ToJSONString   = "Fn::ToJsonString"
)

// NoValue is the pseudo parameter whose Ref leaves the property out.
const NoValue = "AWS::NoValue"

// Call is an intrinsic function call of a template: {"Fn::Join": [...]}.
type Call struct {
	// Fn is the key (Ref, GetAtt, ...); Arg its value, unresolved.
	Fn  string
	Arg any
}

// CallOf returns the call v is: a map of one key, Ref or Fn::*.
func CallOf(v any) (Call, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return Call{}, false
	}
	for k, arg := range m {
		if k == Ref || strings.HasPrefix(k, "Fn::") {
			return Call{k, arg}, true
		}
	}
	return Call{}, false
}

// RefTo returns {"Ref": id}; GetAttOf {"Fn::GetAtt": [id, attr]}.
func RefTo(id string) map[string]any { return map[string]any{Ref: id} }

// GetAttOf returns {"Fn::GetAtt": [id, attr]}.
func GetAttOf(id, attr string) map[string]any { return map[string]any{GetAtt: []any{id, attr}} }

// Target returns the logical ID or parameter a Ref or Fn::GetAtt names, and
// the attribute ("" for a Ref); ok is false for any other value. An
// attribute given as a call stays unresolved in attrArg.
func (c Call) Target() (id, attr string, ok bool) {
	switch c.Fn {
	case Ref:
		id, ok = c.Arg.(string)
		return id, "", ok
	case GetAtt:
		switch a := c.Arg.(type) {
		case string:
			id, attr, ok = strings.Cut(a, ".")
		case []any:
			if len(a) == 2 {
				id, _ = a[0].(string)
				attr, ok = a[1].(string)
			}
		}
		return id, attr, ok && id != "" && attr != ""
	}
	return "", "", false
}

// Pair returns the two elements of an argument [first, second] (Join,
// Select, Split, Sub with variables).
func (c Call) Pair() (first, second any, ok bool) {
	a, ok := c.Arg.([]any)
	if !ok || len(a) != 2 {
		return nil, nil, false
	}
	return a[0], a[1], true
}

// StackOutput returns the arguments of Fn::GetStackOutput, unresolved.
func (c Call) StackOutput() (stack, output, region any, ok bool) {
	m, ok := c.Arg.(map[string]any)
	if c.Fn != GetStackOutput || !ok {
		return nil, nil, nil, false
	}
	return m["StackName"], m["OutputName"], m["Region"], true
}

// RefID returns the logical ID v refers to with Ref or Fn::GetAtt, looking
// inside an Fn::Join's parts; "" when there is none.
func RefID(v any) string {
	c, ok := CallOf(v)
	if !ok {
		return ""
	}
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

// List returns v as a list: a JSON array as it is, nil as none, any other
// value as a list of one (a template may write either).
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

// ErrUnsupported is wrapped by the error for an intrinsic function, or an
// attribute, the resolver or its caller does not evaluate.
var ErrUnsupported = errors.New("not supported")

// Resolver evaluates the intrinsic functions of template values. The
// pseudo parameters come from its fields; what a resource is, the caller
// says through Ref and GetAtt.
type Resolver struct {
	// Region and Account answer AWS::Region and AWS::AccountId (and a
	// Fn::GetStackOutput of another region is an error). AWS::Partition is
	// "aws", AWS::URLSuffix "amazonaws.com", AWS::StackName the stack's
	// name.
	Region, Account string
	// Ref answers {"Ref": name} for a parameter or resource of st.
	// Required.
	Ref func(st *Stack, name string) (any, error)
	// GetAtt answers Fn::GetAtt and ${Logical.Attr} of Fn::Sub. Required.
	GetAtt func(st *Stack, id, attr string) (any, error)
	// StackOutput answers Fn::GetStackOutput. Default: the output's value
	// in Assembly's stack of that name, resolved in that stack.
	StackOutput func(stack, output string) (any, error)
	// ImportValue answers Fn::ImportValue. Default: the value of the
	// output of Assembly's stacks exported under that name.
	ImportValue func(name string) (any, error)
	// Assembly holds the other stacks, for the defaults above.
	Assembly *Assembly

	depth int // guard against reference cycles through the defaults
}

// omit is what {"Ref": "AWS::NoValue"} resolves to: the property or
// element is left out.
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
	switch v := v.(type) {
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			x, err := r.Resolve(st, e)
			if err != nil {
				return nil, err
			}
			if _, skip := x.(omit); !skip {
				out = append(out, x)
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			x, err := r.Resolve(st, e)
			if err != nil {
				return nil, err
			}
			if _, skip := x.(omit); !skip {
				out[k] = x
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
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(idx)
		if err != nil || !isList || i < 0 || i >= len(items) {
			return nil, fmt.Errorf("%s %v of %v: out of range", Select, idx, x)
		}
		return items[i], nil
	case Sub:
		return r.sub(st, c)
	case Base64:
		s, err := r.String(st, c.Arg)
		return base64.StdEncoding.EncodeToString([]byte(s)), err
	case ToJSONString:
		x, err := r.Resolve(st, c.Arg)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(x)
		return string(b), err
	case GetStackOutput:
		x, err := r.Resolve(st, c.Arg)
		if err != nil {
			return nil, err
		}
		name, output, region, _ := Call{GetStackOutput, x}.StackOutput()
		if region := Text(region); region != "" && r.Region != "" && region != r.Region {
			return nil, fmt.Errorf("%s: stack %s in region %s, but the stacks were deployed to %s", GetStackOutput, Text(name), region, r.Region)
		}
		if r.StackOutput != nil {
			return r.StackOutput(Text(name), Text(output))
		}
		return r.output(Text(name), Text(output))
	case ImportValue:
		name, err := r.String(st, c.Arg)
		if err != nil {
			return nil, err
		}
		if r.ImportValue != nil {
			return r.ImportValue(name)
		}
		return r.export(name)
	}
	return nil, fmt.Errorf("intrinsic function %s is %w", c.Fn, ErrUnsupported)
}

// ref answers pseudo parameters itself, the rest through r.Ref.
func (r *Resolver) ref(st *Stack, name string) (any, error) {
	switch name {
	case "AWS::Region":
		return r.Region, nil
	case "AWS::AccountId":
		return r.Account, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return st.Name, nil
	case NoValue:
		return omit{}, nil
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
		if !ok {
			if id, attr, dotted := strings.Cut(name, "."); dotted {
				v, err = r.GetAtt(st, id, attr)
			} else {
				v, err = r.ref(st, name)
			}
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return Text(v)
	})
	return out, firstErr
}

// output is the default StackOutput: the output of a stack of r.Assembly.
func (r *Resolver) output(stack, output string) (any, error) {
	var other *Stack
	if r.Assembly != nil {
		other = r.Assembly.Stack(stack)
	}
	if other == nil {
		return nil, fmt.Errorf("%s: stack %s is not in the assembly", GetStackOutput, stack)
	}
	o, ok := other.Template.Outputs[output]
	if !ok {
		return nil, fmt.Errorf("%s: stack %s has no output %s", GetStackOutput, stack, output)
	}
	return r.Resolve(other, o.Value)
}

// export is the default ImportValue: an exported output of r.Assembly.
func (r *Resolver) export(name string) (any, error) {
	if r.Assembly != nil {
		for _, other := range r.Assembly.Stacks {
			for _, o := range other.Template.Outputs {
				if o.Export == nil {
					continue
				}
				if exp, err := r.String(other, o.Export.Name); err == nil && exp == name {
					return r.Resolve(other, o.Value)
				}
			}
		}
	}
	return nil, fmt.Errorf("%s: no stack exports %q", ImportValue, name)
}
