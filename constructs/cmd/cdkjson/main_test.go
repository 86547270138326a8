package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/example/orderflow/constructs/cdkapp"
)

func TestNewCdkJSON(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, "go run .", ""); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		App     string         `json:"app"`
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.App != "go run ." {
		t.Errorf("app: got %q, want %q", doc.App, "go run .")
	}
	if got, want := len(doc.Context), len(cdkapp.FeatureFlags()); got != want {
		t.Errorf("context: got %d entries, want the %d flags", got, want)
	}
}

func TestMergeKeepsTheFilesOwnValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdk.json")
	const flag = "@aws-cdk/aws-iam:minimizePolicies"
	orig := `{"app": "go run ./cmd/app", "watch": {"include": ["**/*.go"]}, "context": {"` + flag + `": false, "team": "orders"}}`
	if err := os.WriteFile(path, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(&out, "go run .", path); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	ctx := doc["context"].(map[string]any)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"app", doc["app"], "go run ./cmd/app"},
		{"watch kept", doc["watch"] != nil, true},
		{"own flag value wins", ctx[flag], false},
		{"own context kept", ctx["team"], "orders"},
		{"library flag added", ctx["@aws-cdk/aws-iam:importedRoleStackSafeDefaultPolicyName"], true},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != orig {
		t.Error("the merged file was changed: cdkjson must only read it")
	}
}
