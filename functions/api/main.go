// Command api is the orders HTTP API Lambda (API Gateway HTTP API, payload
// format 2.0): POST /orders and GET /orders/{id}. See Handler.
//
// Environment: ORDERS_TABLE_NAME (orders.EnvTableName), required;
// ORDERFLOW_STAGE (ordermetrics.EnvStage), the Stage dimension of its
// metrics. DynamoDB operations: PutItem and GetItem on that table.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/startup"
)

func main() {
	rt := startup.Start(ordermetrics.Startup("api", orders.EnvTableName))
	store := &orders.Store{Client: dynamodb.NewFromConfig(rt.AWS), Table: rt.Env(orders.EnvTableName)}
	h := &Handler{Creator: store, Getter: store, Log: rt.Log, Metrics: rt.Metrics}
	lambda.Start(h.Handle)
}
