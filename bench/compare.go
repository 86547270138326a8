//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/example/orderflow/tools/assembly"
)

// The comparison with TypeScript (section "compare", docs/bench.md): the
// order flow and the scaling apps synthesized by the Go app (through
// tools/synthcache, as make synth does) and by the same apps written in
// TypeScript (bench/tsapp: same constructs, props and cdk-nag packs; its
// functions already built and their hashes given, the best case for it),
// with the same CLI, Node and flags, in interleaved pairs.

// cliFlags are make synth's CDK_FLAGS plus --quiet: both apps get them.
var cliFlags = []string{"--no-version-reporting", "--no-notices", "--no-path-metadata", "--quiet"}

// slowSynthContext makes aws-cdk-lib write its own timers
// (performance-counters.json) on every synth.
const slowSynthContext = "@aws-cdk/core.slowSynthThreshold=0"

// compareRun is one comparison: every sample, by what was measured.
type compareRun struct {
	// Orderflow, the dev stage: "go" (make synth, assembly cache on),
	// "go-uncached" (SYNTHCACHE_CACHE=off), "ts", "cli" (the CLI reading an
	// existing assembly: no app), "go-onefn" (make synth after a change to
	// functions/kitchen), "ts-onefn" (the TypeScript synth of that round),
	// "build" (go build of kitchen after a change, the deployment's flags).
	Samples map[string][]measured `json:"samples"`
	// Scale: the same, per number of functions, for "go", "go-uncached", "ts".
	Scale map[int]map[string][]measured `json:"scale"`
	// Counters: aws-cdk-lib's timers (ms) of the uncached synths, per app.
	Counters map[string][]map[string]float64 `json:"counters"`
	// Timings: tools/synthcache's own steps (SYNTHCACHE_TIMINGS), per sample kind.
	Timings map[string][]synthcacheTimings `json:"timings"`
	// GoList: gofunction's one `go list` for all functions of the stage,
	// and the five it ran before (one per function, in a row).
	GoListBatched, GoListEach []time.Duration
	// LauncherBuildCheck: `go run ./tools/cmd/synthcache -build` with nothing changed.
	Launcher []measured `json:"launcher"`
	// Same: templates (and manifest) of both apps equal after hash
	// normalization, per app; Diff says where they differ.
	Same map[string]bool   `json:"same"`
	Diff map[string]string `json:"diff,omitempty"`
	// Rebuilt: asset directories each one-function Go synth built.
	Rebuilt [][]string `json:"rebuilt"`
}

// synthcacheTimings is one SYNTHCACHE_TIMINGS record, in milliseconds. It
// reads the file's fields (binaryMs, ...) and writes the same names, so a
// results.json reads back (-render).
type synthcacheTimings struct {
	Outcome                                          string
	Binary, Key, Lookup, Restore, App, Record, Total float64
}

func (t synthcacheTimings) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Outcome                                                        string  `json:"outcome"`
		BinaryMs, KeyMs, LookupMs, RestoreMs, AppMs, RecordMs, TotalMs float64 `json:",omitempty"`
	}{t.Outcome, t.Binary, t.Key, t.Lookup, t.Restore, t.App, t.Record, t.Total})
}

func (t *synthcacheTimings) UnmarshalJSON(b []byte) error {
	var raw struct {
		Outcome                                                        string
		BinaryMs, KeyMs, LookupMs, RestoreMs, AppMs, RecordMs, TotalMs float64
		// The names results.json had before MarshalJSON existed.
		Binary, Key, Lookup, Restore, App, Record, Total float64
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	or := func(a, b float64) float64 {
		if a != 0 {
			return a
		}
		return b
	}
	*t = synthcacheTimings{raw.Outcome, or(raw.BinaryMs, raw.Binary), or(raw.KeyMs, raw.Key), or(raw.LookupMs, raw.Lookup),
		or(raw.RestoreMs, raw.Restore), or(raw.AppMs, raw.App), or(raw.RecordMs, raw.Record), or(raw.TotalMs, raw.Total)}
	return nil
}

type compareBench struct {
	clone, tmp string
	pairs      int
	scale      []int
	scalePairs int
	log        func(format string, args ...any)
	res        compareRun
	goEnv      []string // the clone's make environment (cleanEnv)
	cliEnv     []string // what the Makefile exports, for CLI runs outside make
	tsDir      string
	tsEnv      []string
	handler    []byte // functions/<touchedFn>/handler.go as cloned
}

func newCompareBench(clone, tmp string, pairs, scalePairs int, scale []int, log func(string, ...any)) *compareBench {
	b := &compareBench{clone: clone, tmp: tmp, pairs: pairs, scale: scale, scalePairs: scalePairs, log: log, tsDir: filepath.Join(tmp, "ts")}
	b.res = compareRun{Samples: map[string][]measured{}, Scale: map[int]map[string][]measured{}, Counters: map[string][]map[string]float64{},
		Timings: map[string][]synthcacheTimings{}, Same: map[string]bool{}, Diff: map[string]string{}}
	b.goEnv = cleanEnv()
	bin := filepath.Join(clone, "node_modules", ".bin")
	b.cliEnv = cleanEnv("JSII_NODE="+filepath.Join(bin, "node"), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20", "CDK_DISABLE_CLI_TELEMETRY=true")
	for i, kv := range b.cliEnv {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			b.cliEnv[i] = "PATH=" + bin + string(filepath.ListSeparator) + v
		}
	}
	return b
}

func (b *compareBench) handlerPath() string {
	return filepath.Join(b.clone, "functions", touchedFn, "handler.go")
}

// restoreHandler undoes the one-function rounds' changes.
func (b *compareBench) restoreHandler() {
	if b.handler != nil {
		_ = os.WriteFile(b.handlerPath(), b.handler, 0o644)
	}
}

// measure runs everything and returns the samples.
func (b *compareBench) measure(ctx context.Context) (compareRun, error) {
	var err error
	if b.handler, err = os.ReadFile(b.handlerPath()); err != nil {
		return b.res, err
	}
	if err := b.prepare(ctx); err != nil {
		return b.res, err
	}
	if err := b.components(ctx); err != nil {
		return b.res, err
	}
	for r := 1; r <= b.pairs; r++ {
		if err := b.round(ctx, r); err != nil {
			return b.res, err
		}
	}
	b.restoreHandler() // the scaling apps' cached assemblies are keyed on the tree as it was
	for r := 1; r <= b.scalePairs; r++ {
		for _, n := range b.scale {
			if err := b.scaleRound(ctx, r, n); err != nil {
				return b.res, err
			}
		}
	}
	return b.res, nil
}

// prepare writes the scaling app into the clone, installs the TypeScript
// apps and synthesizes every app once in Go and in TypeScript, checking that
// their templates agree (warmUp): nothing is timed.
func (b *compareBench) prepare(ctx context.Context) error {
	if err := b.generateScaleApp(); err != nil {
		return err
	}
	b.log("compare: make synth in the Go clone (warm-up, not measured)")
	if _, err := run(ctx, b.clone, b.goEnv, "make", "synth"); err != nil {
		return err
	}
	if err := b.setupTS(ctx); err != nil {
		return err
	}
	return b.warmUp(ctx)
}

// check is -compare-check: prepare alone. It returns an error naming every
// app whose Go and TypeScript templates or manifest differ.
func (b *compareBench) check(ctx context.Context) error {
	if err := b.prepare(ctx); err != nil {
		return err
	}
	var diffs []string
	for _, app := range sortedKeys(b.res.Same) {
		if !b.res.Same[app] {
			diffs = append(diffs, app+": "+b.res.Diff[app])
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("compare-check: Go and TypeScript templates differ: %s", strings.Join(diffs, "; "))
	}
	fmt.Printf("compare-check: Go and TypeScript templates and manifest identical after hash normalization: %s\n", strings.Join(sortedKeys(b.res.Same), ", "))
	return nil
}

func (b *compareBench) add(kind string, m measured) {
	b.res.Samples[kind] = append(b.res.Samples[kind], m)
	b.log("compare: %-28s %s, CPU %s", kind, secs(m.Wall), secs(m.CPU))
}

// ---- the Go side ----

// goSynth runs make synth in the clone with extra environment variables and
// returns the measurement and synthcache's timings.
func (b *compareBench) goSynth(ctx context.Context, kind string, extraEnv []string, flags ...string) (measured, error) {
	timings := filepath.Join(b.tmp, "synthcache-timings.json")
	os.Remove(timings)
	env := append(slices.Clone(b.goEnv), extraEnv...)
	env = append(env, "SYNTHCACHE_TIMINGS="+timings)
	args := []string{"synth"}
	if len(flags) > 0 {
		args = append(args, "SYNTH_FLAGS="+strings.Join(flags, " "))
	}
	m, err := run(ctx, b.clone, env, "make", args...)
	if err != nil {
		return m, err
	}
	if raw, err := os.ReadFile(timings); err == nil {
		var t synthcacheTimings
		if json.Unmarshal(raw, &t) == nil {
			b.res.Timings[kind] = append(b.res.Timings[kind], t)
		}
	}
	return m, nil
}

// readCounters reads and removes the performance-counters.json of outdir.
func readCounters(outdir string) (map[string]float64, error) {
	p := filepath.Join(outdir, "performance-counters.json")
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	os.Remove(p)
	var c struct{ Counters map[string]float64 }
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	return c.Counters, nil
}

// ---- the TypeScript side ----

// setupTS installs bench/tsapp (npm ci) into a temp dir, compiles it and
// writes the projects of the order flow and of the scaling app.
func (b *compareBench) setupTS(ctx context.Context) error {
	src := filepath.Join(b.clone, "bench", "tsapp")
	if err := os.MkdirAll(b.tsDir, 0o755); err != nil {
		return err
	}
	for _, f := range []string{"package.json", "package-lock.json", "tsconfig.json"} {
		if err := copyFile(filepath.Join(src, f), filepath.Join(b.tsDir, f)); err != nil {
			return err
		}
	}
	if err := copyDir(filepath.Join(src, "src"), filepath.Join(b.tsDir, "src")); err != nil {
		return err
	}
	b.log("compare: npm ci of the TypeScript app (bench/tsapp) in %s", b.tsDir)
	if _, err := run(ctx, b.tsDir, cleanEnv(), "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"); err != nil {
		return err
	}
	bin := filepath.Join(b.tsDir, "node_modules", ".bin")
	if _, err := run(ctx, b.tsDir, cleanEnv(), filepath.Join(bin, "tsc"), "-p", "."); err != nil {
		return err
	}
	b.tsEnv = cleanEnv("CDK_DISABLE_CLI_TELEMETRY=true")
	for i, kv := range b.tsEnv {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			b.tsEnv[i] = "PATH=" + bin + string(filepath.ListSeparator) + v
		}
	}
	var cdkJSON map[string]any
	raw, err := os.ReadFile(filepath.Join(b.clone, "cdk.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &cdkJSON); err != nil {
		return err
	}
	for app, main := range map[string]string{"orderflow": "orderflow.js", "scale": "scale.js"} {
		dir := filepath.Join(b.tsDir, app)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		out, _ := json.MarshalIndent(map[string]any{"app": "node ../dist/" + main, "context": cdkJSON["context"]}, "", "  ")
		if err := os.WriteFile(filepath.Join(dir, "cdk.json"), out, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// tsSynth runs the TypeScript app's cdk synth in project app.
func (b *compareBench) tsSynth(ctx context.Context, app string, extra ...string) (measured, error) {
	dir := filepath.Join(b.tsDir, app)
	source := b.clone // where the functions' sources are (the asset's source path)
	if app == "scale" {
		source = filepath.Join(b.clone, scaleDir)
	}
	env := append(slices.Clone(b.tsEnv), "ORDERFLOW_TS_ASSETS="+filepath.Join(dir, "assets.json"), "ORDERFLOW_TS_SOURCE="+source)
	args := append(append([]string{"synth"}, cliFlags...), extra...)
	return run(ctx, dir, env, filepath.Join(b.tsDir, "node_modules", ".bin", "cdk"), args...)
}

var fnLogicalID = regexp.MustCompile(`^([A-Za-z0-9]+?)Function[0-9A-F]{8}$`)

// writeTSAssets writes, for the TypeScript project app, the functions the Go
// app built (per entry: the Go asset's hash and directory), read from the
// Go template in goOut.
func writeTSAssets(goOut, template, tsProject string, entry func(constructID string) string) error {
	t, err := assembly.ReadTemplate(filepath.Join(goOut, template))
	if err != nil {
		return err
	}
	assets := map[string]map[string]string{}
	for id, r := range t.Resources {
		m := fnLogicalID.FindStringSubmatch(id)
		p, ok := r.Metadata["aws:asset:path"].(string)
		if r.Type != "AWS::Lambda::Function" || m == nil || !ok {
			continue
		}
		assets[entry(m[1])] = map[string]string{"hash": strings.TrimPrefix(p, "asset."), "dir": filepath.Join(goOut, p)}
	}
	if len(assets) == 0 {
		return fmt.Errorf("%s: no function with aws:asset:path", template)
	}
	out, _ := json.MarshalIndent(assets, "", "  ")
	return os.WriteFile(filepath.Join(tsProject, "assets.json"), out, 0o644)
}

// ---- the scaling app ----

const scaleDir = "benchscale"

// generateScaleApp writes, into the clone, a Go app of max(scale) plain
// functions (it defines the first -c functions=N of them) and its cdk.json.
func (b *compareBench) generateScaleApp() error {
	n := slices.Max(b.scale)
	root := filepath.Join(b.clone, scaleDir)
	module, err := modulePath(b.clone)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		src := fmt.Sprintf(`// Generated by make bench: function %03d of the scaling app.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (string, error) { return "fn%03d", nil })
}
`, i, i)
		if err := writeFileAll(filepath.Join(root, "functions", fmt.Sprintf("fn%03d", i), "main.go"), src); err != nil {
			return err
		}
	}
	app := `// Generated by make bench: the scaling app, -c functions=N plain
// gofunctions in one stack, with the cdk-nag packs (nothing invokes them
// asynchronously: no dead-letter queue).
package main

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"` + module + `/constructs/gofunction"
	"` + module + `/stacks"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	n := 5
	switch v := app.Node().TryGetContext(jsii.String("functions")).(type) {
	case string:
		n, _ = strconv.Atoi(v)
	case float64:
		n = int(v)
	}
	stack := awscdk.NewStack(app, jsii.String("Scale"), nil)
	for i := 0; i < n; i++ {
		fn := gofunction.New(stack, jsii.String(fmt.Sprintf("Fn%03d", i)), &gofunction.Props{Entry: jsii.String(fmt.Sprintf("functions/fn%03d", i))})
		cdknag.NagSuppressions_AddResourceSuppressions(fn.Function.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("Serverless-LambdaDLQ"),
			Reason: jsii.String("Not invoked asynchronously: nothing invokes the functions of the scaling benchmark."),
		}}, jsii.Bool(false))
	}
	stacks.AddChecks(app)
	app.Synth(nil)
}
`
	if err := writeFileAll(filepath.Join(root, "app", "main.go"), app); err != nil {
		return err
	}
	var cdkJSON map[string]any
	raw, err := os.ReadFile(filepath.Join(b.clone, "cdk.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &cdkJSON); err != nil {
		return err
	}
	out, _ := json.MarshalIndent(map[string]any{"app": "go run ../tools/cmd/synthcache -pkg ./" + scaleDir + "/app", "context": cdkJSON["context"]}, "", "  ")
	return os.WriteFile(filepath.Join(root, "cdk.json"), out, 0o644)
}

// goScaleSynth runs the CLI on the Go scaling app with n functions.
func (b *compareBench) goScaleSynth(ctx context.Context, n int, extraEnv ...string) (measured, error) {
	args := append(append([]string{"synth"}, cliFlags...), "-c", fmt.Sprintf("functions=%d", n))
	return run(ctx, filepath.Join(b.clone, scaleDir), append(slices.Clone(b.cliEnv), extraEnv...),
		filepath.Join(b.clone, "node_modules", ".bin", "cdk"), args...)
}

// ---- warm-up and checks ----

// warmUp synthesizes every app once (building what there is to build) and
// checks that the Go and TypeScript templates agree.
func (b *compareBench) warmUp(ctx context.Context) error {
	goOut := filepath.Join(b.clone, "cdk.out")
	if err := writeTSAssets(goOut, serviceStack+".template.json", filepath.Join(b.tsDir, "orderflow"),
		func(id string) string { return "functions/" + strings.ToLower(id) }); err != nil {
		return err
	}
	b.log("compare: TypeScript order flow, first synth (copies the built functions; not measured)")
	if _, err := b.tsSynth(ctx, "orderflow"); err != nil {
		return err
	}
	b.same("orderflow", goOut, filepath.Join(b.tsDir, "orderflow", "cdk.out"),
		"OrderFlow-dev-Stateful.template.json", serviceStack+".template.json", assembly.ManifestFile)
	for _, n := range b.scale {
		b.log("compare: scaling app with %d functions, first synth of each (builds them; not measured)", n)
		if _, err := b.goScaleSynth(ctx, n); err != nil {
			return err
		}
		goScaleOut := filepath.Join(b.clone, scaleDir, "cdk.out")
		if err := writeTSAssets(goScaleOut, "Scale.template.json", filepath.Join(b.tsDir, "scale"),
			func(id string) string { return "functions/" + strings.ToLower(id) }); err != nil {
			return err
		}
		if _, err := b.tsSynth(ctx, "scale", "-c", fmt.Sprintf("functions=%d", n)); err != nil {
			return err
		}
		b.same(fmt.Sprintf("scale-%d", n), goScaleOut, filepath.Join(b.tsDir, "scale", "cdk.out"), "Scale.template.json", assembly.ManifestFile)
	}
	// The last scale synth wrote the largest app's assets list; the TS
	// project reads it for every n (a superset).
	return nil
}

// same records whether the files of two cloud assemblies are equal once
// every 64-hex-digit hash (asset hashes, and the S3 keys made of them) is
// replaced by a placeholder.
func (b *compareBench) same(app, goOut, tsOut string, files ...string) {
	var diffs []string
	for _, f := range files {
		g, err1 := normalizedJSON(filepath.Join(goOut, f))
		t, err2 := normalizedJSON(filepath.Join(tsOut, f))
		if err := errors.Join(err1, err2); err != nil {
			diffs = append(diffs, f+": "+err.Error())
			continue
		}
		if g != t {
			diffs = append(diffs, f+": "+firstDifference(g, t))
		}
	}
	b.res.Same[app] = len(diffs) == 0
	if len(diffs) > 0 {
		b.res.Diff[app] = strings.Join(diffs, "; ")
		b.log("compare: %s: Go and TypeScript templates differ: %s", app, b.res.Diff[app])
	} else {
		b.log("compare: %s: Go and TypeScript templates are identical after hash normalization", app)
	}
}

var hex64 = regexp.MustCompile(`[0-9a-f]{64}`)

// normalizedJSON returns the JSON file at p re-encoded with sorted keys and
// its 64-hex-digit hashes replaced.
func normalizedJSON(p string) (string, error) {
	raw, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	var v any
	if err := json.Unmarshal(hex64.ReplaceAll(raw, []byte("HASH")), &v); err != nil {
		return "", err
	}
	out, err := json.MarshalIndent(v, "", " ") // maps are encoded with sorted keys
	return string(out), err
}

func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d: Go %q, TypeScript %q", i+1, strings.TrimSpace(al[i]), strings.TrimSpace(bl[i]))
		}
	}
	return fmt.Sprintf("Go has %d lines, TypeScript %d", len(al), len(bl))
}

// components measures the parts that are not synths: the launcher's own
// check, gofunction's go list, batched and one by one.
func (b *compareBench) components(ctx context.Context) error {
	for i := 0; i < 3; i++ {
		m, err := run(ctx, b.clone, b.goEnv, "go", "run", "./tools/cmd/synthcache", "-build")
		if err != nil {
			return err
		}
		b.res.Launcher = append(b.res.Launcher, m)
	}
	listEnv := append(slices.Clone(b.goEnv), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	fields := "-json=ImportPath,Dir,Standard,Module,GoFiles,CgoFiles,SFiles,HFiles,SysoFiles,EmbedFiles,Deps,Error,DepsErrors"
	snap, err := snapshot(b.clone)
	if err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		t0 := time.Now()
		if _, err := output(ctx, b.clone, listEnv, "go", "list", "-e", "-deps", "-tags", "lambda.norpc", fields, "./functions/api", "./functions/..."); err != nil {
			return err
		}
		b.res.GoListBatched = append(b.res.GoListBatched, time.Since(t0))
		t0 = time.Now()
		for _, fn := range snap.functionNames() {
			if _, err := output(ctx, b.clone, listEnv, "go", "list", "-deps", "-tags", "lambda.norpc", fields, "./functions/"+fn); err != nil {
				return err
			}
		}
		b.res.GoListEach = append(b.res.GoListEach, time.Since(t0))
	}
	return nil
}

// round is one interleaved round of the order-flow comparisons.
func (b *compareBench) round(ctx context.Context, r int) error {
	goOut, tsOut := filepath.Join(b.clone, "cdk.out"), filepath.Join(b.tsDir, "orderflow", "cdk.out")
	goFirst := r%2 == 1
	pair := func(goRun, tsRun func() error) error {
		if goFirst {
			if err := goRun(); err != nil {
				return err
			}
			return tsRun()
		}
		if err := tsRun(); err != nil {
			return err
		}
		return goRun()
	}

	// Unchanged synth, the assembly cache on (what make synth does).
	err := pair(func() error {
		m, err := b.goSynth(ctx, "go", nil)
		b.add("go", m)
		return err
	}, func() error {
		m, err := b.tsSynth(ctx, "orderflow")
		b.add("ts", m)
		return err
	})
	if err != nil {
		return err
	}
	// The CLI alone, reading the assembly that is there (no app).
	m, err := run(ctx, b.clone, b.cliEnv, filepath.Join(b.clone, "node_modules", ".bin", "cdk"), append(append([]string{"synth"}, cliFlags...), "--app", "cdk.out")...)
	if err != nil {
		return err
	}
	b.add("cli", m)

	// Uncached: the whole CDK app runs, with aws-cdk-lib's timers on.
	err = pair(func() error {
		os.Remove(filepath.Join(goOut, "performance-counters.json"))
		m, err := b.goSynth(ctx, "go-uncached", []string{"SYNTHCACHE_CACHE=off"}, "-c", slowSynthContext)
		b.add("go-uncached", m)
		if c, cerr := readCounters(goOut); cerr == nil {
			b.res.Counters["go"] = append(b.res.Counters["go"], c)
		}
		return err
	}, func() error {
		os.Remove(filepath.Join(tsOut, "performance-counters.json"))
		m, err := b.tsSynth(ctx, "orderflow", "-c", slowSynthContext)
		b.add("ts-uncached", m)
		if c, cerr := readCounters(tsOut); cerr == nil {
			b.res.Counters["ts"] = append(b.res.Counters["ts"], c)
		}
		return err
	})
	if err != nil {
		return err
	}

	// One function changed: go build of that function alone, then make
	// synth after another change to it, against the TypeScript synth.
	handler := b.handlerPath()
	appendComment := func(what string) error {
		f, err := os.OpenFile(handler, os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = fmt.Fprintf(f, "\n// make bench: round %d, %s, %d\n", r, what, time.Now().UnixNano())
		return err
	}
	if err := appendComment("go build"); err != nil {
		return err
	}
	buildEnv := append(slices.Clone(b.goEnv), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	m, err = run(ctx, b.clone, buildEnv, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w",
		"-o", filepath.Join(b.tmp, "bootstrap-"+touchedFn), "./functions/"+touchedFn)
	if err != nil {
		return err
	}
	b.add("build", m)
	if err := appendComment("make synth"); err != nil {
		return err
	}
	return pair(func() error {
		before, err := snapshot(b.clone)
		if err != nil {
			return err
		}
		m, err := b.goSynth(ctx, "go-onefn", nil)
		b.add("go-onefn", m)
		if err != nil {
			return err
		}
		after, err := snapshot(b.clone)
		b.res.Rebuilt = append(b.res.Rebuilt, rebuilt(before, after))
		return err
	}, func() error {
		m, err := b.tsSynth(ctx, "orderflow")
		b.add("ts-onefn", m)
		return err
	})
}

// scaleRound measures the scaling app with n functions: Go with the
// assembly cache, Go without it, TypeScript.
func (b *compareBench) scaleRound(ctx context.Context, r, n int) error {
	kinds := []string{"go", "go-uncached", "ts"}
	if r%2 == 0 {
		slices.Reverse(kinds)
	}
	if b.res.Scale[n] == nil {
		b.res.Scale[n] = map[string][]measured{}
	}
	for _, kind := range kinds {
		var m measured
		var err error
		switch kind {
		case "go":
			m, err = b.goScaleSynth(ctx, n)
		case "go-uncached":
			m, err = b.goScaleSynth(ctx, n, "SYNTHCACHE_CACHE=off")
		case "ts":
			m, err = b.tsSynth(ctx, "scale", "-c", fmt.Sprintf("functions=%d", n))
		}
		if err != nil {
			return err
		}
		b.res.Scale[n][kind] = append(b.res.Scale[n][kind], m)
		b.log("compare: scale %2d functions %-12s %s, CPU %s", n, kind, secs(m.Wall), secs(m.CPU))
	}
	return nil
}

// ---- files ----

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
}

func writeFileAll(p, content string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(content), 0o644)
}

// parseInts parses "5,20,50".
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad number %q in %q", f, s)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// ---- the table ----

func walls(ms []measured) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = m.Wall
	}
	return out
}

func cpus(ms []measured) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = m.CPU
	}
	return out
}

// figure formats the median wall and CPU time of ms.
func figure(ms []measured) string {
	return fmt.Sprintf("%s (CPU %s)", secs(medianDur(walls(ms))), secs(medianDur(cpus(ms))))
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func medianMs(xs []float64) string {
	m := median(xs)
	if m >= 1000 {
		return fmt.Sprintf("%.2f s", m/1000)
	}
	return fmt.Sprintf("%.0f ms", m)
}

func renderCompare(row func(a, b, c, d string), c compareRun) {
	s := c.Samples
	var same []string
	allSame := true
	for _, app := range sortedKeys(c.Same) {
		same = append(same, fmt.Sprintf("%s %t", app, c.Same[app]))
		allSame = allSame && c.Same[app]
	}
	diff := ""
	for app, d := range c.Diff {
		diff += "; " + app + ": " + d
	}
	row("Compare: the TypeScript app (bench/tsapp) synthesizes the same templates and manifest as the Go app, 64-hex hashes aside",
		strings.Join(same, ", ")+diff, "identical", verdict(allSame, "the comparison does not compare the same app"))

	n := len(s["go"])
	goU, tsU := medianDur(walls(s["go"])), medianDur(walls(s["ts"]))
	r := ratio(goU, tsU)
	row(fmt.Sprintf("Compare: unchanged synth, Go `make synth` (assembly cache) vs TypeScript `cdk synth` (%d interleaved pairs)", n),
		fmt.Sprintf("Go %s vs TypeScript %s: **%.2fx** wall, %.2fx CPU", figure(s["go"]), figure(s["ts"]), r,
			ratio(medianDur(cpus(s["go"])), medianDur(cpus(s["ts"])))), "<= 1.0x", verdict(r <= 1, over(r, 1, "x")))

	goN, tsN := medianDur(walls(s["go-uncached"])), medianDur(walls(s["ts-uncached"]))
	row(fmt.Sprintf("Compare: the whole app runs: Go with SYNTHCACHE_CACHE=off vs TypeScript (%d pairs)", len(s["go-uncached"])),
		fmt.Sprintf("Go %s vs TypeScript %s: %.2fx wall, %.2fx CPU", figure(s["go-uncached"]), figure(s["ts-uncached"]), ratio(goN, tsN),
			ratio(medianDur(cpus(s["go-uncached"])), medianDur(cpus(s["ts-uncached"])))), "", "")

	goO, tsO, bld := medianDur(walls(s["go-onefn"])), medianDur(walls(s["ts-onefn"])), medianDur(walls(s["build"]))
	r1 := ratio(goO, tsO+bld)
	okRebuilt := true
	var got []string
	for _, rb := range c.Rebuilt {
		okRebuilt = okRebuilt && slices.Equal(rb, []string{touchedFn})
		got = append(got, "["+strings.Join(rb, ",")+"]")
	}
	cpu1 := ratio(medianDur(cpus(s["go-onefn"])), medianDur(cpus(s["ts-onefn"]))+medianDur(cpus(s["build"])))
	result := verdict(r1 <= 1, over(r1, 1, "x"))
	if !okRebuilt {
		result = "**FAIL**: rebuilt " + strings.Join(got, " ")
	}
	row(fmt.Sprintf("Compare: one function changed, Go `make synth` after a change to functions/%s vs TypeScript synth + `go build` of that function (%d pairs)", touchedFn, len(s["go-onefn"])),
		fmt.Sprintf("Go %s vs TypeScript %s + build %s = %s: **%.2fx** wall, %.2fx CPU; rebuilt per round: %s",
			figure(s["go-onefn"]), figure(s["ts-onefn"]), figure(s["build"]), secs(tsO+bld), r1, cpu1, strings.Join(got, " ")),
		"<= 1.0x, rebuilds "+touchedFn+" only", result)

	if len(c.Scale) > 0 {
		ns := sortedKeys(c.Scale)
		for _, k := range ns {
			m := c.Scale[k]
			row(fmt.Sprintf("Compare: scaling app, %d functions (%d rounds)", k, len(m["ts"])),
				fmt.Sprintf("Go %s; Go without the cache %s; TypeScript %s: %.2fx (without the cache %.2fx)",
					figure(m["go"]), figure(m["go-uncached"]), figure(m["ts"]),
					ratio(medianDur(walls(m["go"])), medianDur(walls(m["ts"]))), ratio(medianDur(walls(m["go-uncached"])), medianDur(walls(m["ts"])))), "", "")
		}
		lo, hi := ns[0], ns[len(ns)-1]
		slope := func(kind string, cpu bool) time.Duration {
			f := walls
			if cpu {
				f = cpus
			}
			return (medianDur(f(c.Scale[hi][kind])) - medianDur(f(c.Scale[lo][kind]))) / time.Duration(hi-lo)
		}
		g, gu, t := slope("go", false), slope("go-uncached", false), slope("ts", false)
		row(fmt.Sprintf("Compare: cost of one more function, (synth with %d - with %d) / %d", hi, lo, hi-lo),
			fmt.Sprintf("Go **%s** (CPU %s); Go without the cache %s (CPU %s); TypeScript **%s** (CPU %s)",
				millis(g), millis(slope("go", true)), millis(gu), millis(slope("go-uncached", true)), millis(t), millis(slope("ts", true))),
			"Go <= TypeScript", verdict(g <= t, fmt.Sprintf("%s against %s", millis(g), millis(t))))
	}

	// Components.
	row("Component: the CDK CLI alone, reading the assembly that is there (`cdk synth --app cdk.out`)", figure(s["cli"]), "", "")
	row("Component: `go run ./tools/cmd/synthcache -build`, nothing changed (go command + app binary check)", figure(c.Launcher), "", "")
	step := func(kind string, f func(synthcacheTimings) float64) string {
		var xs []float64
		for _, t := range c.Timings[kind] {
			xs = append(xs, f(t))
		}
		if len(xs) == 0 {
			return "n/a"
		}
		return medianMs(xs)
	}
	row("Component: tools/synthcache steps of an unchanged synth (SYNTHCACHE_TIMINGS)",
		fmt.Sprintf("binary check %s, key (every file of the module, environment) %s, lookup %s, restore %s; total %s",
			step("go", func(t synthcacheTimings) float64 { return t.Binary }), step("go", func(t synthcacheTimings) float64 { return t.Key }),
			step("go", func(t synthcacheTimings) float64 { return t.Lookup }), step("go", func(t synthcacheTimings) float64 { return t.Restore }),
			step("go", func(t synthcacheTimings) float64 { return t.Total })), "", "")
	row("Component: tools/synthcache steps with the whole app running (SYNTHCACHE_CACHE=off)",
		fmt.Sprintf("binary check %s, the app %s; one function changed: the app %s, key and record %s",
			step("go-uncached", func(t synthcacheTimings) float64 { return t.Binary }), step("go-uncached", func(t synthcacheTimings) float64 { return t.App }),
			step("go-onefn", func(t synthcacheTimings) float64 { return t.App }), step("go-onefn", func(t synthcacheTimings) float64 { return t.Key + t.Record })), "", "")
	counter := func(app, name string) string {
		var xs []float64
		for _, c := range c.Counters[app] {
			if v, ok := c[name]; ok {
				xs = append(xs, v)
			}
		}
		if len(xs) == 0 {
			return "n/a"
		}
		return medianMs(xs)
	}
	for _, name := range []string{"phase:Load", "phase:Construction", "phase:Synthesis", "validateTemplates"} {
		row("Component: aws-cdk-lib's timer "+name+" (performance-counters.json), whole app running",
			fmt.Sprintf("Go %s vs TypeScript %s", counter("go", name), counter("ts", name)), "", "")
	}
	row("Component: gofunction's `go list -deps`, one for all functions of the stage (before: one per function, in a row)",
		fmt.Sprintf("%s (before: %s)", millis(medianDur(c.GoListBatched)), millis(medianDur(c.GoListEach))), "", "")
	row(fmt.Sprintf("Component: `go build` of functions/%s after a change, the deployment's flags (linux/arm64)", touchedFn),
		figure(s["build"]), "", "")
}

func sortedKeys[K int | string, V any](m map[K]V) []K {
	var ks []K
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
