package synthcache

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixture is a copy of testdata/fixture (a stand-in for a CDK app that
// writes a small cloud assembly showing every input it read) in a temp dir.
type fixture struct {
	t    *testing.T
	mod  string // the module copy
	runs string // file that gets a line per run of the app
	env  []string
}

// newFixture returns a copy of testdata/fixture in a temp dir.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{t: t, mod: filepath.Join(dir, "mod"), runs: filepath.Join(dir, "runs")}
	copyTree(t, "testdata/fixture", f.mod)
	f.env = fixtureEnv(f.runs)
	return f
}

// fixtureEnv is this process's environment without what the CLI or the
// tests set, plus the fixture's own.
func fixtureEnv(runs string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CDK_") || strings.HasPrefix(k, "FIXTURE_") || strings.HasPrefix(k, "JSII_") ||
			k == EnvCache || k == EnvTimings || slices.Contains(contextOverflowVars, k) {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "CDK_OUTDIR=cdk.out", `CDK_CONTEXT_JSON={"stage":"dev"}`, "FIXTURE_RUNS="+runs, "FIXTURE_VALUE=a")
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// runner returns a Runner of the fixture with extra environment variables
// (NAME=VALUE overrides the fixture's) and arguments.
func (f *fixture) runner(extra []string, args ...string) (*Runner, *bytes.Buffer, *bytes.Buffer) {
	env := slices.Clone(f.env)
	for _, kv := range extra {
		k, _, _ := strings.Cut(kv, "=")
		env = slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		env = append(env, kv)
	}
	var stdout, stderr bytes.Buffer
	return &Runner{
		ModuleDir: f.mod, Package: ".", StateDir: filepath.Join(f.mod, ".build", "synthcache"), Dir: f.mod,
		Env: env, Args: args, Stdout: &stdout, Stderr: &stderr,
	}, &stdout, &stderr
}

// run runs the fixture and returns what happened and its standard error.
func (f *fixture) run(extra []string, args ...string) (Outcome, string) {
	f.t.Helper()
	r, _, stderr := f.runner(extra, args...)
	code, outcome, err := r.Run(context.Background())
	if err != nil || code != 0 {
		f.t.Fatalf("run: exit %d, error %v\nstderr:\n%s", code, err, stderr)
	}
	return outcome, stderr.String()
}

func (f *fixture) runCount() int {
	b, err := os.ReadFile(f.runs)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// metadata returns the Metadata of the template of stage.
func (f *fixture) metadata(stage string) map[string]any {
	f.t.Helper()
	var tmpl struct{ Metadata map[string]any }
	b, err := os.ReadFile(filepath.Join(f.mod, "cdk.out", "Fixture-"+stage+".template.json"))
	if err != nil {
		f.t.Fatal(err)
	}
	if err := json.Unmarshal(b, &tmpl); err != nil {
		f.t.Fatal(err)
	}
	return tmpl.Metadata
}

func (f *fixture) write(rel, content string) {
	f.t.Helper()
	p := filepath.Join(f.mod, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) appendTo(rel, content string) {
	f.t.Helper()
	b, err := os.ReadFile(filepath.Join(f.mod, filepath.FromSlash(rel)))
	if err != nil {
		f.t.Fatal(err)
	}
	f.write(rel, string(b)+content)
}

// TestEveryInputChangeRunsTheAppAndNothingElseDoes walks one fixture
// through a sequence of changes: each step either must reuse the cached
// assembly (the app does not run) or must run the app, whose template then
// shows the new input.
func TestEveryInputChangeRunsTheAppAndNothingElseDoes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	overflowA, overflowB := filepath.Join(t.TempDir(), "ctx-a.json"), filepath.Join(t.TempDir(), "ctx-b.json")
	linked := t.TempDir()        // a package directory outside the module, linked in
	linkedModules := t.TempDir() // a node_modules kept elsewhere, linked in
	fakeNode := filepath.Join(t.TempDir(), "node")
	f.env = append(f.env, "JSII_NODE="+fakeNode)
	if err := os.WriteFile(fakeNode, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		change func()
		env    []string
		args   []string
		want   Outcome
		check  func(meta map[string]any) string // "" when the template is right
	}{
		{name: "first run", want: Recorded, check: wantMeta("version", "v1")},
		{name: "nothing changed", want: Reused, check: wantMeta("data", "data-1")},
		{name: "terminal and shell variables changed", env: []string{"SHLVL=7", "TERM=dumb", "OLDPWD=/", "MAKELEVEL=2"}, want: Reused},
		{name: "a file the app reads at run time", change: func() { f.write("data/input.txt", "data-2\n") }, want: Recorded, check: wantMeta("data", "data-2")},
		{name: "the app's code", change: func() { f.write("lib/lib.go", "package lib\n\nconst Version = \"v2\"\n") }, want: Recorded, check: wantMeta("version", "v2")},
		{name: "an environment variable", env: []string{"FIXTURE_VALUE=b"}, want: Recorded, check: wantMeta("value", "b")},
		{name: "back to the earlier value: reused", env: []string{"FIXTURE_VALUE=a"}, want: Reused, check: wantMeta("value", "a")},
		{name: "context (-c)", env: []string{`CDK_CONTEXT_JSON={"stage":"dev","x":1}`}, want: Recorded},
		{name: "context in an overflow file", env: []string{"CONTEXT_OVERFLOW_LOCATION_ENV=" + overflowA}, change: func() { writeFile(t, overflowA, `{"stage":"dev","y":1}`) }, want: Recorded},
		{name: "same context at another path", env: []string{"CONTEXT_OVERFLOW_LOCATION_ENV=" + overflowB}, change: func() { writeFile(t, overflowB, `{"stage":"dev","y":1}`) }, want: Reused},
		{name: "other context in the overflow file", env: []string{"CONTEXT_OVERFLOW_LOCATION_ENV=" + overflowB}, change: func() { writeFile(t, overflowB, `{"stage":"dev","y":2}`) }, want: Recorded},
		{name: "arguments", args: []string{"--flag"}, want: Recorded, check: wantMeta("args", "--flag")},
		{name: "go.mod", change: func() { f.appendTo("go.mod", "\n// a comment changes nothing the go command does, but the key\n") }, want: Recorded},
		{name: "go.sum appears", change: func() { f.write("go.sum", "") }, want: Recorded},
		{name: "a new file anywhere in the module (cdk.json)", change: func() { f.write("cdk.json", `{"app":"x"}`) }, want: Recorded},
		{name: "an untracked file in a subdirectory", change: func() { f.write("functions/x/handler.go", "package main\n") }, want: Recorded},
		{name: "the Node binary jsii runs on", change: func() { writeFile(t, fakeNode, "#!/bin/sh\n# another node\n") }, want: Recorded},
		{name: "GOFLAGS", env: []string{"GOFLAGS=-tags=fixture"}, want: Recorded},
		{name: "a package in a directory named bin, below the top", change: func() { f.write("lib/bin/bin.go", "package bin\n\nconst V = 1\n") }, want: Recorded},
		{name: "its code", change: func() { f.write("lib/bin/bin.go", "package bin\n\nconst V = 2\n") }, want: Recorded},
		{name: "make's bin/ at the top is an output", change: func() { f.write("bin/tool", "built") }, want: Reused},
		{name: "a directory linked into the module", change: func() {
			writeFile(t, filepath.Join(linked, "ext.go"), "package ext\n\nconst V = 1\n")
			if err := os.Symlink(linked, filepath.Join(f.mod, "ext")); err != nil {
				t.Fatal(err)
			}
		}, want: Recorded},
		{name: "a file behind the link", change: func() { writeFile(t, filepath.Join(linked, "ext.go"), "package ext\n\nconst V = 2\n") }, want: Recorded},
		{name: "a linked node_modules is skipped as the folder would be", change: func() {
			writeFile(t, filepath.Join(linkedModules, "cli.js"), "1")
			if err := os.Symlink(linkedModules, filepath.Join(f.mod, "node_modules")); err != nil {
				t.Fatal(err)
			}
		}, want: Reused},
		{name: "nor does a change behind it", change: func() { writeFile(t, filepath.Join(linkedModules, "cli.js"), "2") }, want: Reused},
		{name: "a link back to the module (a cycle) ends", change: func() {
			if err := os.Symlink(f.mod, filepath.Join(f.mod, "data", "loop")); err != nil {
				t.Fatal(err)
			}
		}, want: Recorded},
		{name: "nothing changed again", want: Reused},
		{name: "an asset directory removed", change: func() { removeAssets(t, f) }, want: Recorded},
		{name: "an asset file changed", change: func() { changeAssets(t, f) }, want: Recorded},
		{name: "cache off", env: []string{EnvCache + "=off"}, want: Ran},
		{name: "a file changed while the app ran is not recorded", env: []string{"FIXTURE_TOUCH=" + filepath.Join(f.mod, "data", "input.txt")}, want: Ran},
		{name: "so the next run runs the app", want: Recorded, check: wantMeta("data", "data-2\nchanged while the app ran")},
	}
	for _, s := range steps {
		if s.change != nil {
			s.change()
		}
		before := f.runCount()
		got, stderr := f.run(s.env, s.args...)
		ran := f.runCount() - before
		if got != s.want {
			t.Fatalf("%s: got %v, want %v\nstderr:\n%s", s.name, got, s.want, stderr)
		}
		if wantRan := map[bool]int{true: 0, false: 1}[s.want == Reused]; ran != wantRan {
			t.Fatalf("%s: the app ran %d times, want %d", s.name, ran, wantRan)
		}
		if s.check != nil {
			if msg := s.check(f.metadata("dev")); msg != "" {
				t.Fatalf("%s: %s", s.name, msg)
			}
		}
	}
}

func wantMeta(key, want string) func(map[string]any) string {
	return func(meta map[string]any) string {
		if got := strings.TrimSpace(meta[key].(string)); got != want {
			return "template Metadata." + key + ": got " + got + ", want " + want
		}
		return ""
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

func assetDirs(t *testing.T, f *fixture) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(f.mod, "cdk.out", "asset.*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no asset directories (%v)", err)
	}
	return dirs
}

func removeAssets(t *testing.T, f *fixture) {
	for _, d := range assetDirs(t, f) {
		if err := os.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
	}
}

func changeAssets(t *testing.T, f *fixture) {
	for _, d := range assetDirs(t, f) {
		writeFile(t, filepath.Join(d, "payload"), "tampered")
	}
}

// TestReuseRestoresExactlyWhatTheAppWrote: after a reuse the output folder
// holds the same bytes as after the run, what the app printed is printed
// again (but not CDK's bundling progress: nothing is bundled), and the
// files of another synth into the same folder (another stage) are left
// alone.
func TestReuseRestoresExactlyWhatTheAppWrote(t *testing.T) {
	f := newFixture(t)
	if got, _ := f.run(nil); got != Recorded {
		t.Fatalf("first run: got %v, want %v", got, Recorded)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(f.mod, "cdk.out", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	devTemplate, devManifest := read("Fixture-dev.template.json"), read("manifest.json")
	if got, _ := f.run([]string{`CDK_CONTEXT_JSON={"stage":"prod"}`}); got != Recorded {
		t.Fatalf("prod: got %v, want %v", got, Recorded)
	}
	prodPath := filepath.Join(f.mod, "cdk.out", "Fixture-prod.template.json")
	prodBefore, err := os.Stat(prodPath)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)

	r, stdout, stderr := f.runner(nil)
	code, got, err := r.Run(context.Background())
	if err != nil || code != 0 || got != Reused {
		t.Fatalf("dev again: got %v, exit %d, error %v, want %v", got, code, err, Reused)
	}
	if g := read("Fixture-dev.template.json"); g != devTemplate {
		t.Errorf("restored template differs from the one the app wrote:\n%s\nwant\n%s", g, devTemplate)
	}
	if g := read("manifest.json"); g != devManifest {
		t.Errorf("restored manifest differs from the one the app wrote:\n%s\nwant\n%s", g, devManifest)
	}
	if prodAfter, err := os.Stat(prodPath); err != nil || !prodAfter.ModTime().Equal(prodBefore.ModTime()) {
		t.Errorf("the prod template was touched by the dev restore (%v)", err)
	}
	if !strings.Contains(stdout.String(), "fixture synthesized Fixture-dev") {
		t.Errorf("stdout %q: want the app's recorded stdout", stdout)
	}
	for _, want := range []string{"warning: the fixture has no real resources", "cloud assembly was put back", EnvCache + "=off"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q: want it to contain %q", stderr, want)
		}
	}
	if strings.Contains(stderr.String(), "Bundling asset") {
		t.Errorf("stderr %q replays bundling progress, but nothing was bundled", stderr)
	}
}

// TestFailedRunIsNotRecorded: a run that exits non-zero leaves nothing
// behind to reuse.
func TestFailedRunIsNotRecorded(t *testing.T) {
	f := newFixture(t)
	r, _, _ := f.runner([]string{"FIXTURE_EXIT=4"})
	code, got, err := r.Run(context.Background())
	if err != nil || code != 4 || got != Ran {
		t.Fatalf("got exit %d, %v, error %v; want exit 4, %v", code, got, err, Ran)
	}
	r, _, _ = f.runner([]string{"FIXTURE_EXIT=4"})
	if code, got, _ := r.Run(context.Background()); code != 4 || got != Ran || f.runCount() != 2 {
		t.Fatalf("second failing run: got exit %d, %v, %d runs; want exit 4, %v, 2 runs", code, got, f.runCount(), Ran)
	}
}

// TestFirstRunSaysItCompiles: the first run of the app in a checkout says
// what it compiles and how long the first build on a machine takes; later
// runs, after a code change too, say nothing of it.
func TestFirstRunSaysItCompiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, stderr := f.run(nil)
	for _, want := range []string{"synthcache: compiling the CDK app", "first build", "3-5 minutes"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q: want it to contain %q", stderr, want)
		}
	}
	f.appendTo("lib/lib.go", "\n// changed\n")
	if got, stderr := f.run(nil); got != Recorded || strings.Contains(stderr, "compiling") {
		t.Errorf("second run: got %v, stderr %q; want %v and no word of compiling", got, stderr, Recorded)
	}
}

func TestKeyedEnvSkipsOnlyTerminalState(t *testing.T) {
	got := keyedEnv([]string{"TERM=xterm", "CDK_DEFAULT_REGION=eu-west-1", "SHLVL=2", "PATH=/bin", "CONTEXT_OVERFLOW_LOCATION_ENV=/tmp/x", "ANYTHING=1"})
	want := []string{"ANYTHING=1", "CDK_DEFAULT_REGION=eu-west-1", "PATH=/bin"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLocalDirsOfReplacementsAndWorkspaces(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module m\n\nreplace a.example/x => ../x\n\nreplace (\n\tb.example/y v1.0.0 => ./third_party/y // local\n\tc.example/z => c.example/z v1.2.3\n)\n")
	got := localDirs(dir, []string{"GOWORK=off"})
	want := []string{filepath.Join(filepath.Dir(dir), "x"), filepath.Join(dir, "third_party", "y")}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestTimingsFileIsWrittenAndNotKeyed: SYNTHCACHE_TIMINGS (make bench) gets the
// steps of each run, and a new path per run still reuses the assembly.
func TestTimingsFileIsWrittenAndNotKeyed(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	for i, want := range []Outcome{Recorded, Reused} {
		p := filepath.Join(dir, "timings-"+string(rune('a'+i))+".json")
		if got, _ := f.run([]string{EnvTimings + "=" + p}); got != want {
			t.Fatalf("run %d: got %v, want %v", i, got, want)
		}
		var tm Timings
		b, err := os.ReadFile(p)
		if err != nil || json.Unmarshal(b, &tm) != nil {
			t.Fatalf("run %d: timings file %s: %v %s", i, p, err, b)
		}
		if tm.Outcome != want.String() || tm.Total <= 0 || (want == Reused) != (tm.Restore > 0 && tm.App == 0) {
			t.Errorf("run %d: got timings %+v, want outcome %v with the steps it took", i, tm, want)
		}
	}
}

func TestStateNamePerPackage(t *testing.T) {
	for pkg, want := range map[string]string{".": "root", "./": "root", "./bench/scale/app": "bench_scale_app", "tools/x": "tools_x"} {
		if got := stateName(pkg); got != want {
			t.Errorf("stateName(%q): got %q, want %q", pkg, got, want)
		}
	}
}
