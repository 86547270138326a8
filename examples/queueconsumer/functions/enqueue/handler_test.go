package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"example.com/queueconsumer/internal/thumbnail"
)

// fakeQueue records the messages sent, or fails with err.
type fakeQueue struct {
	sent []*sqs.SendMessageInput
	err  error
}

func (q *fakeQueue) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if q.err != nil {
		return nil, q.err
	}
	q.sent = append(q.sent, in)
	return &sqs.SendMessageOutput{MessageId: aws.String("m-1")}, nil
}

func fixture(t *testing.T) events.EventBridgeEvent {
	t.Helper()
	data, err := os.ReadFile("testdata/eventbridge-object-created.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.EventBridgeEvent
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestHandleQueuesTheDecodedObject(t *testing.T) {
	q := &fakeQueue{}
	h := &Handler{Queue: q, QueueURL: "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs", Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	if err := h.Handle(context.Background(), fixture(t)); err != nil {
		t.Fatal(err)
	}
	if len(q.sent) != 1 {
		t.Fatalf("got %d messages, want 1", len(q.sent))
	}
	if got := aws.ToString(q.sent[0].QueueUrl); got != h.QueueURL {
		t.Errorf("got queue %q, want %q", got, h.QueueURL)
	}
	var job thumbnail.Job
	if err := json.Unmarshal([]byte(aws.ToString(q.sent[0].MessageBody)), &job); err != nil {
		t.Fatal(err)
	}
	want := thumbnail.Job{Bucket: "example-images", Key: "uploads/holiday photos/cat(1).jpg"}
	if job != want {
		t.Errorf("got job %+v, want %+v", job, want)
	}
}

func TestHandleRejects(t *testing.T) {
	sendErr := errors.New("throttled")
	tests := []struct {
		name    string
		edit    func(*events.EventBridgeEvent)
		sendErr error
		want    string
	}{
		{"another detail type", func(e *events.EventBridgeEvent) { e.DetailType = "Object Deleted" }, nil, `want aws.s3 "Object Created"`},
		{"another source", func(e *events.EventBridgeEvent) { e.Source = "aws.ec2" }, nil, `want aws.s3 "Object Created"`},
		{"key outside uploads", func(e *events.EventBridgeEvent) {
			e.Detail = json.RawMessage(`{"bucket":{"name":"example-images"},"object":{"key":"thumbnails/cat.png"}}`)
		}, nil, "is not an object under uploads/"},
		{"bad key encoding", func(e *events.EventBridgeEvent) {
			e.Detail = json.RawMessage(`{"bucket":{"name":"example-images"},"object":{"key":"uploads/%zz.jpg"}}`)
		}, nil, `object key "uploads/%zz.jpg"`},
		{"send fails", func(*events.EventBridgeEvent) {}, sendErr, "queue job for s3://example-images/uploads/holiday photos/cat(1).jpg: throttled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fixture(t)
			tt.edit(&e)
			q := &fakeQueue{err: tt.sendErr}
			h := &Handler{Queue: q, QueueURL: "u", Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
			err := h.Handle(context.Background(), e)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if tt.sendErr != nil && !errors.Is(err, tt.sendErr) {
				t.Errorf("got %v, want it to wrap %v", err, tt.sendErr)
			}
			if len(q.sent) != 0 {
				t.Errorf("got %d messages sent, want none", len(q.sent))
			}
		})
	}
}
