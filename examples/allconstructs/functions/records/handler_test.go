package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func handle(t *testing.T, fixture string) any {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + fixture)
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	resp, err := h.Handle(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestBatches(t *testing.T) {
	tests := []struct {
		name, fixture string
		want          any
	}{
		// The second message's body is not JSON: it alone goes back.
		{"sqs", "sqs-event.json", events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "2e1424d4-f796-459a-8184-9c92662be6da"}}}},
		// The first record's data is JSON, the second's is not: the stream
		// retries from the second.
		{"kinesis", "kinesis-event.json", events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{{ItemIdentifier: "49590338271490256608559692540925702759324208523137515619"}}}},
		{"dynamodb", "dynamodb-event.json", events.DynamoDBEventResponse{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := handle(t, tt.fixture); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestUnknownOrEmptyBatchIsAnError(t *testing.T) {
	h := &Handler{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	for _, raw := range []string{`{"Records":[]}`, `{"Records":[{"eventSource":"aws:s3"}]}`, `"x"`} {
		if _, err := h.Handle(context.Background(), json.RawMessage(raw)); err == nil {
			t.Errorf("%s: got no error, want one", raw)
		}
	}
}
