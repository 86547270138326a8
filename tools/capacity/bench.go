package capacity

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// measured is one function's warm invocation as make bench measured it.
type measured struct {
	name       string
	durationMs float64 // the emulator's REPORT Duration, median
	cpuMs      float64
	memoryMB   int
	row        string // the BENCHMARKS.md row, for the source column
}

// benchFigures are the inputs read from BENCHMARKS.md.
type benchFigures struct {
	date  string // the table's Date row
	floor measured
	fns   map[string]measured
}

var (
	warmRow = regexp.MustCompile(`(?m)^\| (\S+?)(?: floor \(bench/hello\))?: warm invoke [^|]*\| \*\*[0-9.]+ ms\*\* client-side; RIE Duration ([0-9.]+) ms; CPU ([0-9.]+) ms per invocation; peak RSS ([0-9.]+) MiB; memory setting (\d+) MB`)
	dateRow = regexp.MustCompile(`(?m)^\| Date \| ([^|]+?) \|`)
)

// readBench reads the warm-invocation rows of BENCHMARKS.md's table.
func readBench(path string) (benchFigures, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return benchFigures{}, err
	}
	f := benchFigures{fns: map[string]measured{}}
	// The date of the run the warm rows come from: the last Date row
	// before the first of them (BENCHMARKS.md may hold several runs).
	first := len(b)
	if loc := warmRow.FindIndex(b); loc != nil {
		first = loc[0]
	}
	if ms := dateRow.FindAllStringSubmatch(string(b[:first]), -1); len(ms) > 0 {
		f.date = strings.TrimSpace(ms[len(ms)-1][1])
	}
	for _, m := range warmRow.FindAllStringSubmatch(string(b), -1) {
		x := measured{name: m[1], row: strings.TrimSpace(m[0])}
		x.durationMs, _ = strconv.ParseFloat(m[2], 64)
		x.cpuMs, _ = strconv.ParseFloat(m[3], 64)
		x.memoryMB, _ = strconv.Atoi(m[5])
		if x.name == "hello-world" {
			f.floor = x
		} else {
			f.fns[x.name] = x
		}
	}
	for _, n := range []string{"api", "publisher", "kitchen", "importer", "sweeper"} {
		if _, ok := f.fns[n]; !ok {
			return f, fmt.Errorf("%s: no warm invoke row for %s", path, n)
		}
	}
	if f.floor.durationMs == 0 {
		return f, fmt.Errorf("%s: no warm invoke row for the hello-world floor", path)
	}
	return f, nil
}
