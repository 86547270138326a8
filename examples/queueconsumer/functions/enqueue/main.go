// Command enqueue turns each image uploaded under uploads/ of the Images
// bucket (an EventBridge "Object Created" event) into a thumbnail job on the
// Jobs queue. See Handler.
//
// Environment: JOBS_QUEUE_URL, required.
// SQS operations: SendMessage on the Jobs queue.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// EnvQueueURL names the environment variable holding the Jobs queue's URL.
const EnvQueueURL = "JOBS_QUEUE_URL"

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	queueURL := os.Getenv(EnvQueueURL)
	if queueURL == "" {
		log.Error("missing environment variable", "name", EnvQueueURL)
		os.Exit(1)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", "error", err.Error())
		os.Exit(1)
	}
	h := &Handler{Queue: sqs.NewFromConfig(cfg), QueueURL: queueURL, Log: log}
	lambda.Start(h.Handle)
}
