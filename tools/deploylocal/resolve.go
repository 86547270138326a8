package deploylocal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// DeployedStack is a stack as deployed: its template and what
// CloudFormation says about it.
type DeployedStack struct {
	Name     string
	Template Template
	// Physical IDs by logical ID (ListStackResources).
	Physical map[string]string
	// Outputs and Parameters by key (DescribeStacks).
	Outputs, Parameters map[string]string
}

// resolver turns template values into the values CloudFormation deployed:
// it evaluates the intrinsic functions the CDK writes against what the
// emulator reports, independently of the emulator's own evaluation.
type resolver struct {
	region, account string
	// stacks by name, for Fn::GetStackOutput.
	stacks map[string]*DeployedStack
	// getAtt answers Fn::GetAtt from the deployed resource (see attributes).
	getAtt func(ctx context.Context, st *DeployedStack, logicalID, attr string) (string, error)
	// importValue answers Fn::ImportValue (ListExports).
	importValue func(ctx context.Context, name string) (string, error)
}

// noValue is what {"Ref": "AWS::NoValue"} resolves to: the property or list
// element is left out.
type noValue struct{}

// resolve returns v with every intrinsic function evaluated in stack st.
func (r *resolver) resolve(ctx context.Context, st *DeployedStack, v any) (any, error) {
	switch v := v.(type) {
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			x, err := r.resolve(ctx, st, e)
			if err != nil {
				return nil, err
			}
			if _, skip := x.(noValue); !skip {
				out = append(out, x)
			}
		}
		return out, nil
	case map[string]any:
		if len(v) == 1 {
			for k, arg := range v {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return r.intrinsic(ctx, st, k, arg)
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			x, err := r.resolve(ctx, st, e)
			if err != nil {
				return nil, err
			}
			if _, skip := x.(noValue); !skip {
				out[k] = x
			}
		}
		return out, nil
	}
	return v, nil
}

func (r *resolver) intrinsic(ctx context.Context, st *DeployedStack, fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		return r.ref(st, name)
	case "Fn::GetAtt":
		var id, attr string
		switch a := arg.(type) {
		case string:
			id, attr, _ = strings.Cut(a, ".")
		case []any:
			if len(a) == 2 {
				id, _ = a[0].(string)
				x, err := r.resolve(ctx, st, a[1])
				if err != nil {
					return nil, err
				}
				attr, _ = x.(string)
			}
		}
		if id == "" || attr == "" {
			return nil, fmt.Errorf("Fn::GetAtt %v: want [logicalId, attribute]", arg)
		}
		return r.getAtt(ctx, st, id, attr)
	case "Fn::Join":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("Fn::Join %v: want [separator, list]", arg)
		}
		sep, _ := a[0].(string)
		list, err := r.resolve(ctx, st, a[1])
		if err != nil {
			return nil, err
		}
		items, ok := list.([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Join: %v is not a list", list)
		}
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = scalar(it)
		}
		return strings.Join(parts, sep), nil
	case "Fn::Select":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("Fn::Select %v: want [index, list]", arg)
		}
		idx, err := r.resolve(ctx, st, a[0])
		if err != nil {
			return nil, err
		}
		list, err := r.resolve(ctx, st, a[1])
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(scalar(idx))
		items, ok := list.([]any)
		if err != nil || !ok || i < 0 || i >= len(items) {
			return nil, fmt.Errorf("Fn::Select %v of %v: out of range", idx, list)
		}
		return items[i], nil
	case "Fn::Split":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("Fn::Split %v: want [separator, string]", arg)
		}
		sep, _ := a[0].(string)
		s, err := r.resolve(ctx, st, a[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(scalar(s), sep) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::Sub":
		return r.sub(ctx, st, arg)
	case "Fn::Base64":
		s, err := r.resolve(ctx, st, arg)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(scalar(s))), nil
	case "Fn::ToJsonString":
		x, err := r.resolve(ctx, st, arg)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(x)
		return string(b), err
	case "Fn::GetStackOutput":
		x, err := r.resolve(ctx, st, arg)
		if err != nil {
			return nil, err
		}
		m, _ := x.(map[string]any)
		name, _ := m["StackName"].(string)
		output, _ := m["OutputName"].(string)
		if region, _ := m["Region"].(string); region != "" && region != r.region {
			return nil, fmt.Errorf("Fn::GetStackOutput: stack %s in region %s, but the stacks were deployed to %s", name, region, r.region)
		}
		other, ok := r.stacks[name]
		if !ok {
			return nil, fmt.Errorf("Fn::GetStackOutput: stack %s is not deployed", name)
		}
		v, ok := other.Outputs[output]
		if !ok {
			return nil, fmt.Errorf("Fn::GetStackOutput: stack %s has no output %s", name, output)
		}
		return v, nil
	case "Fn::ImportValue":
		x, err := r.resolve(ctx, st, arg)
		if err != nil {
			return nil, err
		}
		return r.importValue(ctx, scalar(x))
	}
	return nil, fmt.Errorf("intrinsic function %s is not supported by the read-back", fn)
}

// ref resolves {"Ref": name}: a pseudo parameter, a parameter or a resource.
func (r *resolver) ref(st *DeployedStack, name string) (any, error) {
	switch name {
	case "AWS::Region":
		return r.region, nil
	case "AWS::AccountId":
		return r.account, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return st.Name, nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if v, ok := st.Parameters[name]; ok {
		return v, nil
	}
	if p, ok := st.Physical[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("{\"Ref\": %q}: no such parameter or deployed resource in %s", name, st.Name)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// sub evaluates Fn::Sub: "text ${Name} ${Logical.Attr} ${!Literal}" or
// [text, {Name: value}].
func (r *resolver) sub(ctx context.Context, st *DeployedStack, arg any) (any, error) {
	text, vars := "", map[string]any{}
	switch a := arg.(type) {
	case string:
		text = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("Fn::Sub %v: want text or [text, variables]", arg)
		}
		text, _ = a[0].(string)
		m, _ := a[1].(map[string]any)
		for k, v := range m {
			x, err := r.resolve(ctx, st, v)
			if err != nil {
				return nil, err
			}
			vars[k] = x
		}
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		var v any
		var err error
		if x, ok := vars[name]; ok {
			v = x
		} else if id, attr, ok := strings.Cut(name, "."); ok {
			v, err = r.getAtt(ctx, st, id, attr)
		} else {
			v, err = r.ref(st, name)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return scalar(v)
	})
	return out, firstErr
}

// scalar formats a resolved scalar as CloudFormation does in a string.
func scalar(v any) string {
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

// sortedKeys returns m's keys, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
