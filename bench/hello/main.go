// Command hello is the floor for the function benchmarks (make bench): a
// Lambda function that does nothing, built with the flags of the real ones.
// Its binary size, cold start and warm invoke latency are what any Go
// function on provided.al2023 costs before it does any work.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (string, error) { return "hello", nil })
}
