// Command app synthesizes the order flow: `cdk synth` runs it (see cdk.json).
//
// Context: -c stage=dev|prod|<throwaway name> (default dev) and, for
// throwaway stages only, -c destroyData=true (the table and bucket go with
// their stack instead of being retained). The stage's account and region come
// from context only: stages.<stage>.account and stages.<stage>.region in
// cdk.json, or -c flags (stacks.EnvironmentFor). Without them the stacks are
// environment-agnostic. The machine's AWS configuration (CDK_DEFAULT_ACCOUNT,
// CDK_DEFAULT_REGION, which the CLI fills with us-east-1 when there is none)
// is never read, so the same commit synthesizes the same assembly everywhere
// and synth needs no credentials.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

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
	allContext, _ := app.Node().GetAllContext(nil).(map[string]any)
	env, err := stacks.EnvironmentFor(stage, allContext)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	stacks.NewApp(app, cfg, env)
	stacks.AddChecks(app)
	app.Synth(nil)
}
