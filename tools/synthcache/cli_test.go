package synthcache

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/orderflow/tools/findup"
)

// TestTheCDKCLIAcceptsAReusedAssembly runs the pinned CDK CLI (from the
// project's node_modules) with the fixture behind synthcache, as cdk.json does
// with the real app: the CLI passes context and the output folder, accepts
// the assembly synthcache puts back, and a context change (-c) runs the app.
func TestTheCDKCLIAcceptsAReusedAssembly(t *testing.T) {
	t.Parallel()
	root, err := findup.Dir(".", "go.mod")
	if err != nil {
		t.Fatal(err)
	}
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		t.Fatalf("%s is missing: run `npm ci` first (make test does)", cdk)
	}
	launcher := filepath.Join(t.TempDir(), "synthcache")
	build := exec.Command("go", "build", "-o", launcher, "./tools/cmd/synthcache")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build synthcache: %v\n%s", err, out)
	}
	f := newFixture(t)
	env := []string{"PATH=" + filepath.Join(root, "node_modules", ".bin") + string(filepath.ListSeparator) + os.Getenv("PATH"),
		"CDK_DISABLE_CLI_TELEMETRY=true", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20"}
	for _, kv := range f.env {
		if !strings.HasPrefix(kv, "CDK_") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(cdk, append(args, "--app", launcher, "--no-notices", "--no-version-reporting")...)
		cmd.Dir, cmd.Env = f.mod, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cdk %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	steps := []struct {
		name   string
		args   []string
		reused bool
		runs   int // of the app, in total
	}{
		{"first synth runs the app", []string{"synth", "--quiet"}, false, 1},
		{"unchanged synth reuses the assembly", []string{"synth", "--quiet"}, true, 1},
		{"a context value given with -c runs the app", []string{"synth", "--quiet", "-c", "stage=prod"}, false, 2},
		// cdk ls asks for no bundling (context aws:cdk:bundling-stacks []): another input.
		{"cdk ls runs the app", []string{"ls"}, false, 3},
	}
	var out string
	for _, s := range steps {
		out = cli(s.args...)
		if got := strings.Contains(out, "cloud assembly was put back"); got != s.reused {
			t.Fatalf("%s: reused %t, want %t; output:\n%s", s.name, got, s.reused, out)
		}
		if got := f.runCount(); got != s.runs {
			t.Fatalf("%s: the app ran %d times in all, want %d", s.name, got, s.runs)
		}
	}
	if !strings.Contains(out, "Fixture-dev") {
		t.Errorf("cdk ls: got %q, want it to list Fixture-dev", out)
	}
	if _, err := os.Stat(filepath.Join(f.mod, "cdk.out", "Fixture-prod.template.json")); err != nil {
		t.Errorf("prod template: %v", err)
	}
}
