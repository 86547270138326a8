// Command records reads batches from an SQS queue, a Kinesis data stream and
// a DynamoDB stream with one handler, and reports the records it cannot use
// as batch item failures. See Handler. It calls no AWS service.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/orderflow/runtime/startup"
)

func main() {
	rt := startup.Start(startup.Config{Service: "records", Namespace: "AllConstructsExample", NoAWS: true})
	h := &Handler{Log: rt.Log, Metrics: rt.Metrics}
	lambda.Start(h.Handle)
}
