// Command lpfixture_publisher is a fixture of the least-privilege test, never
// deployed: an EventBridge-invoked function whose code publishes to an SNS
// topic and nothing else. The test gives it topics encrypted in different
// ways, to check that the key of a customer managed key is required (and
// granted the way the CDK grants it) and that the AWS managed key needs none.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

type handler struct {
	topic *sns.Client
	arn   string
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		os.Exit(1)
	}
	h := &handler{topic: sns.NewFromConfig(cfg), arn: os.Getenv("TOPIC_ARN")}
	lambda.Start(h.handle)
}

func (h *handler) handle(ctx context.Context, ev events.EventBridgeEvent) error {
	_, err := h.topic.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(h.arn), Message: aws.String(string(ev.Detail))})
	return err
}
