package batch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// fakeSend records each call's entries and fails the entries in fail.
type fakeSend struct {
	mu    sync.Mutex
	calls [][]string
	fail  map[string]bool
	short bool // answer one result less than entries
}

func (f *fakeSend) send(ctx context.Context, entries []string) []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, slices.Clone(entries))
	errs := make([]error, len(entries))
	for i, e := range entries {
		if f.fail[e] {
			errs[i] = fmt.Errorf("rejected %s", e)
		}
	}
	if f.short && len(errs) > 0 {
		errs = errs[:len(errs)-1]
	}
	return errs
}

func sqsBatch(bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), Body: b,
			EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:q"})
	}
	return ev
}

func TestOutbox(t *testing.T) {
	tests := []struct {
		name      string
		bodies    []string
		keyed     bool
		flushAt   int
		fail      []string
		short     bool
		want      []string
		wantCalls [][]string
	}{
		{name: "one send at the end, failures map back", bodies: []string{"a", "b", "c"}, fail: []string{"b"},
			want: []string{"m1"}, wantCalls: [][]string{{"a", "b", "c"}}},
		{name: "keyed: one entry per key, its failure fails every record of it", bodies: []string{"a", "b", "a", "c"}, keyed: true,
			fail: []string{"a"}, want: []string{"m0", "m2"}, wantCalls: [][]string{{"a", "b", "c"}}},
		{name: "flush at two", bodies: []string{"a", "b", "c", "d", "e"}, flushAt: 2, fail: []string{"c"},
			want: []string{"m2"}, wantCalls: [][]string{{"a", "b"}, {"c", "d"}, {"e"}}},
		{name: "a short answer: the entry without a result is not sent", bodies: []string{"a", "b"}, short: true,
			want: []string{"m1"}, wantCalls: [][]string{{"a", "b"}}},
		{name: "nothing added: no send", bodies: []string{"-", "-"}, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSend{fail: map[string]bool{}, short: tt.short}
			for _, e := range tt.fail {
				f.fail[e] = true
			}
			var onFailure []string
			out := &Outbox[string]{Send: f.send, FlushAt: tt.flushAt, OnFailure: func(ctx context.Context, e string, err error) {
				id, _ := RecordID(ctx)
				onFailure = append(onFailure, id+":"+e)
			}}
			resp := (&Processor{Log: quiet()}).SQS(context.Background(), sqsBatch(tt.bodies...), func(ctx context.Context, m events.SQSMessage) error {
				if m.Body == "-" {
					return nil
				}
				if tt.keyed {
					return out.AddKeyed(ctx, m.Body, m.Body)
				}
				return out.Add(ctx, m.Body)
			})
			if got := sqsIDs(resp); !slices.Equal(got, tt.want) {
				t.Errorf("got failures %v, want %v", got, tt.want)
			}
			if !slices.EqualFunc(f.calls, tt.wantCalls, slices.Equal) {
				t.Errorf("got calls %v, want %v", f.calls, tt.wantCalls)
			}
			if len(onFailure) != len(tt.want) {
				t.Errorf("got OnFailure calls %v, want one per failed record %v", onFailure, tt.want)
			}
		})
	}
}

// In a stream, an entry's failure stops the shard at its record: the
// records after it are reported too, and no record starts after the flush
// that failed.
func TestOutboxStopsAStream(t *testing.T) {
	var ev events.DynamoDBEvent
	for i := range 7 {
		var r events.DynamoDBEventRecord
		r.Change.SequenceNumber = fmt.Sprint(100 + i)
		ev.Records = append(ev.Records, r)
	}
	f := &fakeSend{fail: map[string]bool{"103": true}}
	out := &Outbox[string]{Send: f.send, FlushAt: 3}
	var ran []string
	resp := (&Processor{Log: quiet()}).DynamoDB(context.Background(), ev, func(ctx context.Context, r events.DynamoDBEventRecord) error {
		ran = append(ran, r.Change.SequenceNumber)
		return out.Add(ctx, r.Change.SequenceNumber)
	})
	got := seqIDs(resp.BatchItemFailures, func(f events.DynamoDBBatchItemFailure) string { return f.ItemIdentifier })
	if want := []string{"103", "104", "105", "106"}; !slices.Equal(got, want) {
		t.Errorf("got failures %v, want %v", got, want)
	}
	if want := []string{"100", "101", "102", "103", "104", "105"}; !slices.Equal(ran, want) {
		t.Errorf("got records run %v, want %v (none after the failed flush)", ran, want)
	}
}

// A FIFO group whose earlier record's entry failed reports its later
// records too, even when they ran: order holds.
func TestOutboxFIFO(t *testing.T) {
	fifo := load[events.SQSEvent](t, "sqs-fifo-event.json") // groups A: 1,3,5 B: 2,4
	f := &fakeSend{fail: map[string]bool{"3": true}}
	out := &Outbox[string]{Send: f.send}
	resp := (&Processor{Log: quiet()}).SQS(context.Background(), fifo, func(ctx context.Context, m events.SQSMessage) error {
		return out.Add(ctx, fmt.Sprint(bodyN(t, m.Body)))
	})
	if got, want := sqsIDs(resp), []string{"fifo-3", "fifo-5"}; !slices.Equal(got, want) {
		t.Errorf("got failures %v, want %v", got, want)
	}
}

func TestOutboxMarginCancelsTheSend(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	var sendDeadline time.Time
	out := &Outbox[string]{Margin: 10 * time.Minute, Send: func(ctx context.Context, e []string) []error {
		sendDeadline, _ = ctx.Deadline()
		return make([]error, len(e))
	}}
	(&Processor{Log: quiet()}).SQS(ctx, sqsBatch("a"), func(ctx context.Context, m events.SQSMessage) error {
		return out.Add(ctx, m.Body)
	})
	deadline, _ := ctx.Deadline()
	if got := deadline.Sub(sendDeadline); got != 10*time.Minute {
		t.Errorf("got the send's deadline %v before the invocation's, want 10m", got)
	}
}

func TestOutboxOutsideARecord(t *testing.T) {
	out := &Outbox[string]{Send: (&fakeSend{}).send}
	if err := out.Add(context.Background(), "x"); !errors.Is(err, ErrNoRecord) {
		t.Errorf("got %v, want ErrNoRecord", err)
	}
}

// The record's error says which entry failed and why.
func TestOutputErrorWraps(t *testing.T) {
	var seen error
	f := &fakeSend{fail: map[string]bool{"a": true}}
	out := &Outbox[string]{Send: f.send, OnFailure: func(ctx context.Context, e string, err error) { seen = &OutputError{Err: err} }}
	(&Processor{Log: quiet()}).SQS(context.Background(), sqsBatch("a"), func(ctx context.Context, m events.SQSMessage) error {
		return out.Add(ctx, m.Body)
	})
	if seen == nil || !strings.Contains(seen.Error(), "batch: output not sent: rejected a") {
		t.Errorf("got %v, want batch: output not sent: rejected a", seen)
	}
}
