// Command capacity writes docs/capacity.md: the order flow's capacity and
// cost at 10, 100, 1,000 and 10,000 orders per second, from the measured
// durations in BENCHMARKS.md, item sizes computed from the code, the
// write-pattern simulation (tools/flowsim) and the prod stage's
// configuration (the model is tools/capacity). Run it from the module root:
// make capacity.
//
//	go run ./tools/cmd/capacity [-bench BENCHMARKS.md] [-out docs/capacity.md]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/example/orderflow/tools/capacity"
)

func main() {
	benchPath := flag.String("bench", "BENCHMARKS.md", "benchmark results to read the measured durations from")
	out := flag.String("out", "docs/capacity.md", "file to write")
	flag.Parse()
	debug.SetGCPercent(300) // the simulations allocate many short-lived maps
	in, err := capacity.Gather(context.Background(), *benchPath)
	if err == nil {
		err = os.WriteFile(*out, []byte(capacity.Render(in)), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "capacity:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "capacity: wrote", *out)
}
