// Command api is the orders HTTP API Lambda (API Gateway HTTP API, payload
// format 2.0): POST /orders and GET /orders/{id}. See Handler.
//
// Environment: ORDERS_TABLE_NAME (orders.EnvTableName), required;
// ORDERFLOW_STAGE (metrics.EnvStage), the Stage dimension of its metrics.
// DynamoDB operations: PutItem and GetItem on that table.
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
	store := &orders.Store{Client: dynamodb.NewFromConfig(cfg), Table: table}
	h := &Handler{Creator: store, Getter: store, Log: log, Metrics: metrics.New(os.Stdout, "api", os.Getenv(metrics.EnvStage))}
	lambda.Start(h.Handle)
}
