//go:build linux

package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{name: "odd", xs: []float64{5, 1, 3}, want: 3},
		{name: "even", xs: []float64{4, 1, 3, 2}, want: 2.5},
		{name: "one", xs: []float64{7}, want: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.xs)
			if got := median(tt.xs); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if !slices.Equal(in, tt.xs) {
				t.Errorf("median reordered its input: got %v, want %v", tt.xs, in)
			}
		})
	}
	if got := median(nil); !math.IsNaN(got) {
		t.Errorf("median of nothing: got %v, want NaN", got)
	}
}

func TestParseBench(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/example/orderflow/functions/api
cpu: AMD EPYC
BenchmarkHandle-2       	    9850	    116514 ns/op	    7997 B/op	     126 allocs/op
BenchmarkHandle-2       	   10000	    110000 ns/op	    7990 B/op	     126 allocs/op
BenchmarkDecodeOnly-2   	   30075	     39822 ns/op	    2976 B/op	      60 allocs/op
PASS
ok  	github.com/example/orderflow/functions/api	3.1s
pkg: github.com/example/orderflow/functions/kitchen
BenchmarkHandle 	   28000	     42000 ns/op	    3339 B/op	      74 allocs/op
`
	got := parseBench(out)
	api := got["github.com/example/orderflow/functions/api"]
	if h := api["BenchmarkHandle"]; h == nil || !slices.Equal(h.NsOp, []float64{116514, 110000}) || !slices.Equal(h.AllocsOp, []float64{126, 126}) {
		t.Errorf("api BenchmarkHandle: got %+v, want two samples of 116514 and 110000 ns/op, 126 allocs", h)
	}
	if d := api["BenchmarkDecodeOnly"]; d == nil || !slices.Equal(d.BOp, []float64{2976}) {
		t.Errorf("api BenchmarkDecodeOnly: got %+v, want 2976 B/op", d)
	}
	if k := got["github.com/example/orderflow/functions/kitchen"]["BenchmarkHandle"]; k == nil || !slices.Equal(k.NsOp, []float64{42000}) {
		t.Errorf("kitchen BenchmarkHandle without -P suffix: got %+v, want 42000 ns/op", k)
	}
}

func TestRenderRuntime(t *testing.T) {
	out := `pkg: github.com/example/orderflow/runtime/batch
BenchmarkHandLoop-2      	  200000	      5000 ns/op	    2400 B/op	      30 allocs/op
BenchmarkProcessor-2     	  200000	      5600 ns/op	    2600 B/op	      33 allocs/op
BenchmarkPaired-2        	  100000	     11000 ns/op	         1.120 x-handloop	    5520 B/op	     103 allocs/op
BenchmarkPaired-2        	  100000	     11000 ns/op	         1.100 x-handloop	    5520 B/op	     103 allocs/op
BenchmarkPaired-2        	  100000	     11000 ns/op	         1.140 x-handloop	    5520 B/op	     103 allocs/op
BenchmarkDeaggregate-2   	   50000	     19000 ns/op	 372.00 MB/s	   5263157 records/s	   12000 B/op	     203 allocs/op
pkg: github.com/example/orderflow/runtime/idempotency
BenchmarkLocalFirstSeen-2	     500	   2400000 ns/op	         2.000 RRU/op	   2.000 calls/op	   2.000 WRU/op	   41000 B/op	     500 allocs/op
`
	rt := map[string]benchSamples{}
	for pkg, benches := range parseBench(out) {
		for name, s := range benches {
			rt[filepath.Base(pkg)+"."+name] = *s
		}
	}
	if got := rt["batch.BenchmarkDeaggregate"].Metrics["records/s"]; !slices.Equal(got, []float64{5263157}) {
		t.Errorf("records/s: got %v", got)
	}
	var sb strings.Builder
	renderRuntime(func(a, b, c, d string) { fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", a, b, c, d) }, rt)
	table := sb.String()
	for _, want := range []string{
		"**1.120x** (range 1.100-1.140); apart: Processor 5.6 µs", "**FAIL**: 1.12x against 1.1x (2% over)",
		"372 MB/s, 5.26M records/s",
		"2 RRU/op, 2 WRU/op, 2 calls/op; $1.500 per million", // 2 x 0.625 + 2 x 0.125
		"runtime/idempotency: LocalRepeat (0) | n/a (did not run; the Local ones need moto)",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestParseStat(t *testing.T) {
	// A command name with a space and a parenthesis, as /proc prints it.
	line := "4242 (go (run) x) S 4200 4242 4200 0 -1 4194560 1 0 0 0 3 4 0 0 20 0 9 0 100 5000000 2560 18446744073709551615"
	st, ok := parseStat(line)
	if !ok || st.pid != 4242 || st.ppid != 4200 || st.rss != 2560*uint64(os.Getpagesize()) || st.cpu != 70*time.Millisecond {
		t.Errorf("got %+v, %t; want pid 4242, ppid 4200, rss 2560 pages, cpu 3+4 ticks", st, ok)
	}
	if _, ok := parseStat("garbage"); ok {
		t.Error("parsed garbage")
	}
}

// TestParseReports: the emulator's INIT REPORT and each invocation's
// REPORT Duration (not its Init Duration), from the logs of an invocation.
func TestParseReports(t *testing.T) {
	cold := "30 Nov 2026 03:34:39,413 [INFO] (rapid) INIT REPORT(durationMs: 13.266000)\n" +
		"REPORT RequestId: a-1\tInit Duration: 0.13 ms\tDuration: 16.52 ms\tBilled Duration: 17 ms\tMemory Size: 256 MB\tMax Memory Used: 256 MB\t\n"
	warm := "REPORT RequestId: a-2\tDuration: 1.47 ms\tBilled Duration: 2 ms\tMemory Size: 256 MB\tMax Memory Used: 256 MB\t\n"
	if initMs, coldMs, warmMs := reported(initRe, cold), reported(reportRe, cold), reported(reportRe, warm); initMs != 13.266 || coldMs != 16.52 || warmMs != 1.47 {
		t.Errorf("got init %v, a-1 %v, a-2 %v; want init 13.266, a-1 16.52 (not Init Duration), a-2 1.47", initMs, coldMs, warmMs)
	}
	if got := reported(reportRe, "no report"); got != 0 {
		t.Errorf("no REPORT line: got %v, want 0", got)
	}
}

func TestRebuiltNamesNewAndChangedAssets(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	before := assetSnap{
		byFn:  map[string]string{"api": "asset.a", "kitchen": "asset.k"},
		mtime: map[string]time.Time{"asset.a": t0, "asset.k": t0},
	}
	tests := []struct {
		name  string
		after assetSnap
		want  []string
	}{
		{name: "nothing changed", after: before, want: nil},
		{name: "new asset for kitchen", after: assetSnap{
			byFn:  map[string]string{"api": "asset.a", "kitchen": "asset.k2"},
			mtime: map[string]time.Time{"asset.a": t0, "asset.k": t0, "asset.k2": t0.Add(time.Hour)},
		}, want: []string{"kitchen"}},
		{name: "api rewritten in place", after: assetSnap{
			byFn:  before.byFn,
			mtime: map[string]time.Time{"asset.a": t0.Add(time.Second), "asset.k": t0},
		}, want: []string{"api"}},
		{name: "unreferenced new asset", after: assetSnap{
			byFn:  before.byFn,
			mtime: map[string]time.Time{"asset.a": t0, "asset.k": t0, "asset.x": t0},
		}, want: []string{"asset.x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rebuilt(before, tt.after); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestZipSizeIsAValidDeflatedZip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bootstrap")
	content := bytes.Repeat([]byte("lambda bootstrap "), 10000)
	if err := os.WriteFile(p, content, 0o755); err != nil {
		t.Fatal(err)
	}
	n, err := zipSize(p)
	if err != nil {
		t.Fatal(err)
	}
	if n <= 0 || n >= int64(len(content))/10 {
		t.Errorf("got %d bytes, want a deflated zip far smaller than %d", n, len(content))
	}
	// The same writer into a buffer reads back as one executable bootstrap.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, _ := zw.CreateHeader(h)
	w.Write(content)
	zw.Close()
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || len(zr.File) != 1 || zr.File[0].Mode().Perm() != 0o755 {
		t.Fatalf("zip: got %v, %v; want one 0755 file", zr, err)
	}
}

func TestCleanEnvDropsTheCallersMakeState(t *testing.T) {
	t.Setenv("MAKEFLAGS", "-j2")
	t.Setenv("JSII_NODE", "/x/node_modules/.bin/node")
	t.Setenv("PATH", "/x/node_modules/.bin"+string(filepath.ListSeparator)+"/usr/bin")
	env := strings.Join(cleanEnv("EXTRA=1"), "\n")
	for _, bad := range []string{"MAKEFLAGS=", "JSII_NODE=", "node_modules"} {
		if strings.Contains(env, bad) {
			t.Errorf("environment still holds %q", bad)
		}
	}
	if !strings.Contains(env, "PATH=/usr/bin") || !strings.HasSuffix(env, "EXTRA=1") {
		t.Errorf("got %s, want PATH=/usr/bin and EXTRA=1 last", env)
	}
}

func TestRenderTableIsOneTableWithVerdicts(t *testing.T) {
	s := func(sec float64) measured {
		return measured{Wall: time.Duration(sec * float64(time.Second)), CPU: time.Duration(sec * 1.5 * float64(time.Second)), TreePeak: 1 << 30, MaxSingle: 1 << 29}
	}
	run := synthRun{
		FreshNpm: s(20), FreshSynth: s(80), FreshWarmNpm: s(20), FreshWarmSynth: s(20),
		Unchanged: s(10), OneFunction: s(12), OneFunctionRebuilt: []string{"kitchen"},
	}
	fn := func(name string, cold time.Duration, zip int64) fnResult {
		return fnResult{Name: name, MemoryMB: 256, Binary: 10 << 20, Zip: zip, Runs: []fnRun{{Cold: cold, Warm: []time.Duration{time.Millisecond}, WarmReportMs: []float64{1}}}}
	}
	res := results{
		Machine:   machine{CPU: "cpu", Cores: 2, Start: time.Now(), End: time.Now()},
		Synth:     []synthRun{run, run, run},
		Functions: []fnResult{fn(helloName, 10*time.Millisecond, 2<<20), fn("api", 40*time.Millisecond, 3<<20)},
		Handlers:  []handlerResult{{Function: "api", Handle: benchSamples{NsOp: []float64{300}, BOp: []float64{1}, AllocsOp: []float64{1}}, Decode: benchSamples{NsOp: []float64{100}, BOp: []float64{1}, AllocsOp: []float64{1}}}},
	}
	table := renderTable(res, options{recorded: recorded{Sessions: 1, Invokes: 1, Count: 1, Benchtime: "1s", ColdCache: true}})
	lines := strings.Split(strings.TrimSpace(table), "\n")
	for _, l := range lines[2:] {
		if !strings.HasPrefix(l, "| ") || strings.Count(l, " | ") != 3 {
			t.Errorf("not a 4-column table row: %q", l)
		}
	}
	for _, want := range []string{
		"**FAIL**: 100.00 s against 90 s (11% over)", // fresh clone 20 + 80 s
		"1 [kitchen] 1 [kitchen] 1 [kitchen]",
		"**FAIL**: 4.00x against 3x (33% over)", // api cold 40 ms, floor 10 ms
		"**3.00x** ns/op",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

// TestWriteReplacesBenchmarksOnlyWhenComplete: BENCHMARKS.md is one table
// under its header, written by a run of every default section and by no
// other.
func TestWriteReplacesBenchmarksOnlyWhenComplete(t *testing.T) {
	dir := t.TempDir()
	o := options{out: filepath.Join(dir, "out"), benchmarks: filepath.Join(dir, "BENCHMARKS.md"), recorded: recorded{Sessions: 1, Invokes: 1, Count: 1}}
	fn := fnResult{Name: "api", MemoryMB: 256, Runs: []fnRun{{Cold: time.Millisecond, Warm: []time.Duration{time.Millisecond}, WarmReportMs: []float64{1}}}}
	partial := results{Machine: machine{Cores: 2}, Functions: []fnResult{fn}}
	if err := write(partial, o, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(o.benchmarks); err == nil {
		t.Fatal("a run of some sections wrote BENCHMARKS.md")
	}
	all := partial
	all.Synth = []synthRun{{}}
	all.Handlers = []handlerResult{{Function: "api"}}
	all.Runtime = map[string]benchSamples{"batch.BenchmarkProcessor": {NsOp: []float64{1}}}
	if err := write(all, o, ""); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(o.benchmarks)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if !strings.HasPrefix(got, "# Benchmarks\n") || !strings.Contains(got, "[docs/bench.md](docs/bench.md)") || strings.Count(got, "| Figure | Median (runs) | Target | Result |") != 1 ||
		!strings.Contains(got, "api: warm invoke") {
		t.Errorf("BENCHMARKS.md: want one table with the header and the function rows, got:\n%s", got)
	}
}
