package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The snapshot mechanism on hand-made templates: what fails, what -update
// writes, and what it refuses without -accept-replacement.

const snapStateful = `{"Resources": {
  "Orders": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
    "Properties": {"KeySchema": [{"AttributeName": "orderId", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}}}}`

const snapService = `{"Resources": {
  "KitchenPolicy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [
    {"Action": "dynamodb:UpdateItem", "Effect": "Allow", "Resource": {"Fn::GetAtt": ["Orders", "Arn"]}}]}, "Roles": [{"Ref": "KitchenRole"}]}}}}`

func snapTemplate(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// snapDir writes the committed snapshots of a stage into a temp dir.
func snapDir(t *testing.T, templates map[string]map[string]any) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "snapshots", "dev")
	if err := writeSnapshots(dir, nil, templates); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCompareSnapshots(t *testing.T) {
	base := func() map[string]map[string]any {
		return map[string]map[string]any{
			"S-Stateful.template.json": snapTemplate(t, snapStateful),
			"S-Service.template.json":  snapTemplate(t, snapService),
		}
	}
	widened := func() map[string]map[string]any {
		m := base()
		m["S-Service.template.json"] = snapTemplate(t, strings.Replace(snapService, `"Action": "dynamodb:UpdateItem"`, `"Action": ["dynamodb:DeleteItem", "dynamodb:UpdateItem"]`, 1))
		return m
	}
	rekeyed := func() map[string]map[string]any {
		m := base()
		m["S-Stateful.template.json"] = snapTemplate(t, strings.Replace(snapStateful, `"AttributeName": "orderId"`, `"AttributeName": "pk"`, 1))
		return m
	}
	statefulGone := func() map[string]map[string]any {
		m := base()
		delete(m, "S-Stateful.template.json")
		return m
	}
	tests := []struct {
		name           string
		got            map[string]map[string]any
		update, accept bool
		want           snapshotOutcome
		wantReport     []string
		wantFiles      map[string]map[string]any // the snapshots afterwards
	}{
		{name: "equal", got: base(), want: snapshotsEqual, wantFiles: base()},
		{name: "grant widened fails with the IAM change", got: widened(), want: snapshotsDiffer,
			wantReport: []string{
				"=== S-Service (0 added, 0 removed, 1 changed)",
				"[~] AWS::IAM::Policy KitchenPolicy",
				`[-]     "Action": "dynamodb:UpdateItem",`,
				`[+]       "dynamodb:DeleteItem",`,
				"SECURITY-RELEVANT CHANGES",
				"│ + │ ${Orders.Arn} │ Allow  │ dynamodb:DeleteItem │ AWS:${KitchenRole} │",
				"go test ./test -run TestSnapshot -update   (or: make snapshots)",
			},
			wantFiles: base()},
		{name: "grant widened, -update writes it", got: widened(), update: true, want: snapshotsWritten,
			wantReport: []string{"│ + │ ${Orders.Arn} │ Allow  │ dynamodb:DeleteItem │"}, wantFiles: widened()},
		{name: "key schema changed fails and names the data loss", got: rekeyed(), want: snapshotsDiffer,
			wantReport: []string{
				"[~] AWS::DynamoDB::Table Orders replace",
				"[~] KeySchema (requires replacement)",
				"[stateful] ! AWS::DynamoDB::Table Orders is replaced (KeySchema changed)",
				"-update -accept-replacement",
			},
			wantFiles: base()},
		{name: "key schema changed, -update alone refuses", got: rekeyed(), update: true, want: snapshotsRefused,
			wantReport: []string{"a deploy loses or orphans its data", "-update -accept-replacement"}, wantFiles: base()},
		{name: "key schema changed, -update -accept-replacement writes it", got: rekeyed(), update: true, accept: true,
			want: snapshotsWritten, wantFiles: rekeyed()},
		{name: "stack removed, -update alone refuses", got: statefulGone(), update: true, want: snapshotsRefused,
			wantReport: []string{"=== S-Stateful (0 added, 1 removed, 0 changed)", "[-] AWS::DynamoDB::Table Orders orphan", "[stateful] ! AWS::DynamoDB::Table Orders is removed from the template"},
			wantFiles:  base()},
		{name: "stack removed, accepted: its snapshot goes", got: statefulGone(), update: true, accept: true,
			want: snapshotsWritten, wantFiles: statefulGone()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := snapDir(t, base())
			want, err := readTemplateDir(dir, false)
			if err != nil {
				t.Fatal(err)
			}
			got, report, err := compareSnapshots(dir, want, tt.got, tt.update, tt.accept)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("outcome: got %v, want %v\n%s", got, tt.want, report)
			}
			for _, line := range tt.wantReport {
				if !strings.Contains(report, line) {
					t.Errorf("report lacks %q:\n%s", line, report)
				}
			}
			files, err := readTemplateDir(dir, false)
			if err != nil {
				t.Fatal(err)
			}
			if again, _, _ := compareSnapshots(dir, files, tt.wantFiles, false, false); again != snapshotsEqual {
				t.Errorf("snapshots afterwards differ from what they should hold")
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".snapshot-") {
					t.Errorf("temp file %s left behind", e.Name())
				}
			}
		})
	}
}

// TestSnapshotsAreNormalized checks the committed snapshots themselves: in
// the canonical encoding -update writes, and without the values Normalize
// removes (a snapshot edited by hand, or written by another tool, would
// otherwise pass until the next -update rewrote it).
func TestSnapshotsAreNormalized(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range snapshotStages {
		dir := filepath.Join("testdata", "snapshots", stage)
		files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
		if len(files) == 0 {
			t.Errorf("%s: no snapshots: run `make snapshots`", dir)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var tmpl map[string]any
			if err := json.Unmarshal(data, &tmpl); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			canonical, err := snapshotJSON(tmpl)
			if err != nil {
				t.Fatal(err)
			}
			if string(canonical) != string(data) {
				t.Errorf("%s is not in the encoding -update writes: run `make snapshots`", f)
			}
			for _, s := range []string{`"aws:cdk:path"`, `"aws:asset:path"`, `"AWS::CDK::Metadata"`} {
				if strings.Contains(string(data), s) {
					t.Errorf("%s holds %s, which the snapshots leave out", f, s)
				}
			}
			if strings.Contains(string(data), root) {
				t.Errorf("%s holds the checkout path %s", f, root)
			}
		}
	}
}
