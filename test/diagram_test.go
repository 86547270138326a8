package test

import (
	"bytes"
	"fmt"
	"image"
	_ "image/png" // DecodeConfig of docs/architecture.png
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// TestArchitectureDiagramIsCurrent regenerates the DOT source of
// docs/architecture.png from the dev app and compares it with the committed
// docs/architecture.dot, which `make diagram` writes together with the PNG.
// It needs Node and node_modules (make test installs them), not Graphviz.
func TestArchitectureDiagramIsCurrent(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "cdk-dia", "package.json")); err != nil {
		msg := "cdk-dia is not installed (npm ci installs it; make test runs npm ci)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s := synth(t, "dev")
	assembly := awscdk.Stage_Of(s.app.Service.Stack).Synth(nil) // the assembly already written
	tree := filepath.Join(*assembly.Directory(), "tree.json")

	got := filepath.Join(t.TempDir(), "architecture.dot")
	cmd := exec.Command(nodeBinary(root), filepath.Join("docs", "architecture.js"), tree, got)
	cmd.Dir = root // require() resolves cdk-dia from the project's node_modules
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docs/architecture.js: %v\n%s", err, msg)
	}
	dot, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(root, "docs", "architecture.dot"))
	if err != nil {
		t.Fatalf("%v: run `make diagram` and commit docs/architecture.dot and docs/architecture.png", err)
	}
	if !bytes.Equal(dot, want) {
		t.Errorf("docs/architecture.dot is stale (the app changed): run `make diagram` and commit docs/architecture.dot and docs/architecture.png\n%s",
			firstDifferences(string(want), string(dot), 10))
	}
	if bytes.Contains(want, []byte(root)) {
		t.Errorf("docs/architecture.dot holds the absolute path %s: icon paths must be relative to the project root", root)
	}

	f, err := os.Open(filepath.Join(root, "docs", "architecture.png"))
	if err != nil {
		t.Fatalf("%v: run `make diagram`", err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil || format != "png" || cfg.Width < 800 || cfg.Height < 400 {
		t.Errorf("docs/architecture.png: got %s %dx%d (%v), want a PNG rendered by `make diagram`", format, cfg.Width, cfg.Height, err)
	}
}

// nodeBinary is the Node that runs jsii (JSII_NODE, as the Makefile sets it),
// else the project's Node 22, else node on PATH.
func nodeBinary(root string) string {
	if n := os.Getenv("JSII_NODE"); n != "" {
		return n
	}
	if n := filepath.Join(root, "node_modules", ".bin", "node"); fileExists(n) {
		return n
	}
	return "node"
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// firstDifferences lists up to n lines that differ between want and got,
// by line number.
func firstDifferences(want, got string, n int) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)) && n > 0; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d: committed %q, app gives %q\n", i+1, wl, gl)
			n--
		}
	}
	return b.String()
}
