package synthcache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/example/orderflow/tools/findup"
)

// Runner runs one Go CDK app. Set every field, or use NewRunner.
type Runner struct {
	// ModuleDir is the absolute directory of the app's go.mod.
	ModuleDir string
	// Package is the app's main package as the go command takes it,
	// relative to ModuleDir: ".".
	Package string
	// StateDir holds the app's executable (one per app package). Default in NewRunner:
	// ModuleDir/.build/synthcache/<package> ("root" for ".").
	StateDir string
	// Dir is the working directory of the app (where the CLI runs it).
	Dir string
	// Env is the environment of the app and of `go run`.
	Env []string
	// Args are passed to the app.
	Args []string
	// Stdin, Stdout and Stderr of the app; Stderr also gets the runner's
	// own messages, prefixed "synthcache: ". Stdout and Stderr are written
	// concurrently: one writer for both must be safe for that (a file is).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Now is the clock (tests set it). Default: time.Now.
	Now func() time.Time
}

// NewRunner returns a Runner for the app package pkg of the module that
// holds dir, with this process's environment and standard streams.
func NewRunner(dir, pkg string) (*Runner, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	mod, err := findup.Dir(abs, "go.mod")
	if err != nil {
		return nil, err
	}
	return &Runner{
		ModuleDir: mod, Package: pkg, StateDir: filepath.Join(mod, ".build", "synthcache", stateName(pkg)), Dir: abs,
		Env: os.Environ(), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Now: time.Now,
	}, nil
}

// stateName is the folder of a package's state under
// .build/synthcache: "root" for ".", else the path with "/" as "_".
func stateName(pkg string) string {
	p := strings.Trim(filepath.ToSlash(filepath.Clean(pkg)), "./")
	if p == "" {
		return "root"
	}
	return strings.ReplaceAll(p, "/", "_")
}

func (r *Runner) logf(format string, args ...any) {
	fmt.Fprintf(r.Stderr, "synthcache: "+format+"\n", args...)
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Outcome says what Run did.
type Outcome int

const (
	// Ran: the app ran and nothing was recorded (no CDK_OUTDIR, the cache
	// is off, the app failed, or an input changed while it ran).
	Ran Outcome = iota
	// Recorded: the app ran and its cloud assembly was recorded.
	Recorded
	// Reused: the cloud assembly of an earlier run was put back; the app
	// did not run.
	Reused
)

func (o Outcome) String() string {
	return [...]string{"ran", "recorded", "reused"}[o]
}

// Timings is what Run writes to the file named by SYNTHCACHE_TIMINGS: how long
// each step took, in milliseconds (0: the step did not run).
type Timings struct {
	Outcome string  `json:"outcome"`
	Key     float64 `json:"keyMs"`     // computing the cache key
	Lookup  float64 `json:"lookupMs"`  // finding the entry and checking its assets
	Restore float64 `json:"restoreMs"` // putting the cached files back
	App     float64 `json:"appMs"`     // running the app
	Record  float64 `json:"recordMs"`  // the key again and recording the run
	Total   float64 `json:"totalMs"`
}

// Run runs the app with `go run`, or reuses the cloud assembly of an
// earlier run with the same inputs (see the package doc).
// It returns the app's exit code.
func (r *Runner) Run(ctx context.Context) (code int, outcome Outcome, err error) {
	var t Timings
	start := time.Now()
	step := func(d *float64, from time.Time) { *d = float64(time.Since(from).Microseconds()) / 1000 }
	if p := getenv(r.Env, EnvTimings); p != "" {
		defer func() {
			t.Outcome = outcome.String()
			step(&t.Total, start)
			b, _ := json.Marshal(t)
			_ = os.WriteFile(p, append(b, '\n'), 0o644)
		}()
	}
	outdir := getenv(r.Env, envOutdir)
	if outdir == "" || getenv(r.Env, EnvCache) == "off" {
		t0 := time.Now()
		code, _, err := r.exec(ctx)
		step(&t.App, t0)
		return code, Ran, err
	}
	if !filepath.IsAbs(outdir) {
		outdir = filepath.Join(r.Dir, outdir)
	}
	c := &cache{r: r, outdir: filepath.Clean(outdir)}
	t0 := time.Now()
	key, keyErr := c.key()
	step(&t.Key, t0)
	if keyErr == nil {
		t0 = time.Now()
		e, ok := c.lookup(key)
		step(&t.Lookup, t0)
		if ok {
			t0 = time.Now()
			err := c.restore(e)
			step(&t.Restore, t0)
			if err == nil {
				return 0, Reused, nil
			}
			r.logf("cached cloud assembly not reused (%v): running the app", err)
		}
	}
	before, snapErr := c.snapshot()
	t0 = time.Now()
	code, out, err := r.exec(ctx)
	step(&t.App, t0)
	if err != nil || code != 0 || keyErr != nil || snapErr != nil {
		return code, Ran, err
	}
	t0 = time.Now()
	defer step(&t.Record, t0)
	if after, err := c.key(); err != nil || after != key {
		return code, Ran, nil // an input changed while the app ran
	}
	if err := c.record(key, before, out); err != nil {
		r.logf("cloud assembly not cached: %v", err)
		return code, Ran, nil
	}
	return code, Recorded, nil
}

// output is what the app wrote to its standard output and error.
type output struct {
	Stdout, Stderr []byte
}

// exec runs the app with the runner's arguments, environment and
// streams, interrupting it when ctx is done (the command cancels ctx on
// SIGINT and SIGTERM), and returns its exit code and output.
func (r *Runner) exec(ctx context.Context) (int, output, error) {
	bin, err := r.build(ctx)
	if err != nil {
		return 1, output{}, err
	}
	// Each buffer is written by one of cmd's copying goroutines and read
	// once Wait has returned.
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, r.Args...)
	cmd.Dir, cmd.Env, cmd.Stdin = r.Dir, r.Env, r.Stdin
	cmd.Stdout, cmd.Stderr = io.MultiWriter(r.Stdout, &stdout), io.MultiWriter(r.Stderr, &stderr)
	if err := cmd.Start(); err != nil {
		return 1, output{}, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Signal(os.Interrupt)
			ctx = context.Background() // signal once; wait for the app
		case err := <-done:
			out := output{stdout.Bytes(), stderr.Bytes()}
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				if code := exit.ExitCode(); code > 0 {
					return code, out, nil
				}
				return 1, out, nil // killed by a signal
			}
			if err != nil {
				return 1, out, err
			}
			return 0, out, nil
		}
	}
}

// build brings the app's executable, StateDir/app, up to date with `go
// build -o`, which links only when the code or a build setting changed
// (about 0.5 s to find that nothing did). Its work folder is StateDir, so
// the new executable replaces the old one in one rename, whatever else
// builds or runs it at the same time. The first build in a checkout says
// what it compiles.
func (r *Runner) build(ctx context.Context) (string, error) {
	bin := filepath.Join(r.StateDir, "app")
	if _, err := os.Stat(bin); err != nil {
		r.logf("compiling the CDK app (%s). The first build on a machine downloads the Go modules "+
			"and compiles aws-cdk-go, one very large package: about 3-5 minutes on 2 cores, under a minute "+
			"when the Go build cache is warm; later builds take seconds.", r.Package)
	}
	if err := os.MkdirAll(r.StateDir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-o", bin, r.Package)
	cmd.Dir, cmd.Env = r.ModuleDir, append(slices.Clip(r.Env), "GOTMPDIR="+r.StateDir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", r.Package, err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}
