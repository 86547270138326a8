// Command allconstructs is an example CDK app in its own Go module that uses
// every construct of github.com/example/orderflow/constructs next to
// resources that already exist: a bucket (Bucket_FromBucketName), a table
// with a stream (Table_FromTableAttributes), a queue and its dead-letter
// queue (Queue_FromQueueArn), a function (Function_FromFunctionArn), an HTTP
// API (HttpApi_FromHttpApiAttributes), a topic, a load balancer's listener
// and a role. See stack.go and README.md.
//
//	go test ./...       # synthesizes the stack (building its three functions) with zero cdk-nag findings
//	npx cdk synth       # from this directory, with the CDK CLI of the root project
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

// Env is where the existing resources are (see stack.go): the stack must be
// deployed to the same account and region, which also lets it add
// permissions to the imported function. Replace it with yours.
var Env = &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")}

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	err := cdkapp.Catch(func() {
		NewStack(app, "AllConstructsExample", &awscdk.StackProps{Env: Env})
		addChecks(app)
	})
	if err == nil {
		_, err = cdkapp.Synth(app)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		jsii.Close() // os.Exit skips deferred calls
		os.Exit(1)
	}
}

// addChecks runs the cdk-nag AwsSolutions and Serverless packs on every
// stack under scope: findings become error annotations, which fail synth.
func addChecks(scope constructs.IConstruct) {
	props := &cdknag.NagPackProps{Verbose: jsii.Bool(true)}
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(props), nil)
	awscdk.Aspects_Of(scope).Add(cdknag.NewServerlessChecks(props), nil)
}
