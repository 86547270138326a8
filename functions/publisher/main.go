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
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/batchsend"
	"github.com/example/orderflow/runtime/startup"
)

func main() {
	rt := startup.Start(startup.Config{Service: "publisher", Required: []string{orders.EnvKitchenQueueURL}})
	queue := &orders.KitchenQueue{Sender: &batchsend.SQS{Client: sqs.NewFromConfig(rt.AWS), QueueURL: rt.Env(orders.EnvKitchenQueueURL)}}
	h := &Handler{Queue: queue, Log: rt.Log}
	lambda.Start(h.Handle)
}
