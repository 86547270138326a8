package test

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/example/orderflow/stacks"
)

// findings returns the cdk-nag errors and warnings of a stack as
// "/<construct path> <rule>[<finding>]" lines. It reads the annotations from
// the construct tree (metadata entries aws:cdk:error and aws:cdk:warning),
// which is what assertions.Annotations_FromStack reads too, without that
// API's deprecated cxapi.SynthesisMessage type.
func findings(stack awscdk.Stack) []string {
	awscdk.Stage_Of(stack).Synth(nil) // runs the aspects (cdk-nag) once; later calls return the same assembly
	var out []string
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if *awscdk.Stack_Of(c).Node().Path() != *stack.Node().Path() {
			continue // a nested stack's construct
		}
		for _, e := range *c.Node().Metadata() {
			if t := *e.Type; t != "aws:cdk:error" && t != "aws:cdk:warning" {
				continue
			}
			rule, _, _ := strings.Cut(fmt.Sprint(e.Data), ":")
			out = append(out, "/"+*c.Node().Path()+" "+rule)
		}
	}
	sort.Strings(out)
	return out
}

func TestNoCdkNagFindings(t *testing.T) {
	for _, stage := range []string{stacks.StageDev, stacks.StageProd} {
		t.Run(stage, func(t *testing.T) {
			s := synth(t, stage)
			for _, stack := range []awscdk.Stack{s.app.Stateful.Stack, s.app.Service.Stack} {
				if got := findings(stack); len(got) > 0 {
					t.Errorf("%s: got %d findings, want none:\n%s", *stack.StackName(), len(got), strings.Join(got, "\n"))
				}
			}
		})
	}
}

// TestEverySuppressionIsStillNeeded checks each suppression in the
// templates against the cdk-nag reports: a suppression that suppressed no
// finding is stale and must go. It also checks that the reports exist and
// hold no non-compliant row.
func TestEverySuppressionIsStillNeeded(t *testing.T) {
	s := synth(t, stacks.StageDev)
	suppressed, nonCompliant := readNagReports(t, s.outdir)
	if len(nonCompliant) > 0 {
		t.Errorf("non-compliant rows in the nag reports:\n%s", strings.Join(nonCompliant, "\n"))
	}
	found := strings.Join(suppressed, "\n") + "\n"
	var count int
	for _, stack := range []awscdk.Stack{s.app.Stateful.Stack, s.app.Service.Stack} {
		tmpl := assertions.Template_FromStack(stack, nil)
		for logicalID, res := range (*tmpl.ToJSON())["Resources"].(map[string]any) {
			meta, _ := res.(map[string]any)["Metadata"].(map[string]any)
			nagMeta, _ := meta["cdk_nag"].(map[string]any)
			rules, _ := nagMeta["rules_to_suppress"].([]any)
			path, _ := meta["aws:cdk:path"].(string)
			for _, rr := range rules {
				rule := rr.(map[string]any)
				ruleID := rule["id"].(string)
				count++
				applies, _ := rule["applies_to"].([]any)
				if len(applies) == 0 {
					if !strings.Contains(found, path+" "+ruleID+"\n") && !strings.Contains(found, path+" "+ruleID+"[") {
						t.Errorf("%s (%s): suppression of %s matches no finding", logicalID, path, ruleID)
					}
					continue
				}
				for _, ap := range applies {
					if !matchesFinding(found, path, ruleID, ap) {
						t.Errorf("%s: suppression %s[%v] matches no finding", path, ruleID, ap)
					}
				}
			}
		}
	}
	if count == 0 {
		t.Fatal("found no suppressions to check: the metadata format changed?")
	}
	t.Logf("%d suppressions checked against the reports", count)
}

// readNagReports reads every *-NagReport.csv in outdir and returns the
// suppressed findings as "<path> <rule>" or "<path> <rule>[<finding>]" lines,
// and the non-compliant rows.
func readNagReports(t *testing.T, outdir string) (suppressed, nonCompliant []string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(outdir, "*-NagReport.csv"))
	if len(files) != 4 {
		t.Fatalf("got nag reports %v, want AwsSolutions and Serverless for both stacks", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, row := range rows[1:] {
			rule, path, compliance, reason := row[0], row[1], row[2], row[3]
			switch compliance {
			case "Non-Compliant":
				nonCompliant = append(nonCompliant, strings.Join(row, " | "))
			case "Suppressed":
				line := path + " " + rule
				if strings.HasPrefix(reason, "[") {
					if i := strings.Index(reason, "] "); i > 0 {
						line += reason[:i+1]
					}
				}
				suppressed = append(suppressed, line)
			}
		}
	}
	sort.Strings(suppressed)
	return suppressed, nonCompliant
}

// matchesFinding reports whether found (lines of findings) has a finding of
// rule at path whose finding ID is appliesTo: a string, or {"regex": "/re/"}.
func matchesFinding(found, path, rule string, appliesTo any) bool {
	prefix := path + " " + rule + "["
	if s, ok := appliesTo.(string); ok {
		return strings.Contains(found, prefix+s+"]\n")
	}
	m, _ := appliesTo.(map[string]any)
	expr, _ := m["regex"].(string)
	re, err := regexp.Compile(strings.TrimSuffix(strings.TrimPrefix(expr, "/"), "/"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(found, "\n") {
		if id, ok := strings.CutPrefix(line, prefix); ok && re.MatchString(strings.TrimSuffix(id, "]")) {
			return true
		}
	}
	return false
}
