// Command synthcache runs the order flow's CDK app for the CDK CLI: cdk.json's
// "app" is `go run ./tools/cmd/synthcache`, so `make synth`, `npx cdk synth` and
// `npx cdk deploy` all go through it.
//
//	go run ./tools/cmd/synthcache [-pkg .] [-- app arguments]
//
// When no input of the app (package -pkg of the module that holds the
// working directory) changed since a run whose cloud assembly is cached, it
// puts that assembly back without running the app; otherwise it runs the
// app with `go run` (the first time on a machine that compiles aws-cdk-go
// for minutes, and it says so). SYNTHCACHE_CACHE=off always runs it. See
// tools/synthcache for what the key covers.
package main

import (
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
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
