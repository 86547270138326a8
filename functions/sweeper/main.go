// Command sweeper runs on an EventBridge schedule (every 5 minutes) and
// resends to the kitchen queue the orders that have stayed PENDING longer
// than STALE_AFTER, claiming each first so no order is resent twice within
// STALE_AFTER. See Handler.
//
// Environment (all read at cold start; a missing or bad value exits 1):
// ORDERS_TABLE_NAME, ORDERS_PENDING_INDEX_NAME, KITCHEN_QUEUE_URL (required),
// STALE_AFTER (Go duration in 1m..24h, default 15m); ORDERFLOW_STAGE
// (metrics.EnvStage), the Stage dimension of its metrics.
// DynamoDB operations: Query on the pending index (every shard), UpdateItem on the table
// (conditional: set or remove resentAt). SQS operations: SendMessageBatch on
// the kitchen queue.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/orderflow/internal/kitchenqueue"
	"github.com/example/orderflow/internal/logging"
	"github.com/example/orderflow/internal/metrics"
	"github.com/example/orderflow/internal/orders"
)

func main() {
	log := logging.New(os.Stdout)
	c, err := LoadConfig(os.Getenv)
	if err != nil {
		log.Error("bad configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", "error", err.Error())
		os.Exit(1)
	}
	db := dynamodb.NewFromConfig(awsCfg)
	h := &Handler{
		Stale: &orders.StaleOrders{
			Query:  db,
			Update: db,
			Table:  c.Table,
			Index:  c.PendingIndex,
			After:  c.StaleAfter,
		},
		Queue:   kitchenqueue.New(sqs.NewFromConfig(awsCfg), c.QueueURL),
		Log:     log,
		Metrics: metrics.New(os.Stdout, "sweeper", os.Getenv(metrics.EnvStage)),
	}
	lambda.Start(h.Handle)
}
