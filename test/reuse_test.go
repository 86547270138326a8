package test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// reuseStep is one step of a README's "use it from your module" section: a
// shell block to run, or a file to write, in the order the README gives them.
type reuseStep struct {
	line int    // of the fence in the README
	file string // path to write the block to; "" for a shell block
	body string
}

// reuseSteps reads the blocks of a README marked `<!-- reuse:sh -->` (run
// with bash) or `<!-- reuse:file PATH -->` (written to PATH): each marker
// applies to the fenced block that follows it.
func reuseSteps(t *testing.T, readme string) []reuseStep {
	t.Helper()
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	var steps []reuseStep
	var cur *reuseStep
	marked, inBlock := false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case !inBlock && strings.HasPrefix(line, "<!-- reuse:"):
			spec := strings.TrimSuffix(strings.TrimPrefix(line, "<!-- reuse:"), " -->")
			cur = &reuseStep{}
			if f, ok := strings.CutPrefix(spec, "file "); ok {
				cur.file = strings.TrimSpace(f)
			} else if spec != "sh" {
				t.Fatalf("%s:%d: unknown marker %q", readme, n, line)
			}
			marked = true
		case !inBlock && strings.HasPrefix(line, "```"):
			inBlock = true
			if marked {
				cur.line = n
			}
		case inBlock && strings.HasPrefix(line, "```"):
			inBlock = false
			if marked {
				steps = append(steps, *cur)
				marked = false
			}
		case inBlock && marked:
			cur.body += line + "\n"
		}
	}
	if marked || inBlock {
		t.Fatalf("%s: a reuse marker or block is not closed", readme)
	}
	return steps
}

// TestReuseFromAnOutsideModule follows constructs/README.md's "Use it from
// your module" as written, in a new module outside the repository (beside a
// link to this checkout, which the README's replace lines name): go.mod, the
// pinned CLI, the stack, the functions in a module of their own on the
// handler runtime (batch, idempotency, metrics; their tests), cdk.json from
// cdkjson, go vet, go test (tags on a queue worker reach its event source
// mapping; no cdk-nag finding) and `npx cdk synth`, which builds the
// functions. The infrastructure module's requirements hold no AWS SDK
// service client, no test fake, and compile no golang.org/x/tools package.
func TestReuseFromAnOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a CDK app in a new module and installs the CDK CLI with npm")
	}
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	steps := reuseSteps(t, filepath.Join(root, "constructs", "README.md"))
	if len(steps) < 5 {
		t.Fatalf("got %d reuse steps in constructs/README.md, want the whole walk-through", len(steps))
	}
	work := t.TempDir()
	if err := os.Symlink(root, filepath.Join(work, "orderflow")); err != nil {
		t.Fatal(err)
	}
	mod := filepath.Join(work, "orders")
	if err := os.Mkdir(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(),
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20", // the README's choice on Node 20
		"CDK_DISABLE_CLI_TELEMETRY=true",
		"GOFLAGS=-mod=mod",
	)
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = mod, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	for _, s := range steps {
		if s.file != "" {
			path := filepath.Join(mod, filepath.FromSlash(s.file))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(s.body), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Logf("constructs/README.md:%d:\n%s", s.line, s.body)
		run("bash", "-euo", "pipefail", "-c", s.body)
	}

	// The functions' module uses the handler runtime: batches, idempotency,
	// metrics (its own tests ran in the README's steps).
	fnDeps := run("bash", "-c", "cd functions && go list -deps ./...")
	for _, pkg := range []string{"runtime/batch", "runtime/idempotency", "runtime/metrics"} {
		if !strings.Contains(fnDeps, "github.com/example/orderflow/"+pkg+"\n") {
			t.Errorf("functions module: got no github.com/example/orderflow/%s among its packages", pkg)
		}
	}
	if _, err := os.Stat(filepath.Join(mod, "cdk.out", "Orders.template.json")); err != nil {
		t.Errorf("npx cdk synth wrote no template: %v", err)
	}
	modules := run("go", "list", "-m", "all")
	for _, banned := range []string{"github.com/aws/aws-sdk-go-v2/service/", "github.com/johannesboyne/gofakes3", "github.com/truora/minidyn"} {
		if strings.Contains(modules, banned) {
			t.Errorf("go list -m all: got %s..., want none (the library requires only what synth needs)", banned)
		}
	}
	// jsii-runtime-go requires golang.org/x/tools for a tool of its own (a
	// blank import under a build tag), so the module graph of any aws-cdk-go
	// app lists it; it must come in through jsii alone, and no package of it
	// is compiled into the app or its tests.
	whyOut := run("go", "mod", "why", "-m", "golang.org/x/tools")
	if why := strings.Fields(whyOut); !strings.Contains(whyOut, "does not need") && (len(why) < 2 || why[len(why)-2] != "github.com/aws/jsii-runtime-go") {
		t.Errorf("go mod why -m golang.org/x/tools: got %q, want a path through github.com/aws/jsii-runtime-go alone", whyOut)
	}
	if pkgs := run("go", "list", "-deps", "-test", "./..."); strings.Contains(pkgs, "golang.org/x/tools/") {
		t.Errorf("go list -deps -test: got a golang.org/x/tools package compiled into the app, want none")
	}
}
