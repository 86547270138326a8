//go:build linux

package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/example/orderflow/tools/assembly"
	"github.com/example/orderflow/tools/localrun"
)

const (
	stage        = "dev"
	serviceStack = "OrderFlow-" + stage + "-Service"
	touchedFn    = "kitchen" // the function whose code the one-function run changes
)

// synthRun is one run of the synth measurements in its own fresh clone.
type synthRun struct {
	// Fresh: first `make synth` of a fresh clone (no node_modules, no
	// cdk.out) with an empty Go build cache: Npm is `npm ci`, Synth the rest.
	FreshNpm, FreshSynth measured
	// FreshWarm: the same from a clean checkout (node_modules and cdk.out
	// removed) with the build cache the runs before it filled.
	FreshWarmNpm, FreshWarmSynth measured
	// Unchanged: `make synth` again, nothing changed.
	Unchanged        measured
	UnchangedRebuilt []string
	// OneFunction: `make synth` after a comment was appended to
	// functions/<touchedFn>/handler.go.
	OneFunction        measured
	OneFunctionRebuilt []string
}

// cleanEnv returns this process's environment without what the calling
// make and its Makefile exported (MAKEFLAGS, JSII_NODE, node_modules/.bin on
// PATH), so the clone's own Makefile sets them as it would in a fresh shell;
// extra variables are appended.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "JSII_NODE", "GOCACHE", "CDK_OUTDIR":
			continue
		case "PATH":
			var keep []string
			for _, p := range filepath.SplitList(v) {
				if !strings.HasSuffix(p, filepath.Join("node_modules", ".bin")) {
					keep = append(keep, p)
				}
			}
			kv = "PATH=" + strings.Join(keep, string(filepath.ListSeparator))
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// cloneRepo clones the repository at root (its checked-out HEAD) into dst.
// With worktree, the working tree's uncommitted changes (modified and
// untracked, not ignored files; deletions) are copied over the clone. It
// returns a description of the source.
func cloneRepo(ctx context.Context, root, dst string, worktree bool) (string, error) {
	env := cleanEnv()
	if _, err := output(ctx, root, env, "git", "clone", "--quiet", "--no-hardlinks", root, dst); err != nil {
		return "", err
	}
	head, err := output(ctx, dst, env, "git", "log", "-1", "--format=%h %s")
	if err != nil {
		return "", err
	}
	desc := "git clone of HEAD " + strings.TrimSpace(head)
	if !worktree {
		return desc, nil
	}
	changed, err := output(ctx, root, env, "git", "ls-files", "-z", "--modified", "--others", "--exclude-standard")
	if err != nil {
		return "", err
	}
	deleted, err := output(ctx, root, env, "git", "ls-files", "-z", "--deleted")
	if err != nil {
		return "", err
	}
	n := 0
	for _, f := range strings.Split(deleted, "\x00") {
		if f != "" {
			os.Remove(filepath.Join(dst, f))
			n++
		}
	}
	for _, f := range strings.Split(changed, "\x00") {
		if f == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted, also listed as modified
		} else if err != nil {
			return "", err
		}
		fi, _ := os.Stat(filepath.Join(root, f))
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, f)), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, fi.Mode().Perm()); err != nil {
			return "", err
		}
		n++
	}
	return fmt.Sprintf("%s + %d uncommitted working-tree changes", desc, n), nil
}

// assetSnap is the state of a cloud assembly's Lambda assets.
type assetSnap struct {
	byFn  map[string]string    // function name -> asset directory name
	mtime map[string]time.Time // asset directory name -> its bootstrap's mtime
}

// snapshot reads which asset directory holds each function's code and the
// mtime of every asset's bootstrap.
func snapshot(clone string) (assetSnap, error) {
	s := assetSnap{byFn: map[string]string{}, mtime: map[string]time.Time{}}
	t, err := assembly.ReadTemplate(filepath.Join(clone, "cdk.out", serviceStack+".template.json"))
	if err != nil {
		return s, err
	}
	for id, r := range t.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		if p, ok := r.Metadata["aws:asset:path"].(string); ok {
			s.byFn[localrun.FunctionName(id)] = filepath.Base(p)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(clone, "cdk.out", "asset.*", "bootstrap"))
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil {
			s.mtime[filepath.Base(filepath.Dir(m))] = fi.ModTime()
		}
	}
	if len(s.byFn) == 0 {
		return s, errors.New("no function with aws:asset:path metadata in the service template")
	}
	return s, nil
}

// rebuilt names what a synth between before and after built: every asset
// directory that is new or whose bootstrap changed, by the function whose
// code it is (or by directory when no function refers to it).
func rebuilt(before, after assetSnap) []string {
	owner := map[string]string{}
	for fn, dir := range after.byFn {
		owner[dir] = fn
	}
	var out []string
	for dir, mt := range after.mtime {
		if old, ok := before.mtime[dir]; ok && old.Equal(mt) {
			continue
		}
		name := owner[dir]
		name = cmp.Or(name, dir)
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// functionNames returns the functions of the service stack, sorted.
func (s assetSnap) functionNames() []string {
	return slices.Sorted(maps.Keys(s.byFn))
}

// synthBench runs the synth measurements: runs fresh clones, each measured
// as synthRun describes.
type synthBench struct {
	root      string // the repository
	worktree  bool
	coldCache bool // fresh runs start with an empty GOCACHE
	log       func(format string, args ...any)
}

// runOnce does one synthRun in a new clone under dir and leaves the clone
// synthesized (cdk.out, node_modules), unpatched, for later sections.
func (b *synthBench) runOnce(ctx context.Context, dir string, r int) (res synthRun, clone, source string, err error) {
	clone = filepath.Join(dir, "orderflow")
	if source, err = cloneRepo(ctx, b.root, clone, b.worktree); err != nil {
		return res, "", "", err
	}
	gocache := filepath.Join(dir, "gocache")
	if err := os.MkdirAll(gocache, 0o755); err != nil {
		return res, "", "", err
	}
	env, cacheState := cleanEnv(), "the user's Go build cache (warm)"
	if b.coldCache {
		env, cacheState = cleanEnv("GOCACHE="+gocache), "an empty Go build cache (GOCACHE set to a new directory)"
	}
	// Each step runs only when every one before it succeeded (err).
	mk := func(into *measured, what string, target string) {
		if err == nil {
			if *into, err = run(ctx, clone, env, "make", target); err == nil {
				b.log("run %d: %-44s %s, CPU %s (tree peak %s, largest process %s)", r, what, secs(into.Wall), secs(into.CPU), mib(into.TreePeak), mib(into.MaxSingle))
			}
		}
	}
	snap := func(into *assetSnap) {
		if err == nil {
			*into, err = snapshot(clone)
		}
	}
	pause := func() { time.Sleep(1100 * time.Millisecond) } // so a rebuilt bootstrap's mtime differs even on coarse clocks
	var before, after, changed assetSnap
	mk(&res.FreshNpm, "fresh clone: npm ci", "node_modules/.installed")
	mk(&res.FreshSynth, "fresh clone: make synth (after npm ci)", "synth")
	snap(&before)
	pause()
	mk(&res.Unchanged, "make synth, nothing changed", "synth")
	snap(&after)
	handler := filepath.Join(clone, "functions", touchedFn, "handler.go")
	var orig []byte
	if err == nil {
		if orig, err = os.ReadFile(handler); err == nil {
			err = os.WriteFile(handler, append(slices.Clone(orig), fmt.Sprintf("\n// make bench: run %d changed this function\n", r)...), 0o644)
		}
	}
	pause()
	mk(&res.OneFunction, "make synth, "+touchedFn+"/handler.go changed", "synth")
	snap(&changed)
	if err == nil {
		err = os.WriteFile(handler, orig, 0o644)
	}
	// Fresh checkout again, now with a warm build cache.
	for _, d := range []string{"cdk.out", "node_modules"} {
		if err == nil {
			err = os.RemoveAll(filepath.Join(clone, d))
		}
	}
	mk(&res.FreshWarmNpm, "clean checkout, warm cache: npm ci", "node_modules/.installed")
	mk(&res.FreshWarmSynth, "clean checkout, warm cache: make synth", "synth")
	if err != nil {
		return res, "", "", err
	}
	res.UnchangedRebuilt, res.OneFunctionRebuilt = rebuilt(before, after), rebuilt(after, changed)
	return res, clone, source + "; fresh synth with " + cacheState, nil
}
