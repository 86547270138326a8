//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/example/orderflow/tools/capacity"
)

// benchSamples are the results of one benchmark over -count runs.
type benchSamples struct {
	NsOp     []float64 `json:"nsPerOp"`
	BOp      []float64 `json:"bytesPerOp"`
	AllocsOp []float64 `json:"allocsPerOp"`
	// Metrics are the benchmark's own (b.ReportMetric), by unit:
	// "records/s", "calls/op", "WRU/op".
	Metrics map[string][]float64 `json:"metrics,omitempty"`
}

// handlerResult is one handler's BenchmarkHandle beside its floor.
type handlerResult struct {
	Function string       `json:"function"`
	Handle   benchSamples `json:"handle"`
	Decode   benchSamples `json:"decodeOnly"`
}

var benchLine = regexp.MustCompile(`^(Benchmark[^\s-]+)(?:-\d+)?\s+\d+\s+(.*)$`)

// parseBench reads `go test -bench -benchmem` output: the samples of every
// benchmark by package import path and benchmark name.
func parseBench(out string) map[string]map[string]*benchSamples {
	res := map[string]map[string]*benchSamples{}
	pkg := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if res[pkg] == nil {
			res[pkg] = map[string]*benchSamples{}
		}
		s := res[pkg][m[1]]
		if s == nil {
			s = &benchSamples{}
			res[pkg][m[1]] = s
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				s.NsOp = append(s.NsOp, v)
			case "B/op":
				s.BOp = append(s.BOp, v)
			case "allocs/op":
				s.AllocsOp = append(s.AllocsOp, v)
			default:
				if s.Metrics == nil {
					s.Metrics = map[string][]float64{}
				}
				s.Metrics[f[i+1]] = append(s.Metrics[f[i+1]], v)
			}
		}
	}
	return res
}

// measureHandlers runs BenchmarkHandle and BenchmarkDecodeOnly of every
// function package in the clone, count times each, and returns them with
// the raw output.
func measureHandlers(ctx context.Context, clone, module string, count int, benchtime string) ([]handlerResult, string, error) {
	out, err := output(ctx, clone, cleanEnv(), "go", "test", "-run", "^$", "-bench", "^Benchmark(Handle|DecodeOnly)$",
		"-benchmem", "-count", strconv.Itoa(count), "-benchtime", benchtime, "./functions/...")
	if err != nil {
		return nil, out, err
	}
	parsed := parseBench(out)
	var res []handlerResult
	for pkg, benches := range parsed {
		fn, ok := strings.CutPrefix(pkg, module+"/functions/")
		if !ok {
			continue
		}
		h, d := benches["BenchmarkHandle"], benches["BenchmarkDecodeOnly"]
		if h == nil || d == nil {
			return nil, out, fmt.Errorf("package %s: want BenchmarkHandle and BenchmarkDecodeOnly, got %d benchmarks", pkg, len(benches))
		}
		res = append(res, handlerResult{Function: fn, Handle: *h, Decode: *d})
	}
	slices.SortFunc(res, func(a, b handlerResult) int { return strings.Compare(a.Function, b.Function) })
	return res, out, nil
}

// runtimeBenchmarks are the handler runtime's benchmarks the table shows,
// by package (under runtime/) and name.
var runtimeBenchmarks = map[string][]string{
	"batch":       {"BenchmarkPaired", "BenchmarkHandLoop", "BenchmarkProcessor", "BenchmarkOverheadEmpty", "BenchmarkDeaggregate"},
	"idempotency": {"BenchmarkLocalFirstSeen", "BenchmarkLocalRepeat"},
	"metrics":     {"BenchmarkEmit"},
}

// measureRuntime runs the runtime module's benchmarks (runtime/ of the
// clone, its own module), count times each, and returns them by
// "package.Benchmark" with the raw output. The idempotency ones need the
// local DynamoDB (moto); without it they skip and their rows say so.
func measureRuntime(ctx context.Context, clone string, count int, benchtime string) (map[string]benchSamples, string, error) {
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-count", strconv.Itoa(count), "-benchtime", benchtime}
	for _, pkg := range slices.Sorted(maps.Keys(runtimeBenchmarks)) {
		args = append(args, "./"+pkg)
	}
	out, err := output(ctx, filepath.Join(clone, "runtime"), cleanEnv(), "go", args...)
	if err != nil {
		return nil, out, err
	}
	res := map[string]benchSamples{}
	for pkg, benches := range parseBench(out) {
		for name, s := range benches {
			res[path.Base(pkg)+"."+name] = *s
		}
	}
	return res, out, nil
}

// renderRuntime writes the runtime's rows: the batch Processor against the
// hand-written loop (target <= 1.10x), then each benchmark's figures.
func renderRuntime(row func(a, b, c, d string), rt map[string]benchSamples) {
	per := func(name string) string {
		s, ok := rt[name]
		if !ok {
			return "n/a (did not run; the Local ones need moto)"
		}
		v := fmt.Sprintf("%s, %.0f B, %.0f allocs", nanos(median(s.NsOp)), median(s.BOp), median(s.AllocsOp))
		for _, unit := range slices.Sorted(maps.Keys(s.Metrics)) {
			if m := median(s.Metrics[unit]); m >= 1e6 {
				v += fmt.Sprintf(", %.2fM %s", m/1e6, unit)
			} else {
				v += fmt.Sprintf(", %.3g %s", m, unit)
			}
		}
		return v
	}
	// The ratio is BenchmarkPaired's: both loops in turn in one benchmark,
	// so that the machine's drift between two separate benchmarks cancels.
	paired := rt["batch.BenchmarkPaired"].Metrics["x-handloop"]
	ratio := median(paired)
	row(fmt.Sprintf("runtime/batch: Processor vs the hand-written loop, a batch of 10 SQS messages, run in turn (%d)", len(paired)),
		fmt.Sprintf("**%.3fx**%s; apart: Processor %s / HandLoop %s", ratio, spreadOf(paired), per("batch.BenchmarkProcessor"), per("batch.BenchmarkHandLoop")),
		"<= 1.10x", verdict(ratio <= 1.10, over(ratio, 1.10, "x")))
	for _, pkg := range slices.Sorted(maps.Keys(runtimeBenchmarks)) {
		for _, name := range runtimeBenchmarks[pkg] {
			if name == "BenchmarkPaired" || name == "BenchmarkHandLoop" || name == "BenchmarkProcessor" {
				continue
			}
			value := per(pkg + "." + name)
			if s, ok := rt[pkg+"."+name]; ok && pkg == "idempotency" {
				value += fmt.Sprintf("; $%.3f per million at on-demand prices", capacity.DynamoDBCost(median(s.Metrics["WRU/op"]), median(s.Metrics["RRU/op"]))*1e6)
			}
			row(fmt.Sprintf("runtime/%s: %s (%d)", pkg, strings.TrimPrefix(name, "Benchmark"), len(rt[pkg+"."+name].NsOp)), value, "", "")
		}
	}
}

// spreadOf formats the range of xs: " (range 1.087-1.107)"; "" for fewer
// than two.
func spreadOf(xs []float64) string {
	if len(xs) < 2 {
		return ""
	}
	return fmt.Sprintf(" (range %.3f-%.3f)", slices.Min(xs), slices.Max(xs))
}
