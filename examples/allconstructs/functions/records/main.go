// Command records reads batches from an SQS queue, a Kinesis data stream and
// a DynamoDB stream with one handler, and reports the records it cannot use
// as batch item failures. See Handler. It calls no AWS service.
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
