// Command synthcache runs the order flow's CDK app for the CDK CLI: cdk.json's
// "app" is `go run ./tools/cmd/synthcache`, so `make synth`, `npx cdk synth` and
// `npx cdk deploy` all go through it.
//
//	go run ./tools/cmd/synthcache [-pkg .] [-build] [-- app arguments]
//
// It builds the app (package -pkg of the module that holds the working
// directory) into .build/synthcache/ when its code or build settings changed,
// saying so when that takes long (the first build compiles aws-cdk-go for
// minutes), and runs it; or, when no input of the app changed since a run
// whose cloud assembly is cached, puts that assembly back without running
// the app. SYNTHCACHE_CACHE=off always runs it. See tools/synthcache for what
// the key covers. -build only brings the binary up to date.
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
	buildOnly := flag.Bool("build", false, "only bring the app binary up to date")
	flag.Parse()
	r, err := synthcache.NewRunner(".", *pkg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "synthcache:", err)
		os.Exit(1)
	}
	r.Args = flag.Args()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *buildOnly {
		if _, _, _, err := r.Binary(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "synthcache:", err)
			os.Exit(1)
		}
		return
	}
	code, _, err := r.Run(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "synthcache:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
