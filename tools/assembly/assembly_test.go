package assembly

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeJSON writes v as JSON to dir/name, making folders as needed.
func writeJSON(t *testing.T, dir, name string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadAssemblyOrdersStacksByDependency(t *testing.T) {
	dir := t.TempDir()
	manifest := map[string]any{"version": "55.0.0", "artifacts": map[string]any{
		"A-Service":        map[string]any{"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region", "dependencies": []string{"A-Service.assets", "A-Stateful"}, "properties": map[string]any{"templateFile": "svc.json"}},
		"A-Service.assets": map[string]any{"type": "cdk:asset-manifest"},
		"A-Stateful":       map[string]any{"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region", "properties": map[string]any{"templateFile": "st.json"}},
	}}
	writeJSON(t, dir, "manifest.json", manifest)
	writeJSON(t, dir, "svc.json", map[string]any{"Resources": map[string]any{"Fn": map[string]any{"Type": "AWS::Lambda::Function"}}})
	writeJSON(t, dir, "st.json", map[string]any{"Resources": map[string]any{"T": map[string]any{"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain"}}})
	a, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Stacks) != 2 || a.Stacks[0].Name != "A-Stateful" || a.Stacks[1].Name != "A-Service" {
		t.Fatalf("got stacks %v, want A-Stateful then A-Service", a.StackNames())
	}
	if !a.Stack("A-Stateful").Template.Resources["T"].Retained() || a.Stack("A-Service").Template.Resources["Fn"].Retained() {
		t.Error("Retained: want true for the table only")
	}
	if got := a.Region(); got != "" {
		t.Errorf("Region of an environment-agnostic assembly: got %q, want none", got)
	}
}

// TestReadNestedAssemblyAndAssets: a CDK stage's stacks live in a nested
// assembly; its asset manifest names the functions' code folders.
func TestReadNestedAssemblyAndAssets(t *testing.T) {
	dir := t.TempDir()
	writeJSON(t, dir, "manifest.json", map[string]any{"artifacts": map[string]any{
		"Prod": map[string]any{"type": "cdk:cloud-assembly", "properties": map[string]any{"directoryName": "assembly-Prod"}},
		"Tree": map[string]any{"type": "cdk:tree", "properties": map[string]any{"file": "tree.json"}},
	}})
	nested := filepath.Join(dir, "assembly-Prod")
	writeJSON(t, nested, "manifest.json", map[string]any{"artifacts": map[string]any{
		"ProdSvc": map[string]any{"type": "aws:cloudformation:stack", "environment": "aws://123456789012/eu-west-1",
			"dependencies": []string{"ProdSvc.assets"}, "properties": map[string]any{"templateFile": "ProdSvc.template.json", "stackName": "Prod-Svc"}},
		"ProdSvc.assets": map[string]any{"type": "cdk:asset-manifest", "properties": map[string]any{"file": "ProdSvc.assets.json"}},
	}})
	writeJSON(t, nested, "ProdSvc.template.json", map[string]any{
		"Resources": map[string]any{"Fn": map[string]any{"Type": "AWS::Lambda::Function", "Metadata": map[string]any{"aws:asset:path": "asset.abc"}}},
		"Outputs":   map[string]any{"FnName": map[string]any{"Value": map[string]any{"Ref": "Fn"}, "Export": map[string]any{"Name": "Prod-FnName"}}},
	})
	writeJSON(t, nested, "ProdSvc.assets.json", map[string]any{"files": map[string]any{
		"abc": map[string]any{"displayName": "Fn/Code", "source": map[string]any{"path": "asset.abc", "packaging": "zip"}},
	}, "dockerImages": map[string]any{
		"def": map[string]any{"displayName": "Img", "source": map[string]any{"directory": "asset.def"}},
	}})
	a, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := a.Stack("Prod-Svc")
	if st == nil || st.ID != "ProdSvc" || st.Account != "123456789012" || st.Region != "eu-west-1" || a.Region() != "eu-west-1" {
		t.Fatalf("got stacks %v (%+v), want Prod-Svc of 123456789012/eu-west-1", a.StackNames(), st)
	}
	assets, err := a.Assets()
	if err != nil {
		t.Fatal(err)
	}
	if len(assets) != 2 || assets[0].Path != filepath.Join(nested, "asset.abc") || assets[0].DisplayName != "Fn/Code" || assets[0].Packaging != "zip" ||
		assets[1].Path != filepath.Join(nested, "asset.def") || assets[1].Packaging != "container-image" {
		t.Errorf("assets: got %+v, want Fn/Code at %s and an image's folder", assets, filepath.Join(nested, "asset.abc"))
	}
	// The defaults follow cross-stack references inside the assembly.
	r := &Resolver{Assembly: a,
		Ref:    func(st *Stack, name string) (any, error) { return "local-" + name, nil },
		GetAtt: func(st *Stack, id, attr string) (any, error) { return id + "." + attr, nil }}
	got, err := r.String(st, map[string]any{"Fn::Join": []any{",", []any{
		map[string]any{"Fn::ImportValue": "Prod-FnName"},
		map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": "Prod-Svc", "OutputName": "FnName"}},
	}}})
	if err != nil || got != "local-Fn,local-Fn" {
		t.Errorf("import and stack output: got %q, %v; want local-Fn twice", got, err)
	}
	if _, err := r.Resolve(st, map[string]any{"Fn::ImportValue": "Nope"}); err == nil || !strings.Contains(err.Error(), `no stack exports "Nope"`) {
		t.Errorf("missing export: got %v", err)
	}
}

func TestReadWithoutManifestSaysWhatToRun(t *testing.T) {
	_, err := Read(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "run `make synth` first") {
		t.Errorf("got %v, want the hint to run make synth", err)
	}
}

func TestFromMap(t *testing.T) {
	tmpl, err := FromMap(map[string]any{"Resources": map[string]any{
		"B": map[string]any{"Type": "AWS::S3::Bucket", "DeletionPolicy": "RetainExceptOnCreate", "Properties": map[string]any{"X": 1.0}},
		"A": map[string]any{"Type": "AWS::SQS::Queue"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if ids := tmpl.LogicalIDs(); strings.Join(ids, ",") != "A,B" || !tmpl.Resources["B"].Retained() || tmpl.Resources["B"].Properties["X"] != 1.0 {
		t.Errorf("got %v %+v", ids, tmpl.Resources)
	}
}
