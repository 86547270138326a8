// Command queueconsumer is an example CDK app in its own Go module that
// reuses the orderflow constructs the way another project would: it imports
// github.com/example/orderflow/constructs/... and builds its own Go Lambda
// functions (functions/) with gofunction.
//
// An image uploaded under uploads/ of the Images bucket triggers the enqueue
// function (buckettrigger), which queues a job on the Jobs queue; the
// thumbnail function consumes the queue (queueworker) and writes a PNG
// thumbnail under thumbnails/. See stack.go.
//
//	go test ./...       # the stack test synthesizes the app, building both functions
//	npx cdk synth       # from this directory, with the CDK CLI of the root project
//
// cdk.json carries the library's feature flags (the root project's
// "context"), and the app runs the cdk-nag AwsSolutions and Serverless packs,
// as the root app does: a finding fails `cdk synth`. Bad construct props fail
// synth with one line per problem and exit status 1 (cdkapp.Synth).
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/example/orderflow/constructs/cdkapp"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	NewThumbnailsStack(app, "QueueConsumerExample", nil)
	addChecks(app)
	if _, err := cdkapp.Synth(app); err != nil {
		fmt.Fprintln(os.Stderr, err)
		jsii.Close() // os.Exit skips deferred calls
		os.Exit(1)
	}
}

// addChecks runs the cdk-nag AwsSolutions and Serverless packs on every
// stack under scope: findings become error annotations, which fail `cdk
// synth`.
func addChecks(scope constructs.IConstruct) {
	props := &cdknag.NagPackProps{Verbose: jsii.Bool(true)}
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(props), nil)
	awscdk.Aspects_Of(scope).Add(cdknag.NewServerlessChecks(props), nil)
}
