// Command sweeper runs on an EventBridge schedule (every 5 minutes) and
// resends to the kitchen queue the orders that have stayed PENDING longer
// than STALE_AFTER, claiming each first so no order is resent twice within
// STALE_AFTER. See Handler.
//
// Environment (all read at cold start; a missing or bad value exits 1):
// ORDERS_TABLE_NAME, ORDERS_PENDING_INDEX_NAME, KITCHEN_QUEUE_URL (required),
// STALE_AFTER (Go duration in 1m..24h, default 15m); ORDERFLOW_STAGE
// (ordermetrics.EnvStage), the Stage dimension of its metrics.
// DynamoDB operations: Query on the pending index (every shard), UpdateItem on the table
// (conditional: set or remove resentAt). SQS operations: SendMessageBatch on
// the kitchen queue.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/batchsend"
	"github.com/example/orderflow/runtime/startup"
)

func main() {
	rt := startup.Start(ordermetrics.Startup("sweeper", orders.EnvTableName, orders.EnvPendingIndexName, orders.EnvKitchenQueueURL))
	c, err := LoadConfig(os.Getenv)
	if err != nil {
		rt.Fatal("bad configuration", err)
	}
	db := dynamodb.NewFromConfig(rt.AWS)
	h := &Handler{
		Stale: &orders.StaleOrders{
			Query:  db,
			Update: db,
			Table:  c.Table,
			Index:  c.PendingIndex,
			After:  c.StaleAfter,
		},
		Queue:   &orders.KitchenQueue{Sender: &batchsend.SQS{Client: sqs.NewFromConfig(rt.AWS), QueueURL: c.QueueURL}},
		Log:     rt.Log,
		Metrics: rt.Metrics,
	}
	lambda.Start(h.Handle)
}
