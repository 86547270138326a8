package cdkapp

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Main is the whole main function of a CDK app that uses this library:
//
//	func main() {
//		cdkapp.Main(func(app awscdk.App) {
//			NewOrdersStack(app, "Orders", nil)
//		})
//	}
//
// It creates the app (the CLI passes context, cdk.json's feature flags
// included, and the output folder), calls build to define the stacks, runs
// the cdk-nag AwsSolutions and Serverless packs over all of them (a finding
// is an error annotation and fails synth; suppress one with
// cdknag.NagSuppressions and a reason), and synthesizes. Bad props, an error
// CDK raises while build runs and every finding are printed to standard error,
// "synth failed, N problems:" and one "[construct path] message" line each,
// and the process exits 1: `cdk synth` shows them without a goroutine trace.
// Main returns when synth succeeded.
func Main(build func(app awscdk.App)) {
	app := awscdk.NewApp(nil)
	err := Catch(func() {
		build(app)
		AddNagChecks(app)
	})
	if err == nil {
		_, err = Synth(app)
	}
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// AddNagChecks runs the cdk-nag AwsSolutions and Serverless packs (verbose:
// each finding explains itself) over every stack in scope, as Main does and
// as this library's constructs are tested: findings become error
// annotations, which fail synth.
func AddNagChecks(scope constructs.IConstruct) {
	props := &cdknag.NagPackProps{Verbose: jsii.Bool(true)}
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(props), nil)
	awscdk.Aspects_Of(scope).Add(cdknag.NewServerlessChecks(props), nil)
}
