// Command notifier consumes the kitchen's OrderReady events from the orders
// event bus (an EventBridge rule invokes it asynchronously) and publishes a
// customer notification per event to the notifications SNS topic, once per
// event however often it is delivered or replayed. See Handler.
//
// Environment: NOTIFICATIONS_TOPIC_ARN (orderevents.EnvNotificationTopicARN)
// and IDEMPOTENCY_TABLE_NAME (orderevents.EnvIdempotencyTableName),
// required; ORDERFLOW_STAGE (ordermetrics.EnvStage), the Stage dimension of
// its metrics. SNS operations: Publish on that topic. DynamoDB operations:
// PutItem, GetItem, DeleteItem on the idempotency table (the runtime's
// idempotency.Actions).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/runtime/idempotency"
	"github.com/example/orderflow/runtime/startup"
)

func main() {
	rt := startup.Start(ordermetrics.Startup("notifier", orderevents.EnvNotificationTopicARN, orderevents.EnvIdempotencyTableName))
	h := &Handler{
		Topic:    sns.NewFromConfig(rt.AWS),
		TopicARN: rt.Env(orderevents.EnvNotificationTopicARN),
		Log:      rt.Log,
		// Prefix "notifier", not the function's name: a renamed or
		// replaced function keeps recognizing the events it notified.
		Guard:   &idempotency.Guard{Client: dynamodb.NewFromConfig(rt.AWS), Table: rt.Env(orderevents.EnvIdempotencyTableName), Prefix: "notifier"},
		Metrics: rt.Metrics,
	}
	lambda.Start(h.Handle)
}
