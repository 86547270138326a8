// Command notifier consumes the kitchen's OrderReady events from the orders
// event bus (an EventBridge rule invokes it asynchronously) and publishes a
// customer notification per event to the notifications SNS topic. See
// Handler.
//
// Environment: NOTIFICATIONS_TOPIC_ARN (orderevents.EnvNotificationTopicARN),
// required. SNS operations: Publish on that topic.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/example/orderflow/internal/logging"
	"github.com/example/orderflow/internal/orderevents"
)

func main() {
	log := logging.New(os.Stdout)
	topic := os.Getenv(orderevents.EnvNotificationTopicARN)
	if topic == "" {
		log.Error("missing environment variable", "name", orderevents.EnvNotificationTopicARN)
		os.Exit(1)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", "error", err.Error())
		os.Exit(1)
	}
	h := &Handler{Topic: sns.NewFromConfig(cfg), TopicARN: topic, Log: log}
	lambda.Start(h.Handle)
}
