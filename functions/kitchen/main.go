// Command kitchen is the kitchen queue's Lambda consumer: it moves each order
// named by a message PENDING -> PREPARING -> READY. See Handler.
//
// Environment: ORDERS_TABLE_NAME (orders.EnvTableName), required;
// ORDERFLOW_STAGE (metrics.EnvStage), the Stage dimension of its metrics.
// DynamoDB operations: UpdateItem on that table.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/orderflow/internal/logging"
	"github.com/example/orderflow/internal/metrics"
	"github.com/example/orderflow/internal/orders"
)

func main() {
	log := logging.New(os.Stdout)
	table := os.Getenv(orders.EnvTableName)
	if table == "" {
		log.Error("missing environment variable", "name", orders.EnvTableName)
		os.Exit(1)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", "error", err.Error())
		os.Exit(1)
	}
	h := &Handler{
		Orders:  &orders.Store{Client: dynamodb.NewFromConfig(cfg), Table: table},
		Log:     log,
		Metrics: metrics.New(os.Stdout, "kitchen", os.Getenv(metrics.EnvStage)),
	}
	lambda.Start(h.Handle)
}
