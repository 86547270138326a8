package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func load[T any](t testing.TB, name string) T {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func sqsIDs(r events.SQSEventResponse) []string {
	ids := []string{}
	for _, f := range r.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// bodyN reads {"n":N} from a fixture body.
func bodyN(t testing.TB, body string) int {
	var b struct{ N int }
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return b.N
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestSQS(t *testing.T) {
	std := load[events.SQSEvent](t, "sqs-standard-event.json")
	fifo := load[events.SQSEvent](t, "sqs-fifo-event.json")
	tests := []struct {
		name        string
		ev          events.SQSEvent
		concurrency int
		fail        map[int]bool // by body n
		panicAt     int          // body n whose handler panics; 0: none
		want        []string
		wantRun     []int // body n of the records handled, sorted
	}{
		{name: "all succeed", ev: std, want: []string{}, wantRun: []int{1, 2, 3, 4}},
		{name: "standard: only the failed messages", ev: std, fail: map[int]bool{2: true, 4: true},
			want: []string{"msg-2", "msg-4"}, wantRun: []int{1, 2, 3, 4}},
		{name: "standard: a panic fails its record only", ev: std, panicAt: 3,
			want: []string{"msg-3"}, wantRun: []int{1, 2, 3, 4}},
		{name: "standard, 3 at once: same result", ev: std, concurrency: 3, fail: map[int]bool{1: true},
			want: []string{"msg-1"}, wantRun: []int{1, 2, 3, 4}},
		// Groups A: 1,3,5 and B: 2,4.
		{name: "fifo: the rest of the group is not processed", ev: fifo, fail: map[int]bool{3: true},
			want: []string{"fifo-3", "fifo-5"}, wantRun: []int{1, 2, 3, 4}},
		{name: "fifo: first of a group fails", ev: fifo, fail: map[int]bool{2: true},
			want: []string{"fifo-2", "fifo-4"}, wantRun: []int{1, 2, 3, 5}},
		{name: "fifo: a panic stops its group", ev: fifo, panicAt: 1,
			want: []string{"fifo-1", "fifo-3", "fifo-5"}, wantRun: []int{1, 2, 4}},
		{name: "fifo, groups at once: same result", ev: fifo, concurrency: 2, fail: map[int]bool{3: true},
			want: []string{"fifo-3", "fifo-5"}, wantRun: []int{1, 2, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var ran []int
			p := &Processor{Concurrency: tt.concurrency, Log: quiet()}
			resp := p.SQS(context.Background(), tt.ev, func(ctx context.Context, m events.SQSMessage) error {
				n := bodyN(t, m.Body)
				mu.Lock()
				ran = append(ran, n)
				mu.Unlock()
				if n == tt.panicAt {
					panic("boom")
				}
				if tt.fail[n] {
					return errors.New("failed")
				}
				return nil
			})
			if got := sqsIDs(resp); !slices.Equal(got, tt.want) {
				t.Errorf("got failures %v, want %v", got, tt.want)
			}
			slices.Sort(ran)
			if !slices.Equal(ran, tt.wantRun) {
				t.Errorf("got records handled %v, want %v", ran, tt.wantRun)
			}
		})
	}
}

// Within a FIFO group records run in order, also with groups in parallel.
func TestSQSFIFOOrderWithinGroup(t *testing.T) {
	fifo := load[events.SQSEvent](t, "sqs-fifo-event.json")
	var mu sync.Mutex
	order := map[string][]int{}
	p := &Processor{Concurrency: 4, Log: quiet()}
	p.SQS(context.Background(), fifo, func(ctx context.Context, m events.SQSMessage) error {
		time.Sleep(time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		g := m.Attributes["MessageGroupId"]
		order[g] = append(order[g], bodyN(t, m.Body))
		return nil
	})
	if got := order["A"]; !slices.Equal(got, []int{1, 3, 5}) {
		t.Errorf("group A: got %v, want [1 3 5]", got)
	}
	if got := order["B"]; !slices.Equal(got, []int{2, 4}) {
		t.Errorf("group B: got %v, want [2 4]", got)
	}
}

// Concurrency bounds the records in flight on a standard queue.
func TestSQSConcurrencyBound(t *testing.T) {
	var ev events.SQSEvent
	for i := range 20 {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprint(i), Body: `{"n":1}`})
	}
	var now, peak atomic.Int32
	p := &Processor{Concurrency: 3, Log: quiet()}
	resp := p.SQS(context.Background(), ev, func(ctx context.Context, m events.SQSMessage) error {
		n := now.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		now.Add(-1)
		return nil
	})
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("got failures %v, want none", resp.BatchItemFailures)
	}
	if got := peak.Load(); got > 3 || got < 2 {
		t.Errorf("got %d records at once at most, want 2-3 (Concurrency 3)", got)
	}
}

func TestDeadline(t *testing.T) {
	std := load[events.SQSEvent](t, "sqs-standard-event.json")
	tests := []struct {
		name     string
		deadline time.Duration // after the fake clock's start; 0: none
		margin   time.Duration
		want     []string
		wantRun  int
	}{
		// Each record takes 1 s of fake time.
		{name: "no deadline: all run", want: []string{}, wantRun: 4},
		{name: "ample time: all run", deadline: time.Hour, margin: 2 * time.Second, want: []string{}, wantRun: 4},
		{name: "exactly the margin left: started", deadline: 4 * time.Second, margin: 2 * time.Second,
			want: []string{"msg-4"}, wantRun: 3}, // msg-3 starts with 2 s left
		{name: "just under the margin left: not started", deadline: 4*time.Second - time.Millisecond, margin: 2 * time.Second,
			want: []string{"msg-3", "msg-4"}, wantRun: 2},
		{name: "inside the margin: nothing started", deadline: time.Second, margin: 2 * time.Second,
			want: []string{"msg-1", "msg-2", "msg-3", "msg-4"}, wantRun: 0},
		{name: "default margin is one second", deadline: 2*time.Second + time.Millisecond,
			want: []string{"msg-3", "msg-4"}, wantRun: 2},
		{name: "negative margin: until the deadline", deadline: 2*time.Second + time.Millisecond, margin: -1,
			want: []string{"msg-4"}, wantRun: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The fake clock starts an hour from now, so the real clock
			// never reaches the context's deadline during the test.
			t0 := time.Now().Add(time.Hour)
			now := t0
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, t0.Add(tt.deadline))
				defer cancel()
			}
			var logs bytes.Buffer
			p := &Processor{Margin: tt.margin, Now: func() time.Time { return now }, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
			ran := 0
			resp := p.SQS(ctx, std, func(ctx context.Context, m events.SQSMessage) error {
				ran++
				now = now.Add(time.Second)
				return nil
			})
			if got := sqsIDs(resp); !slices.Equal(got, tt.want) {
				t.Errorf("got failures %v, want %v", got, tt.want)
			}
			if ran != tt.wantRun {
				t.Errorf("got %d records run, want %d", ran, tt.wantRun)
			}
			if late := len(tt.want); late > 0 && !strings.Contains(logs.String(), `"msg":"deadline near: leaving records for redelivery","unprocessed":`+fmt.Sprint(late)) {
				t.Errorf("got logs %s, want a deadline line with unprocessed %d", logs.String(), late)
			}
		})
	}
}

func TestPanicIsLogged(t *testing.T) {
	std := load[events.SQSEvent](t, "sqs-standard-event.json")
	var logs bytes.Buffer
	p := &Processor{Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	resp := p.SQS(context.Background(), std, func(ctx context.Context, m events.SQSMessage) error {
		if m.MessageId == "msg-2" {
			_ = []byte(m.Body)[len(m.Body)] // a real runtime panic: index out of range
		}
		return nil
	})
	if ids := sqsIDs(resp); !slices.Equal(ids, []string{"msg-2"}) {
		t.Fatalf("got failures %v, want [msg-2]", ids)
	}
	var line struct{ Msg, ID, Panic, Stack string }
	for _, l := range bytes.Split(logs.Bytes(), []byte("\n")) {
		if bytes.Contains(l, []byte("panicked")) {
			if err := json.Unmarshal(l, &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line.ID != "msg-2" || !strings.Contains(line.Panic, "index out of range") || !strings.Contains(line.Stack, "batch_test.go") {
		t.Errorf("got panic line %+v, want id msg-2, the panic value and a stack naming the handler", line)
	}
}

func seqIDs[F any](fs []F, id func(F) string) []string {
	ids := []string{}
	for _, f := range fs {
		ids = append(ids, id(f))
	}
	return ids
}

func TestDynamoDBStopsAtFirstFailure(t *testing.T) {
	ev := load[events.DynamoDBEvent](t, "dynamodb-event.json")
	// Three records: the fixture's two and the first again.
	ev.Records = append(ev.Records, ev.Records[0])
	// The fixture's two records share a sequence number; a shard's never do.
	for i := range ev.Records {
		ev.Records[i].Change.SequenceNumber = fmt.Sprintf("14054000000000020632828%02d", 32+i)
	}
	seq := func(i int) string { return ev.Records[i].Change.SequenceNumber }
	tests := []struct {
		name    string
		failAt  int // -1: none
		want    []string
		wantRun int
	}{
		{name: "none fail", failAt: -1, want: []string{}, wantRun: 3},
		{name: "first fails: all reported, one run", failAt: 0, want: []string{seq(0), seq(1), seq(2)}, wantRun: 1},
		{name: "middle fails: it and the later", failAt: 1, want: []string{seq(1), seq(2)}, wantRun: 2},
		{name: "last fails", failAt: 2, want: []string{seq(2)}, wantRun: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := 0
			p := &Processor{Log: quiet(), Concurrency: 8} // ignored: a stream is ordered
			resp := p.DynamoDB(context.Background(), ev, func(ctx context.Context, r events.DynamoDBEventRecord) error {
				run++
				if run-1 == tt.failAt {
					return errors.New("failed")
				}
				return nil
			})
			got := seqIDs(resp.BatchItemFailures, func(f events.DynamoDBBatchItemFailure) string { return f.ItemIdentifier })
			if !slices.Equal(got, tt.want) {
				t.Errorf("got failures %v, want %v", got, tt.want)
			}
			if run != tt.wantRun {
				t.Errorf("got %d records run, want %d", run, tt.wantRun)
			}
		})
	}
}

func TestKinesisDeaggregates(t *testing.T) {
	ev := load[events.KinesisEvent](t, "kinesis-kpl-event.json")
	seq := func(i int) string { return ev.Records[i].Kinesis.SequenceNumber }
	type seen struct {
		data, pk, ehk string
		sub           int
		agg           bool
		seq           string
	}
	want := []seen{
		{`{"n":1}`, "plain-1", "", 0, false, seq(0)},
		{`{"msg":"line0"}`, "pk-0", "", 0, true, seq(1)},
		{`{"msg":"line1"}`, "pk-1", "", 1, true, seq(1)},
		{`{"msg":"line2"}`, "pk-2", "", 2, true, seq(1)},
		{`{"a":"ABC"}`, "81622b0e-5ae8-4b53-a585-c6cb7780e680", "undefined", 0, true, seq(2)},
		{`{"b":"DEF"}`, "25d4c3c1-31fe-424f-91f3-81241dcc6590", "undefined", 1, true, seq(2)},
		{`{"n":4}`, "plain-2", "", 0, false, seq(3)},
	}
	tests := []struct {
		name     string
		failData string // the user record whose handler fails
		want     []string
		wantRun  int
	}{
		{name: "every user record handled", want: []string{}, wantRun: 7},
		{name: "a user record fails: its outer record and the later are reported", failData: `{"msg":"line1"}`,
			want: []string{seq(1), seq(2), seq(3)}, wantRun: 3},
		{name: "the last user record of an aggregate fails", failData: `{"b":"DEF"}`,
			want: []string{seq(2), seq(3)}, wantRun: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []seen
			p := &Processor{Log: quiet()}
			resp := p.Kinesis(context.Background(), ev, func(ctx context.Context, r KinesisRecord) error {
				got = append(got, seen{string(r.Data), r.PartitionKey, r.ExplicitHashKey, r.SubSequenceNumber, r.Aggregated, r.Record.Kinesis.SequenceNumber})
				if string(r.Data) == tt.failData {
					return errors.New("failed")
				}
				return nil
			})
			if !slices.Equal(got, want[:tt.wantRun]) {
				t.Errorf("got user records\n  %v\nwant\n  %v", got, want[:tt.wantRun])
			}
			ids := seqIDs(resp.BatchItemFailures, func(f events.KinesisBatchItemFailure) string { return f.ItemIdentifier })
			if !slices.Equal(ids, tt.want) {
				t.Errorf("got failures %v, want %v", ids, tt.want)
			}
		})
	}
}

func TestKinesisKeepAggregatedAndCorrupt(t *testing.T) {
	ev := load[events.KinesisEvent](t, "kinesis-kpl-event.json")
	p := &Processor{KeepAggregated: true, Log: quiet()}
	n := 0
	p.Kinesis(context.Background(), ev, func(ctx context.Context, r KinesisRecord) error {
		n++
		if r.Aggregated || !bytes.Equal(r.Data, r.Record.Kinesis.Data) {
			t.Errorf("record %d: got a de-aggregated record, want it as delivered", n)
		}
		return nil
	})
	if n != 4 {
		t.Errorf("got %d handler calls, want 4 (one per Kinesis record)", n)
	}

	// A corrupt aggregate (magic and digest right, protobuf wrong) fails
	// without a handler call, and stops the shard.
	corrupt := ev
	corrupt.Records = slices.Clone(ev.Records)
	corrupt.Records[1].Kinesis.Data = withDigest([]byte{0x1a, 0x05, 0x08}) // a Record field cut short
	calls := 0
	resp := (&Processor{Log: quiet()}).Kinesis(context.Background(), corrupt, func(ctx context.Context, r KinesisRecord) error {
		calls++
		return nil
	})
	ids := seqIDs(resp.BatchItemFailures, func(f events.KinesisBatchItemFailure) string { return f.ItemIdentifier })
	if want := []string{ev.Records[1].Kinesis.SequenceNumber, ev.Records[2].Kinesis.SequenceNumber, ev.Records[3].Kinesis.SequenceNumber}; !slices.Equal(ids, want) {
		t.Errorf("got failures %v, want %v", ids, want)
	}
	if calls != 1 {
		t.Errorf("got %d handler calls, want 1 (the record before the corrupt one)", calls)
	}
}

func TestRecordID(t *testing.T) {
	std := load[events.SQSEvent](t, "sqs-standard-event.json")
	var ids []string
	SQS(context.Background(), std, func(ctx context.Context, m events.SQSMessage) error {
		id, ok := RecordID(ctx)
		if !ok {
			t.Error("got no record ID in a handler's context")
		}
		ids = append(ids, id)
		return nil
	})
	if want := []string{"msg-1", "msg-2", "msg-3", "msg-4"}; !slices.Equal(ids, want) {
		t.Errorf("got IDs %v, want %v", ids, want)
	}
	if _, ok := RecordID(context.Background()); ok {
		t.Error("got a record ID from a plain context, want none")
	}
}

// The response's list is never nil: `[]` tells the event source mapping
// that every record succeeded.
func TestEmptyResponseIsAList(t *testing.T) {
	b, err := json.Marshal(SQS(context.Background(), events.SQSEvent{}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"batchItemFailures":[]}` {
		t.Errorf("got %s, want {\"batchItemFailures\":[]}", b)
	}
}
