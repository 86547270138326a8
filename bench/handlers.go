//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// benchSamples are the results of one benchmark over -count runs.
type benchSamples struct {
	NsOp     []float64 `json:"nsPerOp"`
	BOp      []float64 `json:"bytesPerOp"`
	AllocsOp []float64 `json:"allocsPerOp"`
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
