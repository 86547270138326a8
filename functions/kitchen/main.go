// Command kitchen is the kitchen queue's Lambda consumer: it moves each order
// named by a message PENDING -> PREPARING -> READY and puts an OrderReady
// event on the orders event bus for each order that is READY. See Handler.
//
// Environment: ORDERS_TABLE_NAME (orders.EnvTableName) and
// ORDER_EVENTS_BUS_NAME (orderevents.EnvBusName), required; ORDERFLOW_STAGE
// (metrics.EnvStage), the Stage dimension of its metrics.
// DynamoDB operations: UpdateItem on that table. EventBridge operations:
// PutEvents on that bus.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/example/orderflow/internal/logging"
	"github.com/example/orderflow/internal/metrics"
	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/internal/ordersbus"
)

func main() {
	log := logging.New(os.Stdout)
	table, bus := os.Getenv(orders.EnvTableName), os.Getenv(orderevents.EnvBusName)
	for name, v := range map[string]string{orders.EnvTableName: table, orderevents.EnvBusName: bus} {
		if v == "" {
			log.Error("missing environment variable", "name", name)
			os.Exit(1)
		}
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", "error", err.Error())
		os.Exit(1)
	}
	h := &Handler{
		Orders:  &orders.Store{Client: dynamodb.NewFromConfig(cfg), Table: table},
		Events:  ordersbus.New(eventbridge.NewFromConfig(cfg), bus),
		Log:     log,
		Metrics: metrics.New(os.Stdout, "kitchen", os.Getenv(metrics.EnvStage)),
	}
	lambda.Start(h.Handle)
}
