package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"example.com/queueconsumer/internal/thumbnail"
)

// messageSender is the SQS operation the handler calls.
type messageSender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Handler queues one thumbnail.Job per uploaded object.
type Handler struct {
	Queue    messageSender
	QueueURL string
	Log      *slog.Logger
}

// objectCreated is the detail of S3's EventBridge "Object Created" event.
type objectCreated struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key  string `json:"key"`
		Size int64  `json:"size"`
	} `json:"object"`
}

// Handle sends the job for the event's object. It returns an error for an
// event that is not an S3 "Object Created" event, an object outside uploads/
// or a failed send: Lambda retries the asynchronous invocation, then the
// event goes to the trigger's dead-letter queue.
func (h *Handler) Handle(ctx context.Context, event events.EventBridgeEvent) error {
	if event.Source != "aws.s3" || event.DetailType != "Object Created" {
		return fmt.Errorf("event %s: got %s %q, want aws.s3 \"Object Created\"", event.ID, event.Source, event.DetailType)
	}
	var detail objectCreated
	if err := json.Unmarshal(event.Detail, &detail); err != nil {
		return fmt.Errorf("event %s: detail: %w", event.ID, err)
	}
	// S3 form-encodes keys in its events ("+" is a space).
	key, err := url.QueryUnescape(detail.Object.Key)
	if err != nil {
		return fmt.Errorf("event %s: object key %q: %w", event.ID, detail.Object.Key, err)
	}
	job := thumbnail.Job{Bucket: detail.Bucket.Name, Key: key}
	if err := job.Validate(); err != nil {
		return fmt.Errorf("event %s: %w", event.ID, err)
	}
	body, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("encode job: %w", err)
	}
	out, err := h.Queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(h.QueueURL), MessageBody: aws.String(string(body))})
	if err != nil {
		return fmt.Errorf("queue job for s3://%s/%s: %w", job.Bucket, job.Key, err)
	}
	h.Log.InfoContext(ctx, "job queued", "bucket", job.Bucket, "key", job.Key, "size", detail.Object.Size, "messageId", aws.ToString(out.MessageId))
	return nil
}
