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
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	NewThumbnailsStack(app, "QueueConsumerExample", nil)
	app.Synth(nil)
}
