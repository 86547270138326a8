package deploylocal

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/example/orderflow/tools/assembly"
	"github.com/example/orderflow/tools/moto"
)

// Verification is the read-back of an assembly's deployed stacks.
type Verification struct {
	Checks []Check
	// Types: one row per stack and resource type.
	Types []TypeSummary
	// Fixes the launcher applies to moto's CloudFormation.
	Fixes []moto.Fix
}

// Kind says how a resource type was deployed and whether it was verified.
type Kind string

// Kinds of TypeSummary.
const (
	// ReadBack: deployed by moto's CloudFormation, read back, compared.
	ReadBack Kind = "read back"
	// Taught: created by the launcher's model for the type (moto has the
	// service, not the CloudFormation type), read back, compared.
	Taught Kind = "read back (launcher's model)"
	// StandIn: moto has no such type; a placeholder; NOT verified.
	StandIn Kind = "stand-in: NOT verified"
	// NotReadBack: deployed, but the read-back has no checker for the type.
	NotReadBack Kind = "deployed, not read back"
)

// TypeSummary counts the checks of one resource type of one stack.
type TypeSummary struct {
	Stack, Type string
	Kind        Kind
	Resources   int
	// Checks by outcome; OKViaFix of the OK ones went through a launcher
	// fix (a property moto's CloudFormation drops).
	OK, OKViaFix, Failed, NotReported, Unresolved int
}

// total sums the read-back rows (Kind ReadBack or Taught): the stand-ins'
// and the types not read back have no checks, and their resources are not
// counted.
func (v *Verification) total() TypeSummary {
	var t TypeSummary
	for _, r := range v.Types {
		if r.Kind == ReadBack || r.Kind == Taught {
			t.Resources += r.Resources
			t.OK, t.OKViaFix, t.Failed, t.NotReported, t.Unresolved = t.OK+r.OK, t.OKViaFix+r.OKViaFix, t.Failed+r.Failed, t.NotReported+r.NotReported, t.Unresolved+r.Unresolved
		}
	}
	return t
}

// Failed returns the checks that found a difference.
func (v *Verification) Failed() []Check {
	return slices.DeleteFunc(slices.Clone(v.Checks), func(c Check) bool { return c.Status != Mismatch })
}

// verify reads back every resource of the assembly's deployed stacks and
// compares it with its template. standIns and taught are keys
// "stack/logicalID" from the launcher's report.
func verify(ctx context.Context, c *clients, asm *assembly.Assembly, region string, rep *moto.Report) (*Verification, map[string]*DeployedStack, error) {
	standIns, taught := map[string]bool{}, map[string]bool{}
	for _, r := range rep.StandIns {
		standIns[r.StackName+"/"+r.LogicalID] = true
	}
	for _, r := range rep.Taught {
		taught[r.StackName+"/"+r.LogicalID] = true
	}
	fixes := map[string]bool{}
	for _, f := range rep.Fixes {
		fixes[f.Type+"/"+f.Property] = true
	}
	deployed := map[string]*DeployedStack{}
	for _, st := range asm.Stacks {
		d, err := c.deployedStack(ctx, st)
		if err != nil {
			return nil, nil, err
		}
		deployed[st.Name] = d
	}
	attrs := map[string]any{}
	res := &assembly.Resolver{Region: region, Account: Account,
		Ref: func(st *assembly.Stack, name string) (any, error) {
			d := deployed[st.Name]
			if v, ok := d.Parameters[name]; ok {
				return v, nil
			}
			if p, ok := d.Physical[name]; ok {
				return p, nil
			}
			return nil, fmt.Errorf("{\"Ref\": %q}: no such parameter or deployed resource in %s", name, st.Name)
		},
		GetAtt: func(st *assembly.Stack, id, attr string) (any, error) {
			k := st.Name + "/" + id + "." + attr // each read once per read-back
			if v, ok := attrs[k]; ok {
				return v, nil
			}
			v, err := c.attribute(ctx, deployed[st.Name], standIns, id, attr)
			if err == nil {
				attrs[k] = v
			}
			return v, err
		},
		StackOutput: func(stack, output string) (any, error) {
			other, ok := deployed[stack]
			if !ok {
				return nil, fmt.Errorf("stack %s is not deployed", stack)
			}
			v, ok := other.Outputs[output]
			if !ok {
				return nil, fmt.Errorf("stack %s has no output %s", stack, output)
			}
			return v, nil
		},
	}
	v := &Verification{Fixes: rep.Fixes}
	for _, st := range asm.Stacks {
		d := deployed[st.Name]
		rows := map[string]*TypeSummary{}
		for _, id := range st.Template.LogicalIDs() {
			r := st.Template.Resources[id]
			key := st.Name + "/" + id
			kind := ReadBack
			switch {
			case standIns[key]:
				kind = StandIn
			case taught[key]:
				kind = Taught
			case checkers[r.Type].read == nil:
				kind = NotReadBack
			}
			row := rows[r.Type+"\x00"+string(kind)] // sorts by type
			if row == nil {
				row = &TypeSummary{Stack: st.Name, Type: r.Type, Kind: kind}
				rows[r.Type+"\x00"+string(kind)] = row
			}
			row.Resources++
			if kind == StandIn || kind == NotReadBack {
				continue
			}
			checks := checkResource(ctx, c, res, d, id, r)
			count := map[Status]*int{OK: &row.OK, Mismatch: &row.Failed, NotReported: &row.NotReported, Unresolved: &row.Unresolved}
			for i, ch := range checks {
				checks[i].ViaFix = fixes[ch.Type+"/"+ch.Property]
				*count[ch.Status]++
				if ch.Status == OK && checks[i].ViaFix {
					row.OKViaFix++
				}
			}
			v.Checks = append(v.Checks, checks...)
		}
		for _, k := range sortedKeys(rows) {
			v.Types = append(v.Types, *rows[k])
		}
	}
	return v, deployed, nil
}

// checkResource compares one deployed resource with its template, property
// by property.
func checkResource(ctx context.Context, c *clients, res *assembly.Resolver, st *DeployedStack, id string, r assembly.Resource) []Check {
	chk := checkers[r.Type]
	rc := &resourceCheck{stack: st, id: id, res: r, physical: st.Physical[id], props: map[string]any{}}
	base := Check{Stack: st.Name, LogicalID: id, Type: r.Type}
	var checks []Check
	unresolved := map[string]error{}
	for _, p := range sortedKeys(r.Properties) {
		v, err := res.Resolve(st.Stack, r.Properties[p])
		if err != nil {
			unresolved[p] = err
			continue
		}
		rc.props[p] = v
	}
	if rc.physical == "" && r.Type != "AWS::Lambda::Permission" && r.Type != "AWS::IAM::Policy" {
		return []Check{{Stack: st.Name, LogicalID: id, Type: r.Type, Property: "(deployed)", Want: "a physical ID", Got: "none in ListStackResources", Status: Mismatch}}
	}
	got, err := chk.read(ctx, c, rc)
	if err != nil {
		return []Check{{Stack: st.Name, LogicalID: id, Type: r.Type, Property: "(read back)", Want: "the resource", Got: err.Error(), Status: Mismatch}}
	}
	for _, p := range sortedKeys(r.Properties) {
		if _, skip := chk.skip[p]; skip {
			continue
		}
		ch := base
		ch.Property = p
		if err, ok := unresolved[p]; ok {
			ch.Status, ch.Want, ch.Got = Unresolved, short(r.Properties[p]), err.Error()
			var si errStandIn
			if errors.As(err, &si) {
				ch.Got = "refers to a stand-in: " + err.Error()
			}
			checks = append(checks, ch)
			continue
		}
		want := rc.props[p]
		g, present := got[p]
		switch {
		case !present || g == nil:
			ch.Status, ch.Want, ch.Got = NotReported, short(want), "not reported by the emulator"
		default:
			ok, diff := compare(want, g)
			ch.Want, ch.Got = short(want), short(normalize(g))
			if !ok {
				ch.Status, ch.Got = Mismatch, diff
			}
		}
		checks = append(checks, ch)
	}
	return append(checks, rc.extra...)
}
