// Command publisher is the Orders table's DynamoDB stream consumer: it sends
// each newly inserted order to the kitchen SQS queue as {"orderId":"..."},
// reporting per-record failures by sequence number. See Handler.
//
// Environment: KITCHEN_QUEUE_URL (orders.EnvKitchenQueueURL), required.
// SQS operations: SendMessageBatch on that queue. The stream itself is read
// by the Lambda event source mapping (the function's role needs the stream
// read actions, not this code).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/orderflow/internal/kitchenqueue"
	"github.com/example/orderflow/internal/logging"
	"github.com/example/orderflow/internal/orders"
)

func main() {
	log := logging.New(os.Stdout)
	queueURL := os.Getenv(orders.EnvKitchenQueueURL)
	if queueURL == "" {
		log.Error("missing environment variable", "name", orders.EnvKitchenQueueURL)
		os.Exit(1)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", "error", err.Error())
		os.Exit(1)
	}
	h := &Handler{Queue: kitchenqueue.New(sqs.NewFromConfig(cfg), queueURL), Log: log}
	lambda.Start(h.Handle)
}
