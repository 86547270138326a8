// Command events handles the asynchronous sources of the example with one
// handler: EventBridge events (S3 "Object Created" through the bucket
// trigger, the hourly schedule, the custom bus's events) and SNS messages.
// See Handler. It calls no AWS service.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	h := &Handler{Log: slog.New(slog.NewJSONHandler(os.Stdout, nil))}
	lambda.Start(h.Handle)
}
