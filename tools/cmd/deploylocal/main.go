// Command deploylocal rehearses `cdk deploy` of the order flow against moto,
// a local AWS emulator: no Docker, no AWS account, nothing reaches AWS.
// `make deploy-local` runs it from the project root:
//
//	deploylocal [-stage dev] [-region eu-west-3] [-throwaway rehearsal] [-change api] [-work DIR] [-v]
//
// The steps are tools/deploylocal's (its package doc and docs/operations.md,
// "Rehearse it"). It prints each step, a table of what was checked and the
// resource types the emulator only stood in for, and exits 1 when anything
// differs; moto stops when it ends, also on failure and Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/example/orderflow/tools/deploylocal"
	"github.com/example/orderflow/tools/moto"
)

func main() {
	var o deploylocal.Options
	flag.StringVar(&o.Root, "root", ".", "project root (go.mod, cdk.json, node_modules)")
	flag.StringVar(&o.Stage, "stage", "dev", "stage to deploy, verify, redeploy and destroy")
	flag.StringVar(&o.Region, "region", "eu-west-3", "region for a stage that pins none (cdk.json stages.<stage>.region)")
	flag.StringVar(&o.Throwaway, "throwaway", "rehearsal", "throwaway stage deployed with -c destroyData=true and destroyed")
	flag.StringVar(&o.ChangeFunction, "change", "", "function (directory under functions/) whose code is changed for the update (default: the first)")
	flag.StringVar(&o.WorkDir, "work", "", "directory for assemblies and logs (default: a temporary one, removed on success)")
	flag.BoolVar(&o.Verbose, "v", false, "print the CDK CLI's output too")
	flag.Parse()
	o.Out = os.Stdout

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := deploylocal.Run(ctx, o)
	if res != nil {
		deploylocal.PrintSteps(os.Stdout, res.Steps, res.Total)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "deploy-local: interrupted; the emulator and the CLI were stopped")
			os.Exit(130)
		}
		if errors.Is(err, moto.ErrNotInstalled) {
			fmt.Fprintln(os.Stderr, "deploy-local:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "deploy-local: FAILED: %v\n", err)
		if res != nil {
			fmt.Fprintf(os.Stderr, "deploy-local: logs kept in %s (cdk.log: every CLI command and its output; moto.log)\n", res.WorkDir)
		}
		os.Exit(1)
	}
}
