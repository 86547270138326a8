package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"example.com/queueconsumer/internal/thumbnail"
	"github.com/example/orderflow/runtime/batch"
)

// objectGetter reads an upload.
type objectGetter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// objectPutter writes a thumbnail.
type objectPutter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Handler renders the thumbnail of each job in a batch of SQS messages.
type Handler struct {
	Objects    objectGetter
	Thumbnails objectPutter
	// Bucket is the only bucket jobs may name.
	Bucket string
	Log    *slog.Logger
}

// Handle processes each message on its own (the handler runtime's
// batch.Processor: no message started within a second of the deadline, a
// panic fails its message only) and reports the ones that failed (bad job,
// unreadable or oversized image, S3 error) as batch item failures: SQS
// delivers those again, and after the queue's maximum receives moves them
// to its dead-letter queue. The messages that succeeded are deleted.
func (h *Handler) Handle(ctx context.Context, event events.SQSEvent) (events.SQSEventResponse, error) {
	p := &batch.Processor{Log: h.Log}
	return p.SQS(ctx, event, func(ctx context.Context, m events.SQSMessage) error {
		err := h.process(ctx, m)
		if err != nil {
			h.Log.ErrorContext(ctx, "job failed", "messageId", m.MessageId, "error", err.Error())
		}
		return err
	}), nil
}

func (h *Handler) process(ctx context.Context, m events.SQSMessage) error {
	var job thumbnail.Job
	if err := json.Unmarshal([]byte(m.Body), &job); err != nil {
		return fmt.Errorf("message body: %w", err)
	}
	if err := job.Validate(); err != nil {
		return err
	}
	if job.Bucket != h.Bucket {
		return fmt.Errorf("job names bucket %q, want %q", job.Bucket, h.Bucket)
	}
	obj, err := h.Objects.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(job.Bucket), Key: aws.String(job.Key)})
	if err != nil {
		return fmt.Errorf("get s3://%s/%s: %w", job.Bucket, job.Key, err)
	}
	defer obj.Body.Close()
	png, err := thumbnail.Render(obj.Body)
	if err != nil {
		return fmt.Errorf("render s3://%s/%s: %w", job.Bucket, job.Key, err)
	}
	key := thumbnail.Key(job.Key)
	if _, err := h.Thumbnails.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(job.Bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(png),
		ContentType: aws.String("image/png"),
	}); err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", job.Bucket, key, err)
	}
	h.Log.InfoContext(ctx, "thumbnail written", "source", job.Key, "thumbnail", key, "bytes", len(png))
	return nil
}
