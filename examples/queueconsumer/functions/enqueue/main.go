// Command enqueue turns each image uploaded under uploads/ of the Images
// bucket (an EventBridge "Object Created" event) into a thumbnail job on the
// Jobs queue. See Handler.
//
// Environment: JOBS_QUEUE_URL, required.
// SQS operations: SendMessage on the Jobs queue.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/orderflow/runtime/startup"
)

// EnvQueueURL names the environment variable holding the Jobs queue's URL.
const EnvQueueURL = "JOBS_QUEUE_URL"

func main() {
	rt := startup.Start(startup.Config{Service: "enqueue", Required: []string{EnvQueueURL}})
	h := &Handler{Queue: sqs.NewFromConfig(rt.AWS), QueueURL: rt.Env(EnvQueueURL), Log: rt.Log}
	lambda.Start(h.Handle)
}
