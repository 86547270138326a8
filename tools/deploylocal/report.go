package deploylocal

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// PrintVerification writes the table of what was read back and compared,
// then, per stack, the types the emulator only stood in for (never counted
// as verified), the types not read back, and the properties the emulator
// did not report.
func PrintVerification(w io.Writer, title string, v *Verification) {
	fmt.Fprintf(w, "\n%s\n\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stack\tresource type\tresources\tchecks ok\t(via fix)\tnot reported\tunresolved\tfailed\tdeployed by\t")
	for _, t := range v.Types {
		if t.Kind == ReadBack || t.Kind == Taught {
			by := map[Kind]string{ReadBack: "moto", Taught: "launcher's model"}[t.Kind]
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", t.Stack, t.Type, t.Resources, t.OK, t.OKViaFix, t.NotReported, t.Unresolved, t.Failed, by)
		}
	}
	total := v.total()
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t%d\t%d\t%d\t\t\n", total.Resources, total.OK, total.OKViaFix, total.NotReported, total.Unresolved, total.Failed)
	tw.Flush()
	fmt.Fprintln(w, "\n(via fix: ok, but the property went through the launcher, which applies what moto's CloudFormation drops; deployed by launcher's model: moto has the service, not the CloudFormation type)")

	for _, k := range []struct {
		kind    Kind
		heading string
	}{
		{StandIn, "Stood in for by the launcher (moto has no such CloudFormation type; a placeholder, nothing created): NOT verified"},
		{NotReadBack, "Deployed by moto, not read back (no checker for the type): not verified"},
	} {
		var stacks []string
		byStack := map[string][]string{}
		for _, t := range v.Types {
			if t.Kind == k.kind {
				if byStack[t.Stack] == nil {
					stacks = append(stacks, t.Stack)
				}
				byStack[t.Stack] = append(byStack[t.Stack], fmt.Sprintf("%s (%d)", t.Type, t.Resources))
			}
		}
		if len(stacks) > 0 {
			fmt.Fprintln(w, "\n"+k.heading)
		}
		for _, s := range stacks {
			fmt.Fprintf(w, "  %s: %s\n", s, strings.Join(byStack[s], ", "))
		}
	}

	if len(v.Fixes) > 0 {
		byType := map[string][]string{}
		for _, f := range v.Fixes {
			byType[f.Type] = append(byType[f.Type], f.Property)
		}
		fmt.Fprintln(w, "\nWhat the launcher fixes in moto's CloudFormation (motolaunch.py; checks that relied on it are counted under \"via fix\"):")
		for _, t := range sortedKeys(byType) {
			fmt.Fprintf(w, "  %s: %s\n", t, strings.Join(byType[t], ", "))
		}
	}

	gaps := map[string]int{}
	for _, c := range v.Checks {
		if c.Status == NotReported || c.Status == Unresolved {
			gaps[fmt.Sprintf("%s %s (%s)", c.Type, c.Property, c.Status)]++
		}
	}
	if len(gaps) > 0 {
		fmt.Fprintln(w, "\nProperties not verified (the emulator did not report them, or they refer to a stand-in):")
		for _, k := range sortedKeys(gaps) {
			fmt.Fprintf(w, "  %s x%d\n", k, gaps[k])
		}
	}
	if failed := v.Failed(); len(failed) > 0 {
		fmt.Fprintf(w, "\nFAILED: %d checks\n", len(failed))
		for _, c := range failed {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
}

// Step is one step of the rehearsal.
type Step struct {
	Name     string
	Duration time.Duration
	Detail   string
	Err      error
}

// PrintSteps writes the steps as a table (name, result, wall time), each
// step's finding on the line below it.
func PrintSteps(w io.Writer, steps []Step, total time.Duration) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "step\tresult\ttime\t")
	for _, s := range steps {
		result := "ok"
		if s.Err != nil {
			result = "FAILED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1fs\t\n", s.Name, result, s.Duration.Seconds())
	}
	fmt.Fprintf(tw, "total (wall)\t\t%.1fs\t\n", total.Seconds())
	tw.Flush()
	fmt.Fprintln(w)
	for _, s := range steps {
		if s.Detail != "" {
			fmt.Fprintf(w, "%s:\n    %s\n", s.Name, s.Detail)
		}
	}
}
