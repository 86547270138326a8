// Command events handles the asynchronous sources of the example with one
// handler: EventBridge events (S3 "Object Created" through the bucket
// trigger, the hourly schedule, the custom bus's events) and SNS messages.
// See Handler. It calls no AWS service.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/orderflow/runtime/startup"
)

func main() {
	rt := startup.Start(startup.Config{Service: "events", NoAWS: true})
	h := &Handler{Log: rt.Log}
	lambda.Start(h.Handle)
}
