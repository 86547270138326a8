// Command synthcache runs the order flow's CDK app for the CDK CLI: cdk.json's
// "app" is `go run ./tools/cmd/synthcache`, so `make synth`, `npx cdk synth` and
// `npx cdk deploy` all go through it.
//
//	go run ./tools/cmd/synthcache [-pkg .] [-- app arguments]
//
// tools/synthcache says what it does (reuse the cloud assembly of a run
// with the same inputs, else build and run the app); SYNTHCACHE_CACHE=off
// always runs the app.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/example/orderflow/tools/synthcache"
)

func main() {
	pkg := flag.String("pkg", ".", "the app's main package, relative to the module root")
	flag.Parse()
	r, err := synthcache.NewRunner(".", *pkg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "synthcache:", err)
		os.Exit(1)
	}
	r.Args = flag.Args()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, _, err := r.Run(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "synthcache:", err)
		code = cmp.Or(code, 1)
	}
	os.Exit(code)
}
