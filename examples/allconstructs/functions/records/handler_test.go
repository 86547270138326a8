package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/orderflow/runtime/metrics"
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
		{"dynamodb", "dynamodb-event.json", events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}},
		// A FIFO queue (the Ledger worker): acct-1's third message is not
		// JSON; it and acct-1's later message go back unprocessed, in order,
		// while acct-2's messages are done.
		{"sqs fifo", "sqs-fifo-event.json", events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{
			{ItemIdentifier: "11111111-0000-4000-8000-000000000003"}, {ItemIdentifier: "11111111-0000-4000-8000-000000000004"},
		}}},
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

// A KPL-aggregated record (three orders put by one producer call) is three
// records to the handler: all three are audited, none fails. (Before the
// runtime's de-aggregation it was one record that was not JSON: retried,
// then dead-lettered.)
func TestKPLAggregatedRecord(t *testing.T) {
	raw, err := os.ReadFile("testdata/kinesis-kpl-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := &Handler{Log: slog.New(slog.NewJSONHandler(&logs, nil)), Metrics: metrics.New(&logs, "AllConstructsExample")}
	resp, err := h.Handle(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.(events.KinesisEventResponse); len(got.BatchItemFailures) != 0 {
		t.Errorf("got failures %v, want none", got.BatchItemFailures)
	}
	var audited []string
	for _, line := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var rec struct {
			Msg, ID        string
			Fields         int
			RecordsAudited *float64
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("line %s: %v", line, err)
		}
		if rec.Msg == "record" {
			audited = append(audited, fmt.Sprintf("%s %d", rec.ID, rec.Fields))
		}
		if rec.RecordsAudited != nil && *rec.RecordsAudited != 3 {
			t.Errorf("RecordsAudited: got %v, want 3", *rec.RecordsAudited)
		}
	}
	seq := "49568167373333333333333333333333333333333333333333333399"
	if want := []string{seq + "/0 2", seq + "/1 2", seq + "/2 2"}; !reflect.DeepEqual(audited, want) {
		t.Errorf("got audited %v, want the 3 orders of the aggregate %v", audited, want)
	}
}
