// Command app synthesizes the order flow: `cdk synth` runs it (see cdk.json).
//
// Context: -c stage=dev|prod|<throwaway name> (default dev) and, for
// throwaway stages only, -c destroyData=true (the table and bucket go with
// their stack instead of being retained); -c legacyStatusIndex=true keeps
// the old status index for the move to the pending index (docs/design.md);
// -c canary=api,kitchen (or none) chooses the functions deployed by canary
// in place of the stage's (stacks.Config.Canary). The
// stage's account and region come from context only: stages.<stage>.account
// and stages.<stage>.region in cdk.json, or -c flags (stacks.EnvironmentFor).
// Without them the stacks are environment-agnostic. The machine's AWS
// configuration (CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION, which the CLI fills
// with us-east-1 when there is none) is never read, so the same commit
// synthesizes the same assembly everywhere and synth needs no credentials.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/cdkapp"
	"github.com/example/orderflow/stacks"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stage := stacks.StageDev
	if v, ok := app.Node().TryGetContext(jsii.String("stage")).(string); ok && v != "" {
		stage = v
	}
	destroyData := ""
	if v := app.Node().TryGetContext(jsii.String("destroyData")); v != nil {
		destroyData = fmt.Sprint(v)
	}
	cfg, err := stacks.ConfigForContext(stage, destroyData)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// -c legacyStatusIndex=true: the release that moves a deployment to the
	// pending index (README, "Moving to the pending index").
	if v := app.Node().TryGetContext(jsii.String("legacyStatusIndex")); v != nil {
		if cfg.LegacyStatusIndex, err = stacks.ParseLegacyStatusIndex(fmt.Sprint(v)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	// -c canary=api,kitchen or -c canary=none: which functions a deploy
	// shifts by canary, in place of the stage's (stacks.Config.Canary).
	if v := app.Node().TryGetContext(jsii.String("canary")); v != nil {
		if cfg.Canary, err = stacks.ParseCanary(fmt.Sprint(v)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	allContext, _ := app.Node().GetAllContext(nil).(map[string]any)
	env, err := stacks.EnvironmentFor(stage, allContext)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// A construct's bad props, or any other error CDK raises, fail synth
	// with one line per problem on stderr and exit status 1, not a panic.
	err = cdkapp.Catch(func() {
		stacks.NewApp(app, cfg, env)
		stacks.AddChecks(app)
	})
	if err == nil {
		_, err = cdkapp.Synth(app)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		jsii.Close() // os.Exit skips the deferred Close
		os.Exit(1)
	}
}
