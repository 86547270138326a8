// Command kitchen is the kitchen queue's Lambda consumer: it moves each order
// named by a message PENDING -> PREPARING -> READY and puts an OrderReady
// event on the orders event bus for each order that is READY. See Handler.
//
// Environment: ORDERS_TABLE_NAME (orders.EnvTableName) and
// ORDER_EVENTS_BUS_NAME (orderevents.EnvBusName), required; ORDERFLOW_STAGE
// (ordermetrics.EnvStage), the Stage dimension of its metrics.
// DynamoDB operations: UpdateItem on that table. EventBridge operations:
// PutEvents on that bus.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/batchsend"
	"github.com/example/orderflow/runtime/startup"
)

func main() {
	rt := startup.Start(ordermetrics.Startup("kitchen", orders.EnvTableName, orderevents.EnvBusName))
	h := &Handler{
		Orders: &orders.Store{Client: dynamodb.NewFromConfig(rt.AWS), Table: rt.Env(orders.EnvTableName)},
		Events: &busPublisher{
			sender: &batchsend.EventBridge{Client: eventbridge.NewFromConfig(rt.AWS)},
			bus:    rt.Env(orderevents.EnvBusName),
		},
		Log:     rt.Log,
		Metrics: rt.Metrics,
	}
	lambda.Start(h.Handle)
}
