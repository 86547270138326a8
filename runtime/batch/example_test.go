package batch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/orderflow/runtime/batch"
)

// A queue consumer: each message is handled alone, the failed ones go back
// to the queue as batch item failures. In a function:
// lambda.Start(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {...}).
func Example() {
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m1", Body: `{"orderId":"o-1"}`},
		{MessageId: "m2", Body: `not JSON`},
		{MessageId: "m3", Body: `{"orderId":"o-3"}`},
	}}
	p := &batch.Processor{Log: slog.New(slog.DiscardHandler)}
	resp := p.SQS(context.Background(), ev, func(ctx context.Context, m events.SQSMessage) error {
		var body struct{ OrderID string }
		if err := json.Unmarshal([]byte(m.Body), &body); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		fmt.Println("prepared", body.OrderID)
		return nil
	})
	out, _ := json.Marshal(resp)
	fmt.Println(string(out))
	// Output:
	// prepared o-1
	// prepared o-3
	// {"batchItemFailures":[{"itemIdentifier":"m2"}]}
}

// Output batched ten at a time: a record whose entry was not sent fails,
// wherever in the batch its entry was sent.
func ExampleOutbox() {
	send := func(ctx context.Context, entries []string) []error {
		fmt.Println("send", entries)
		errs := make([]error, len(entries))
		for i, e := range entries {
			if e == "event-o-2" {
				errs[i] = errors.New("throttled")
			}
		}
		return errs
	}
	out := &batch.Outbox[string]{Send: send, FlushAt: 10}
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m1", Body: "o-1"}, {MessageId: "m2", Body: "o-2"}, {MessageId: "m3", Body: "o-2"},
	}}
	p := &batch.Processor{Log: slog.New(slog.DiscardHandler)}
	resp := p.SQS(context.Background(), ev, func(ctx context.Context, m events.SQSMessage) error {
		// One event per order, however many messages name it.
		return out.AddKeyed(ctx, m.Body, "event-"+m.Body)
	})
	fmt.Println(resp.BatchItemFailures)
	// Output:
	// send [event-o-1 event-o-2]
	// [{m2} {m3}]
}

// KPL-aggregated Kinesis records reach the handler one user record at a
// time.
func ExampleDeaggregate() {
	data := batch.Aggregate([]batch.UserRecord{
		{Data: []byte(`{"orderId":"o-1"}`), PartitionKey: "o-1"},
		{Data: []byte(`{"orderId":"o-2"}`), PartitionKey: "o-2"},
	})
	recs, err := batch.Deaggregate(data, "outer-key")
	if err != nil {
		panic(err)
	}
	for _, r := range recs {
		fmt.Println(r.SubSequenceNumber, r.PartitionKey, string(r.Data))
	}
	// Output:
	// 0 o-1 {"orderId":"o-1"}
	// 1 o-2 {"orderId":"o-2"}
}
