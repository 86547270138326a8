//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
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
	// Pairs of (unchanged synth, reference synth) on the patched clone,
	// interleaved; see patchReference.
	PairUnchanged, PairReference []measured
	ReferenceSameTemplate        bool
	ReferenceRebuilt             []string // must stay empty: the reference builds nothing
	ReferenceNote                string
	// GoList: wall time of the `go list -deps` each function's asset hash
	// runs, per function.
	GoList map[string]time.Duration
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

var logicalIDSuffix = regexp.MustCompile(`[0-9A-F]{8}$`)

// fnName is the function name of a function's logical ID: "ApiFunction6BF808ED" -> "api".
func fnName(logicalID string) string {
	return strings.ToLower(strings.TrimSuffix(logicalIDSuffix.ReplaceAllString(logicalID, ""), "Function"))
}

// serviceTemplate is what the benchmark reads of the service stack's template.
type serviceTemplate struct {
	Resources map[string]struct {
		Type       string
		Metadata   map[string]any
		Properties map[string]any
	}
}

func readTemplate(clone string) (serviceTemplate, []byte, error) {
	var t serviceTemplate
	b, err := os.ReadFile(filepath.Join(clone, "cdk.out", serviceStack+".template.json"))
	if err != nil {
		return t, nil, err
	}
	return t, b, json.Unmarshal(b, &t)
}

// snapshot reads which asset directory holds each function's code and the
// mtime of every asset's bootstrap.
func snapshot(clone string) (assetSnap, error) {
	s := assetSnap{byFn: map[string]string{}, mtime: map[string]time.Time{}}
	t, _, err := readTemplate(clone)
	if err != nil {
		return s, err
	}
	for id, r := range t.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		if p, ok := r.Metadata["aws:asset:path"].(string); ok {
			s.byFn[fnName(id)] = filepath.Base(p)
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
		if name == "" {
			name = dir
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// functionNames returns the functions of the service stack, sorted.
func (s assetSnap) functionNames() []string {
	var names []string
	for fn := range s.byFn {
		names = append(names, fn)
	}
	slices.Sort(names)
	return names
}

// The reference synth: the same app with every asset already built and
// nothing left to find out about them. With content-hash assets the
// unchanged synth already builds nothing, but it still asks `go list` for
// each function's dependencies to compute the hash; the reference is given
// the hashes instead. patchReference wraps gofunction's sourceHash in the
// clone (a benchmark harness in a throwaway clone, never the product): with
// ORDERFLOW_BENCH_RECORD_HASHES set it appends "package hash" lines to that
// file (the warm-up synth records them); with ORDERFLOW_BENCH_ASSET_HASHES
// naming a JSON file {"./functions/api": hash, ...} it returns the hash from
// it without running anything. (The hash is gofunction's own, the input of
// CDK's custom asset hash, not the asset directory's name.)
const (
	refAnchor    = "func sourceHash(t target) (string, error) {"
	refRenamed   = "func benchOriginalSourceHash(t target) (string, error) {"
	refEnv       = "ORDERFLOW_BENCH_ASSET_HASHES"
	refRecordEnv = "ORDERFLOW_BENCH_RECORD_HASHES"
	refFile      = `package gofunction

// Added by make bench to a throwaway clone; not part of the product.

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

var benchHashes = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	if p := os.Getenv("` + refEnv + `"); p != "" {
		if b, err := os.ReadFile(p); err == nil {
			_ = json.Unmarshal(b, &m)
		}
	}
	return m
})

var benchRecordMu sync.Mutex

func sourceHash(t target) (string, error) {
	if h, ok := benchHashes()[t.pkg]; ok {
		return h, nil
	}
	h, err := benchOriginalSourceHash(t)
	if p := os.Getenv("` + refRecordEnv + `"); p != "" && err == nil {
		benchRecordMu.Lock()
		defer benchRecordMu.Unlock()
		if f, ferr := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); ferr == nil {
			fmt.Fprintf(f, "%s %s\n", t.pkg, h)
			f.Close()
		}
	}
	return h, err
}
`
)

// patchReference patches the clone's gofunction (see refAnchor) and returns
// a function that undoes it.
func patchReference(clone string) (func(), error) {
	build := filepath.Join(clone, "constructs", "gofunction", "build.go")
	orig, err := os.ReadFile(build)
	if err != nil {
		return nil, err
	}
	if strings.Count(string(orig), refAnchor) != 1 {
		return nil, fmt.Errorf("%q not found once in constructs/gofunction/build.go", refAnchor)
	}
	patched := strings.Replace(string(orig), refAnchor, refRenamed, 1)
	extra := filepath.Join(clone, "constructs", "gofunction", "zz_bench_reference.go")
	if err := os.WriteFile(build, []byte(patched), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(extra, []byte(refFile), 0o644); err != nil {
		return nil, err
	}
	return func() {
		os.WriteFile(build, orig, 0o644)
		os.Remove(extra)
	}, nil
}

// recordedHashes converts the "package hash" lines the warm-up synth
// recorded into the reference's JSON input file.
func recordedHashes(recorded, path string) (int, error) {
	b, err := os.ReadFile(recorded)
	if err != nil {
		return 0, err
	}
	m := map[string]string{}
	for line := range strings.Lines(string(b)) {
		if pkg, h, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			m[pkg] = h
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return 0, err
	}
	return len(m), os.WriteFile(path, out, 0o644)
}

// synthBench runs the synth measurements: runs fresh clones, each measured
// as synthRun describes.
type synthBench struct {
	root      string // the repository
	worktree  bool
	coldCache bool // fresh runs start with an empty GOCACHE
	pairs     int  // (unchanged, reference) pairs per run
	log       func(format string, args ...any)
}

// runOnce does one synthRun in a new clone under dir and leaves the clone
// synthesized (cdk.out, node_modules), unpatched, for later sections.
func (b *synthBench) runOnce(ctx context.Context, dir string, r int) (synthRun, string, string, error) {
	var res synthRun
	clone := filepath.Join(dir, "orderflow")
	source, err := cloneRepo(ctx, b.root, clone, b.worktree)
	if err != nil {
		return res, "", "", err
	}
	gocache := filepath.Join(dir, "gocache")
	if err := os.MkdirAll(gocache, 0o755); err != nil {
		return res, "", "", err
	}
	var env []string
	cacheState := "the user's Go build cache (warm)"
	if b.coldCache {
		env = cleanEnv("GOCACHE=" + gocache)
		cacheState = "an empty Go build cache (GOCACHE set to a new directory)"
	} else {
		env = cleanEnv()
	}
	mk := func(what string, args ...string) (measured, error) {
		m, err := run(ctx, clone, env, "make", args...)
		if err == nil {
			b.log("run %d: %-44s %s, CPU %s (tree peak %s, largest process %s)", r, what, secs(m.Wall), secs(m.CPU), mib(m.TreePeak), mib(m.MaxSingle))
		}
		return m, err
	}

	if res.FreshNpm, err = mk("fresh clone: npm ci", "node_modules/.installed"); err != nil {
		return res, "", "", err
	}
	if res.FreshSynth, err = mk("fresh clone: make synth (after npm ci)", "synth"); err != nil {
		return res, "", "", err
	}
	before, err := snapshot(clone)
	if err != nil {
		return res, "", "", err
	}
	time.Sleep(1100 * time.Millisecond) // so a rebuilt bootstrap's mtime differs even on coarse clocks
	if res.Unchanged, err = mk("make synth, nothing changed", "synth"); err != nil {
		return res, "", "", err
	}
	after, err := snapshot(clone)
	if err != nil {
		return res, "", "", err
	}
	res.UnchangedRebuilt = rebuilt(before, after)

	handler := filepath.Join(clone, "functions", touchedFn, "handler.go")
	orig, err := os.ReadFile(handler)
	if err != nil {
		return res, "", "", err
	}
	if err := os.WriteFile(handler, append(slices.Clone(orig), []byte(fmt.Sprintf("\n// make bench: run %d changed this function\n", r))...), 0o644); err != nil {
		return res, "", "", err
	}
	time.Sleep(1100 * time.Millisecond)
	if res.OneFunction, err = mk("make synth, "+touchedFn+"/handler.go changed", "synth"); err != nil {
		return res, "", "", err
	}
	changed, err := snapshot(clone)
	if err != nil {
		return res, "", "", err
	}
	res.OneFunctionRebuilt = rebuilt(after, changed)
	if err := os.WriteFile(handler, orig, 0o644); err != nil {
		return res, "", "", err
	}

	// What the asset hash asks of go for each function.
	res.GoList = map[string]time.Duration{}
	listEnv := append(slices.Clone(env), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	for _, fn := range after.functionNames() {
		t0 := time.Now()
		if _, err := output(ctx, clone, listEnv, "go", "list", "-deps", "-tags", "lambda.norpc",
			"-json=ImportPath,Dir,Standard,Module,GoFiles,CgoFiles,SFiles,HFiles,SysoFiles,EmbedFiles,Error", "./functions/"+fn); err != nil {
			return res, "", "", err
		}
		res.GoList[fn] = time.Since(t0)
	}

	// Fresh checkout again, now with a warm build cache.
	for _, d := range []string{"cdk.out", "node_modules"} {
		if err := os.RemoveAll(filepath.Join(clone, d)); err != nil {
			return res, "", "", err
		}
	}
	if res.FreshWarmNpm, err = mk("clean checkout, warm cache: npm ci", "node_modules/.installed"); err != nil {
		return res, "", "", err
	}
	if res.FreshWarmSynth, err = mk("clean checkout, warm cache: make synth", "synth"); err != nil {
		return res, "", "", err
	}

	// Unchanged synth against the reference, interleaved.
	restore, err := patchReference(clone)
	if err != nil {
		res.ReferenceNote = "reference not measured: " + err.Error()
		b.log("run %d: %s", r, res.ReferenceNote)
		return res, clone, source + "; synth with " + cacheState, nil
	}
	defer restore()
	recorded, hashes := filepath.Join(dir, "recorded-hashes.txt"), filepath.Join(dir, "asset-hashes.json")
	if _, err := run(ctx, clone, append(slices.Clone(env), refRecordEnv+"="+recorded), "make", "synth"); err != nil {
		return res, "", "", err
	}
	b.log("run %d: patched clone: warm-up synth, recording the asset hashes (not counted)", r)
	snap, err := snapshot(clone)
	if err != nil {
		return res, "", "", err
	}
	if n, err := recordedHashes(recorded, hashes); err != nil || n != len(snap.byFn) {
		return res, "", "", fmt.Errorf("recorded %d asset hashes for %d functions: %v", n, len(snap.byFn), err)
	}
	_, want, err := readTemplate(clone)
	if err != nil {
		return res, "", "", err
	}
	res.ReferenceSameTemplate = true
	refEnvs := append(slices.Clone(env), refEnv+"="+hashes)
	unchanged := func() error {
		u, err := mk("patched clone: make synth, nothing changed", "synth")
		res.PairUnchanged = append(res.PairUnchanged, u)
		return err
	}
	reference := func() error {
		before, err := snapshot(clone)
		if err != nil {
			return err
		}
		m, err := run(ctx, clone, refEnvs, "make", "synth")
		if err != nil {
			return err
		}
		b.log("run %d: %-44s %s, CPU %s (tree peak %s, largest process %s)", r, "reference: every asset built, hashes given", secs(m.Wall), secs(m.CPU), mib(m.TreePeak), mib(m.MaxSingle))
		res.PairReference = append(res.PairReference, m)
		after, err := snapshot(clone)
		if err != nil {
			return err
		}
		res.ReferenceRebuilt = append(res.ReferenceRebuilt, rebuilt(before, after)...)
		if _, got, err := readTemplate(clone); err != nil || string(got) != string(want) {
			res.ReferenceSameTemplate = false
		}
		return nil
	}
	for p := 0; p < b.pairs; p++ {
		first, second := unchanged, reference
		if (r+p)%2 == 0 { // alternate which goes first
			first, second = reference, unchanged
		}
		if err := first(); err != nil {
			return res, "", "", err
		}
		if err := second(); err != nil {
			return res, "", "", err
		}
	}
	return res, clone, source + "; fresh synth with " + cacheState, nil
}
