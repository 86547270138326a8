package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// benchBatch is a batch of 10 kitchen-like messages (the queueworker's
// default batch size).
func benchBatch() events.SQSEvent {
	var ev events.SQSEvent
	for i := range 10 {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId:      fmt.Sprintf("059f36b4-87a3-44ab-83d2-66197254%04d", i),
			Body:           fmt.Sprintf(`{"orderId":"ord_KJZG2YLUMVZXIX3PNRSGK4R%03d"}`, i),
			EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:kitchen",
		})
	}
	return ev
}

// decodeOrder is the per-record work both benchmarks do: what a handler
// does at the least (decode the body).
func decodeOrder(m events.SQSMessage) error {
	var body struct {
		OrderID string `json:"orderId"`
	}
	return json.Unmarshal([]byte(m.Body), &body)
}

// BenchmarkHandLoop is the hand-written loop the kitchen had: decode each
// record, collect the failures. Per batch of 10.
func BenchmarkHandLoop(b *testing.B) {
	ev := benchBatch()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		for _, m := range ev.Records {
			if err := decodeOrder(m); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		_ = ctx
		if len(resp.BatchItemFailures) != 0 {
			b.Fatal("failures")
		}
	}
}

// BenchmarkProcessor does the same through a Processor (deadline check,
// panic recovery, per-record context). Per batch of 10.
func BenchmarkProcessor(b *testing.B) {
	ev := benchBatch()
	ctx := context.Background()
	p := &Processor{Log: quiet()}
	handle := func(ctx context.Context, m events.SQSMessage) error { return decodeOrder(m) }
	b.ReportAllocs()
	for b.Loop() {
		if resp := p.SQS(ctx, ev, handle); len(resp.BatchItemFailures) != 0 {
			b.Fatal("failures")
		}
	}
}

// BenchmarkPaired runs the hand-written loop and the Processor over the
// same batch in turn, each iteration both, and reports the Processor's time
// over the loop's ("x-handloop"): the two see the same machine at the same
// moment, so drift on a shared machine (which separate benchmarks, run one
// after the other, turn into a bias) cancels out. Per batch of 10.
func BenchmarkPaired(b *testing.B) {
	ev := benchBatch()
	ctx := context.Background()
	p := &Processor{Log: quiet()}
	handle := func(ctx context.Context, m events.SQSMessage) error { return decodeOrder(m) }
	var hand, proc time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		for _, m := range ev.Records {
			if err := decodeOrder(m); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		t1 := time.Now()
		presp := p.SQS(ctx, ev, handle)
		t2 := time.Now()
		if len(resp.BatchItemFailures)+len(presp.BatchItemFailures) != 0 {
			b.Fatal("failures")
		}
		hand, proc = hand+t1.Sub(t0), proc+t2.Sub(t1)
	}
	b.ReportMetric(float64(proc)/float64(hand), "x-handloop")
}

// BenchmarkDeaggregate de-aggregates one KPL record of 100 user records of
// ~60 bytes; records/s = 100 / (ns/op) x 1e9.
func BenchmarkDeaggregate(b *testing.B) {
	var recs []UserRecord
	for i := range 100 {
		recs = append(recs, UserRecord{Data: fmt.Appendf(nil, `{"orderId":"ord_KJZG2YLUMVZXIX3PNRSGK4R%03d","qty":1}`, i), PartitionKey: fmt.Sprint("pk-", i%8)})
	}
	data := Aggregate(recs)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := Deaggregate(data, "outer")
		if err != nil || len(out) != 100 {
			b.Fatal(err, len(out))
		}
	}
	b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkOverheadEmpty is the Processor's fixed cost: a batch of 10 whose
// handler does nothing (per batch; divide by 10 for per record).
func BenchmarkOverheadEmpty(b *testing.B) {
	ev := benchBatch()
	ctx := context.Background()
	p := &Processor{Log: quiet()}
	handle := func(ctx context.Context, m events.SQSMessage) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		p.SQS(ctx, ev, handle)
	}
}
