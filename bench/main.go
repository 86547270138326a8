//go:build linux

// Command bench measures the order flow (make bench, docs/bench.md): synth
// times of a fresh clone, sizes, cold starts and warm invocations of the
// functions under the Lambda Runtime Interface Emulator, the per-event
// cost of each handler from its Go benchmarks, and the handler runtime's
// benchmarks (batch overhead, KPL de-aggregation, idempotency's DynamoDB
// calls and units). It prints one markdown table
// on standard output (progress goes to standard error) and writes the raw
// samples, the table and the cost section under -out.
//
// It works in throwaway clones under a temp directory; it never changes the
// repository it runs in. No function imports this package.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/example/orderflow/tools/localrun"
)

type options struct {
	recorded
	out, rie, render, benchmarks string
	keep                         bool
}

// recorded are the options results.json records (and -render reads back).
type recorded struct {
	Runs      int    `json:"runs"`
	Sessions  int    `json:"sessions"`
	Invokes   int    `json:"invokes"`
	Count     int    `json:"count"`
	Benchtime string `json:"benchtime"`
	Worktree  bool   `json:"worktree"`
	ColdCache bool   `json:"coldCache"`
	Sections  string `json:"sections"`
}

// results is everything measured, written to results.json.
type results struct {
	Machine   machine         `json:"machine"`
	Options   recorded        `json:"options"`
	Source    string          `json:"source"`
	Synth     []synthRun      `json:"synth,omitempty"`
	MakeTest  *measured       `json:"makeTest,omitempty"`
	Functions []fnResult      `json:"functions,omitempty"`
	Handlers  []handlerResult `json:"handlers,omitempty"`
	// Runtime are the handler runtime's benchmarks by "package.Benchmark".
	Runtime map[string]benchSamples `json:"runtime,omitempty"`
}

func main() {
	var o options
	flag.IntVar(&o.Runs, "runs", 3, "synth runs, each in its own fresh clone")
	flag.IntVar(&o.Sessions, "sessions", 5, "emulator sessions per function: one cold start each")
	flag.IntVar(&o.Invokes, "invokes", 30, "warm invocations per session")
	flag.IntVar(&o.Count, "count", 5, "go test -count of the handler benchmarks")
	flag.StringVar(&o.Benchtime, "benchtime", "1s", "go test -benchtime of the handler benchmarks")
	flag.StringVar(&o.Sections, "sections", "synth,functions,handlers,runtime", "what to measure (also: maketest, make test's wall time with warm caches)")
	flag.StringVar(&o.out, "out", ".build/bench", "folder for results.json, table.md, gotest.txt")
	flag.StringVar(&o.benchmarks, "benchmarks", "BENCHMARKS.md", "the page a run of every default section writes its table into, relative to the repository root (\"\": none)")
	flag.StringVar(&o.render, "render", "", "measure nothing: render table.md again from this results.json of an earlier run (after a change to the report code)")
	flag.StringVar(&o.rie, "rie", "bin/aws-lambda-rie", "aws-lambda-rie binary; installed into a temp dir when missing")
	flag.BoolVar(&o.Worktree, "worktree", false, "measure the working tree: copy its uncommitted changes over each clone of HEAD")
	flag.BoolVar(&o.ColdCache, "cold-cache", true, "fresh-clone synth starts with an empty Go build cache (the module cache stays warm)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp directory with the clones")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := benchmark(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func benchmark(ctx context.Context, o options) error {
	if o.render != "" {
		if root, err := localrun.ModuleRoot("."); err == nil && o.benchmarks != "" && !filepath.IsAbs(o.benchmarks) {
			o.benchmarks = filepath.Join(root, o.benchmarks)
		}
		return rerender(o)
	}
	if o.Runs < 1 || o.Sessions < 1 || o.Invokes < 1 || o.Count < 1 {
		return errors.New("-runs, -sessions, -invokes and -count must be at least 1")
	}
	m := describeMachine(ctx) // first: the load average before this program adds to it
	t0 := time.Now()
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(t0).Seconds(), fmt.Sprintf(format, args...))
	}
	logf("machine: %s; load average %s", m, m.LoadStart)
	root, err := localrun.ModuleRoot(".")
	if err != nil {
		return err
	}
	if o.benchmarks != "" && !filepath.IsAbs(o.benchmarks) {
		o.benchmarks = filepath.Join(root, o.benchmarks)
	}
	module, err := modulePath(ctx, root)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "orderflow-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		logf("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	want := map[string]bool{}
	for _, s := range strings.Split(o.Sections, ",") {
		want[strings.TrimSpace(s)] = true
	}
	res := results{Machine: m, Options: o.recorded}

	// Synth, leaving the last run's clone synthesized for what follows.
	var clone string
	if want["synth"] {
		sb := &synthBench{root: root, worktree: o.Worktree, coldCache: o.ColdCache, log: logf}
		for r := 1; r <= o.Runs; r++ {
			dir := filepath.Join(tmp, fmt.Sprintf("run-%d", r))
			run, c, source, err := sb.runOnce(ctx, dir, r)
			if err != nil {
				return fmt.Errorf("synth run %d: %w", r, err)
			}
			res.Synth = append(res.Synth, run)
			if res.Source != "" && !strings.Contains(res.Source, source) {
				res.Source += "; then " + source // HEAD moved between runs
			} else if res.Source == "" {
				res.Source = source
			}
			if clone != "" && !o.keep {
				os.RemoveAll(filepath.Dir(clone))
			}
			clone = c
			if !o.keep {
				os.RemoveAll(filepath.Join(dir, "gocache"))
			}
		}
	} else if want["functions"] || want["handlers"] || want["runtime"] || want["maketest"] {
		clone = filepath.Join(tmp, "prepared", "orderflow")
		if res.Source, err = cloneRepo(ctx, root, clone, o.Worktree); err != nil {
			return err
		}
		if want["functions"] || want["handlers"] || want["maketest"] {
			logf("preparing %s: make synth (not measured)", clone)
			if _, err := run(ctx, clone, cleanEnv(), "make", "synth"); err != nil {
				return err
			}
		}
	}

	if want["maketest"] {
		logf("make test in %s, warm caches (a first run, not measured, warms them)", clone)
		if _, err := run(ctx, clone, cleanEnv(), "make", "test"); err != nil {
			return err
		}
		m, err := run(ctx, clone, cleanEnv(), "make", "test")
		if err != nil {
			return err
		}
		res.MakeTest = &m
		logf("make test: %s, CPU %s", secs(m.Wall), secs(m.CPU))
	}

	if want["functions"] {
		snap, err := snapshot(clone)
		if err != nil {
			return err
		}
		rie := o.rie
		if !filepath.IsAbs(rie) {
			rie = filepath.Join(root, rie)
		}
		if rie, err = localrun.FindRIE(ctx, rie, tmp, os.Stderr); err != nil {
			return err
		}
		fb := &functionBench{clone: clone, tmp: tmp, rie: rie, invokes: o.Invokes, log: logf}
		if res.Functions, err = fb.measureFunctions(ctx, snap, o.Sessions); err != nil {
			return err
		}
	}

	var gotest string
	if want["handlers"] {
		logf("handlers: go test -bench (count %d, benchtime %s)", o.Count, o.Benchtime)
		if res.Handlers, gotest, err = measureHandlers(ctx, clone, module, o.Count, o.Benchtime); err != nil {
			return err
		}
	}
	if want["runtime"] {
		logf("runtime: go test -bench in runtime/ (count %d, benchtime %s)", o.Count, o.Benchtime)
		var out string
		if res.Runtime, out, err = measureRuntime(ctx, clone, o.Count, o.Benchtime); err != nil {
			return fmt.Errorf("runtime benchmarks: %w\n%s", err, out)
		}
		gotest += out
	}

	res.Machine.LoadEnd, res.Machine.End = loadAvg(), time.Now().UTC()
	if err := write(res, o, gotest); err != nil {
		return err
	}
	logf("wrote %s/{results.json,table.md,gotest.txt}", o.out)
	if complete(res) && o.benchmarks != "" {
		logf("wrote %s", o.benchmarks)
	}
	return nil
}

// modulePath is the path of the module at root.
func modulePath(ctx context.Context, root string) (string, error) {
	out, err := output(ctx, root, os.Environ(), "go", "list", "-m")
	return strings.TrimSpace(out), err
}

// verdict is PASS, or FAIL with how far the figure is from its limit.
func verdict(ok bool, howFar string) string {
	if ok {
		return "PASS"
	}
	return "**FAIL**: " + howFar
}

// over says how far value is above limit: "4.1x against 3x (37% over)".
func over(value, limit float64, unit string) string {
	return fmt.Sprintf("%.2f%s against %g%s (%.0f%% over)", value, unit, limit, unit, 100*(value/limit-1))
}

func renderTable(res results, o options) string {
	var sb strings.Builder
	row := func(figure, value, target, result string) {
		fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", figure, value, target, result)
	}
	sb.WriteString("| Figure | Median (runs) | Target | Result |\n|---|---|---|---|\n")
	m := res.Machine
	row("Machine", m.String(), "", "")
	row("Date", m.Start.Format("2006-01-02 15:04 MST")+" ("+m.End.Sub(m.Start).Round(time.Second).String()+")", "", "")
	row("Load average (1/5/15 min)", "at start "+m.LoadStart+"; at end "+m.LoadEnd, "", "")
	row("Source", res.Source, "", "")
	var runs []string
	if len(res.Synth) > 0 {
		runs = append(runs, fmt.Sprintf("synth: %d fresh clones", len(res.Synth)))
	}
	if len(res.Functions) > 0 {
		runs = append(runs, fmt.Sprintf("functions: %d emulator sessions each (1 cold start + %d warm invocations)", o.Sessions, o.Invokes))
	}
	if len(res.Handlers) > 0 || len(res.Runtime) > 0 {
		runs = append(runs, fmt.Sprintf("handlers and runtime: go test -count %d -benchtime %s", o.Count, o.Benchtime))
	}
	row("Runs (medians over these)", strings.Join(runs, "; "), "", "")

	if len(res.Synth) > 0 {
		renderSynth(row, res.Synth, o, m.Cores)
	}
	if res.MakeTest != nil {
		row("`make test`, warm Go, npm and jsii caches (1)", fmt.Sprintf("**%s**%s", secs(res.MakeTest.Wall), cpuNote(res.MakeTest.CPU, m.Cores)),
			"< 3 min", verdict(res.MakeTest.Wall < 3*time.Minute, over(res.MakeTest.Wall.Minutes(), 3, " min")))
	}
	if len(res.Functions) > 0 {
		renderFunctions(row, res.Functions)
	}
	if len(res.Handlers) > 0 {
		renderHandlers(row, res.Handlers)
	}
	if len(res.Runtime) > 0 {
		renderRuntime(row, res.Runtime)
	}
	return sb.String()
}

func memNote(tree, single []uint64) string {
	return fmt.Sprintf("; peak RSS: process tree %s (sampled every %s), largest process %s", gib(medianU(tree)), sampleEvery, gib(medianU(single)))
}

// cpuNote gives the CPU time of a figure and the wall time it needs at
// least on an idle machine with cores cores (all of them busy throughout).
func cpuNote(cpu time.Duration, cores int) string {
	return fmt.Sprintf("; CPU (user+sys) %s, so >= %s on %d idle cores", secs(cpu), secs(cpu/time.Duration(cores)), cores)
}

func renderSynth(row func(a, b, c, d string), runs []synthRun, o options, cores int) {
	n := fmt.Sprintf(" (%d)", len(runs))
	cache := "empty GOCACHE"
	if !o.ColdCache {
		cache = "the user's warm GOCACHE"
	}
	// figure is the median wall time of what pick measures over the runs,
	// and the notes on it: range, CPU, memory.
	figure := func(pick func(synthRun) measured) (time.Duration, string) {
		var walls, cpus []time.Duration
		var tree, single []uint64
		for _, r := range runs {
			m := pick(r)
			walls, cpus = append(walls, m.Wall), append(cpus, m.CPU)
			tree, single = append(tree, m.TreePeak), append(single, m.MaxSingle)
		}
		return medianDur(walls), spread(walls, secs) + cpuNote(medianDur(cpus), cores) + memNote(tree, single)
	}
	wall := func(pick func(synthRun) measured) string { w, _ := figure(pick); return secs(w) }
	sum := func(a, b measured) measured {
		return measured{Wall: a.Wall + b.Wall, CPU: a.CPU + b.CPU, TreePeak: max(a.TreePeak, b.TreePeak), MaxSingle: max(a.MaxSingle, b.MaxSingle)}
	}
	fresh, notes := figure(func(r synthRun) measured { return sum(r.FreshNpm, r.FreshSynth) })
	row("Synth: fresh clone, first `make synth` incl. `npm ci`; warm module cache, "+cache+n,
		fmt.Sprintf("**%s** (npm ci %s + synth %s)%s", secs(fresh), wall(func(r synthRun) measured { return r.FreshNpm }),
			wall(func(r synthRun) measured { return r.FreshSynth }), notes),
		"< 90 s", verdict(fresh < 90*time.Second, over(fresh.Seconds(), 90, " s")))

	warm, notes := figure(func(r synthRun) measured { return sum(r.FreshWarmNpm, r.FreshWarmSynth) })
	row("Synth: same, clean checkout with a warm build cache"+n,
		fmt.Sprintf("%s (npm ci %s + synth %s)%s", secs(warm), wall(func(r synthRun) measured { return r.FreshWarmNpm }),
			wall(func(r synthRun) measured { return r.FreshWarmSynth }), notes), "", "")

	unchanged, notes := figure(func(r synthRun) measured { return r.Unchanged })
	okNone := true
	var rebuiltU []string
	for _, r := range runs {
		okNone = okNone && len(r.UnchangedRebuilt) == 0
		rebuiltU = append(rebuiltU, r.UnchangedRebuilt...)
	}
	row("Synth: `make synth` again, nothing changed"+n,
		fmt.Sprintf("**%s**%s; functions rebuilt: %s", secs(unchanged), notes, listOr(rebuiltU, "none")),
		"rebuilds no function", verdict(okNone, "rebuilt "+strings.Join(rebuiltU, ", ")))

	one, notes := figure(func(r synthRun) measured { return r.OneFunction })
	okOne := true
	var got []string
	for _, r := range runs {
		okOne = okOne && slices.Equal(r.OneFunctionRebuilt, []string{touchedFn})
		got = append(got, fmt.Sprintf("%d [%s]", len(r.OneFunctionRebuilt), strings.Join(r.OneFunctionRebuilt, ",")))
	}
	row("Synth: after appending a comment to functions/"+touchedFn+"/handler.go"+n,
		fmt.Sprintf("%s%s; asset directories with a new or changed bootstrap, per run: %s", secs(one), notes, strings.Join(got, " ")),
		"rebuilds "+touchedFn+" only", verdict(okOne, "rebuilt "+strings.Join(got, " ")))
}

func listOr(xs []string, none string) string {
	if len(xs) == 0 {
		return none
	}
	return strings.Join(xs, ", ")
}

func renderFunctions(row func(a, b, c, d string), fns []fnResult) {
	var floor fnResult
	for _, f := range fns {
		if f.Name == helloName {
			floor = f
		}
	}
	const zipLimit = 4 << 20
	for _, f := range fns {
		isFloor := f.Name == helloName
		label := f.Name
		if isFloor {
			label = "hello-world floor (bench/hello)"
		}
		sizeTarget, sizeResult := "zip < 4 MiB", verdict(f.Zip < zipLimit, fmt.Sprintf("%s, %.0f%% over", mib2(f.Zip), 100*(float64(f.Zip)/zipLimit-1)))
		if isFloor {
			sizeTarget, sizeResult = "", ""
		}
		row(label+": binary / zipped asset (linux/arm64, from cdk.out)",
			fmt.Sprintf("%s / **%s** (linux/amd64 build for the emulator: %s)", mib2(f.Binary), mib2(f.Zip), mib2(f.HostBinary)), sizeTarget, sizeResult)
		n := fmt.Sprintf(" (%d)", len(f.Runs))
		// Medians over the sessions; a warm figure is a session's median.
		dur := func(pick func(fnRun) time.Duration) time.Duration { return medianDur(each(f, pick)) }
		ms := func(pick func(fnRun) float64) float64 { return median(each(f, pick)) }
		colds, cold := each(f, func(x fnRun) time.Duration { return x.Cold }), coldOf(f)
		coldValue := fmt.Sprintf("**%s**%s; init phase (RIE INIT REPORT) %.1f ms", millis(cold), spread(colds, millis), ms(func(x fnRun) float64 { return x.ColdInitMs }))
		coldTarget, coldResult := "", ""
		if !isFloor && floor.Name != "" {
			ratio := float64(cold) / float64(coldOf(floor))
			coldValue += fmt.Sprintf("; %.2fx the floor", ratio)
			coldTarget = "<= 3x floor"
			coldResult = verdict(ratio <= 3, over(ratio, 3, "x"))
		}
		row(label+": cold start under RIE, process start to first response"+n, coldValue, coldTarget, coldResult)
		row(label+fmt.Sprintf(": warm invoke (median of %d per session, median over sessions)", len(f.Runs[0].Warm)),
			fmt.Sprintf("**%s** client-side; RIE Duration %.2f ms; CPU %s per invocation; peak RSS %s; memory setting %d MB",
				millis(dur(func(x fnRun) time.Duration { return medianDur(x.Warm) })), ms(func(x fnRun) float64 { return median(x.WarmReportMs) }),
				millis(dur(func(x fnRun) time.Duration { return x.CPUPerInvoke })), mib(medianU(each(f, func(x fnRun) uint64 { return x.PeakRSS }))), f.MemoryMB), "", "")
	}
}

// coldOf is the median cold start of a function's sessions.
func coldOf(f fnResult) time.Duration {
	return medianDur(each(f, func(x fnRun) time.Duration { return x.Cold }))
}

func renderHandlers(row func(a, b, c, d string), hs []handlerResult) {
	for _, h := range hs {
		hn, dn := median(h.Handle.NsOp), median(h.Decode.NsOp)
		ratio := hn / dn
		value := fmt.Sprintf("Handle %s, %.0f B, %.0f allocs / DecodeOnly %s, %.0f B, %.0f allocs: **%.2fx** ns/op (%.1fx B/op, %.1fx allocs/op)",
			nanos(hn), median(h.Handle.BOp), median(h.Handle.AllocsOp), nanos(dn), median(h.Decode.BOp), median(h.Decode.AllocsOp),
			ratio, median(h.Handle.BOp)/median(h.Decode.BOp), median(h.Handle.AllocsOp)/median(h.Decode.AllocsOp))
		row(fmt.Sprintf("%s: per-event cost, BenchmarkHandle vs BenchmarkDecodeOnly (%d)", h.Function, len(h.Handle.NsOp)),
			value, "<= 3x decode (ns/op)", verdict(ratio <= 3, over(ratio, 3, "x")))
	}
}

// nanos formats ns/op: "812 ns", "12.3 µs".
func nanos(ns float64) string {
	switch {
	case math.IsNaN(ns):
		return "n/a"
	case ns < 1000:
		return fmt.Sprintf("%.0f ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.2f ms", ns/1e6)
}

// complete reports whether res holds every default section: only such a
// run replaces BENCHMARKS.md.
func complete(res results) bool {
	return len(res.Synth) > 0 && len(res.Functions) > 0 && len(res.Handlers) > 0 && len(res.Runtime) > 0
}

// page is BENCHMARKS.md: the table under a header that says what it is.
func page(table string) string {
	return "# Benchmarks\n\n" +
		"The current figures, written by `make bench` (what each figure measures, and how: [docs/bench.md](docs/bench.md)).\n" +
		"Each is the median of the runs the table names, on the machine it names; earlier figures are in this file's git history.\n\n" + table
}

// write prints the table and writes results.json, table.md and gotest.txt (when gotest is not empty) into
// o.out, and the page o.benchmarks when res holds every default section.
func write(res results, o options, gotest string) error {
	table := renderTable(res, o)
	fmt.Print(table)
	if complete(res) && o.benchmarks != "" {
		if err := os.WriteFile(o.benchmarks, []byte(page(table)), 0o644); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	files := map[string]string{"results.json": string(b) + "\n", "table.md": table}
	if gotest != "" {
		files["gotest.txt"] = gotest
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(o.out, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// rerender reads o.render (a results.json) and writes its reports again
// into o.out, with the options the run recorded.
func rerender(o options) error {
	data, err := os.ReadFile(o.render)
	if err != nil {
		return err
	}
	var res results
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("%s: %w", o.render, err)
	}
	o.recorded = res.Options
	if err := write(res, o, ""); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: rendered %s into %s/{results.json,table.md}\n", o.render, o.out)
	return nil
}
