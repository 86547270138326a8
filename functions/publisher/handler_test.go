package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/batchsend"
	"github.com/example/orderflow/runtime/logging"
)

// fakeSQS records the order IDs of each call. reject, when set, fails the
// entries it returns true for; callErr, when set, may fail whole calls.
type fakeSQS struct {
	mu      sync.Mutex
	calls   [][]string
	reject  func(call int, orderID string) bool
	callErr func(ctx context.Context, call int) error
}

func (f *fakeSQS) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	f.mu.Lock()
	call := len(f.calls)
	var ids []string
	for _, e := range in.Entries {
		var m orders.KitchenMessage
		if err := json.Unmarshal([]byte(aws.ToString(e.MessageBody)), &m); err != nil {
			f.mu.Unlock()
			return nil, fmt.Errorf("fake: bad body %q", aws.ToString(e.MessageBody))
		}
		ids = append(ids, m.OrderID)
	}
	f.calls = append(f.calls, ids)
	f.mu.Unlock()
	if f.callErr != nil {
		if err := f.callErr(ctx, call); err != nil {
			return nil, err
		}
	}
	out := &sqs.SendMessageBatchOutput{}
	for i, e := range in.Entries {
		if f.reject != nil && f.reject(call, ids[i]) {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError")})
			continue
		}
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String("m")})
	}
	return out, nil
}

func (f *fakeSQS) sent() []string {
	var all []string
	for _, c := range f.calls {
		all = append(all, c...)
	}
	return all
}

// acceptAll accepts every entry and records nothing (for benchmarks).
type acceptAll struct{}

func (acceptAll) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	out := &sqs.SendMessageBatchOutput{Successful: make([]types.SendMessageBatchResultEntry, len(in.Entries))}
	for i, e := range in.Entries {
		out.Successful[i].Id = e.Id
	}
	return out, nil
}

// kitchenQueue is the production sender over a fake SQS, without retries:
// each rejected entry is one call's (retries are batchsend's, tested there).
func kitchenQueue(c batchsend.SendMessageBatchAPI) *orders.KitchenQueue {
	return &orders.KitchenQueue{Sender: &batchsend.SQS{Client: c, QueueURL: "https://queue", Retry: batchsend.Retry{MaxAttempts: 1}}}
}

func loadEvent(t testing.TB, name string) events.DynamoDBEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

func seqs(ev events.DynamoDBEvent, from int) []string {
	var s []string
	for _, r := range ev.Records[from:] {
		s = append(s, r.Change.SequenceNumber)
	}
	return s
}

func failures(resp events.DynamoDBEventResponse) []string {
	var s []string
	for _, f := range resp.BatchItemFailures {
		s = append(s, f.ItemIdentifier)
	}
	return s
}

// inserts builds an event of n INSERTs of orders "o-0".."o-(n-1)" in stream
// order, reusing a fixture record's shape.
func inserts(t testing.TB, n int) events.DynamoDBEvent {
	proto := loadEvent(t, "dynamodb-event-keys-only.json").Records[0]
	ev := events.DynamoDBEvent{}
	for i := range n {
		r := proto
		r.Change.Keys = map[string]events.DynamoDBAttributeValue{"orderId": events.NewStringAttribute(fmt.Sprintf("o-%d", i))}
		r.Change.SequenceNumber = fmt.Sprintf("%d", 1000+i)
		ev.Records = append(ev.Records, r)
	}
	return ev
}

func TestHandleFixtures(t *testing.T) {
	tests := []struct {
		file     string
		wantSent []string
	}{
		{file: "dynamodb-event.json", wantSent: []string{"o-1", "o-2", "o-5"}},
		{file: "dynamodb-event-keys-only.json", wantSent: []string{"o-6"}},
		// o-7 and o-8 have images that do not decode: sent by their keys.
		{file: "dynamodb-event-malformed.json", wantSent: []string{"o-7", "o-8", "o-9"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			q := &fakeSQS{}
			h := &Handler{Queue: kitchenQueue(q), Log: logging.New(io.Discard)}
			resp, err := h.Handle(context.Background(), loadEvent(t, tt.file))
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if got := failures(resp); len(got) != 0 {
				t.Errorf("got failures %v, want none", got)
			}
			if got := q.sent(); !slices.Equal(got, tt.wantSent) {
				t.Errorf("got sent %v, want %v", got, tt.wantSent)
			}
			if len(q.calls) != 1 {
				t.Errorf("got %d calls, want 1", len(q.calls))
			}
		})
	}
}

// TestHandleUndecodableImages: an INSERT whose image does not decode is sent
// by its key (the kitchen reads the order itself), with a WARN line; a record
// with no usable orderId key, another kind of item, or a MODIFY is skipped.
func TestHandleUndecodableImages(t *testing.T) {
	proto := loadEvent(t, "dynamodb-event.json").Records[0] // INSERT o-1
	with := func(name, attr string, v events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
		r := proto
		r.EventName = name
		r.Change.NewImage = maps.Clone(proto.Change.NewImage)
		r.Change.NewImage[attr] = v
		return r
	}
	item := func(qty string) events.DynamoDBAttributeValue {
		return events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{
			"sku": events.NewStringAttribute("TEA"), "quantity": events.NewNumberAttribute(qty), "unitPriceCents": events.NewNumberAttribute("300"),
		})})
	}
	noKey := proto
	noKey.Change.Keys = map[string]events.DynamoDBAttributeValue{"orderId": events.NewNumberAttribute("7")}
	tests := []struct {
		name     string
		record   events.DynamoDBEventRecord
		wantSent []string
		wantLog  string // the record's log line: level and message
	}{
		{name: "quantity not an integer", record: with("INSERT", "items", item("1.5")),
			wantSent: []string{"o-1"}, wantLog: "WARN INSERT image does not decode; sending the order by its key"},
		{name: "createdAt not a time", record: with("INSERT", "createdAt", events.NewStringAttribute("yesterday")),
			wantSent: []string{"o-1"}, wantLog: "WARN INSERT image does not decode; sending the order by its key"},
		{name: "total out of range", record: with("INSERT", "totalCents", events.NewNumberAttribute("99999999999999999999")),
			wantSent: []string{"o-1"}, wantLog: "WARN INSERT image does not decode; sending the order by its key"},
		{name: "image orderId differs from its key: the key is sent", record: with("INSERT", "orderId", events.NewStringAttribute("o-other")),
			wantSent: []string{"o-1"}, wantLog: "WARN INSERT image does not decode; sending the order by its key"},
		{name: "orderId key not a string: skipped", record: noKey,
			wantLog: "INFO skipped record: not an order"},
		{name: "another kind of item: skipped", record: with("INSERT", "status", events.NewStringAttribute("ARCHIVED")),
			wantLog: "INFO skipped record: not an order"},
		{name: "MODIFY that does not decode: skipped", record: with("MODIFY", "createdAt", events.NewStringAttribute("yesterday")),
			wantLog: "ERROR skipped record: does not decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &fakeSQS{}
			var buf bytes.Buffer
			h := &Handler{Queue: kitchenQueue(q), Log: logging.New(&buf)}
			resp, err := h.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{tt.record}})
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("got (%v, %v), want no failures", resp.BatchItemFailures, err)
			}
			if got := q.sent(); !slices.Equal(got, tt.wantSent) {
				t.Errorf("got sent %v, want %v", got, tt.wantSent)
			}
			var line struct{ Level, Msg string }
			if err := json.Unmarshal(bytes.SplitN(buf.Bytes(), []byte("\n"), 2)[0], &line); err != nil {
				t.Fatalf("got log %q: %v", buf.String(), err)
			}
			if got := line.Level + " " + line.Msg; got != tt.wantLog {
				t.Errorf("got log line %q, want %q", got, tt.wantLog)
			}
		})
	}
}

func TestHandleFailures(t *testing.T) {
	fixture := loadEvent(t, "dynamodb-event.json")
	modifyFirst := loadEvent(t, "dynamodb-event.json")
	modifyFirst.Records = modifyFirst.Records[1:] // MODIFY, INSERT o-2, ...
	big := inserts(t, 25)
	throttled := errors.New("throttled")

	tests := []struct {
		name      string
		ev        events.DynamoDBEvent
		q         *fakeSQS
		timeout   time.Duration // 0: no deadline
		wantFrom  int           // first reported record; len(Records) means none
		wantCalls int
	}{
		{
			name:     "entry rejected reports it and every later record",
			ev:       fixture,
			q:        &fakeSQS{reject: func(_ int, id string) bool { return id == "o-2" }},
			wantFrom: 2, wantCalls: 1,
		},
		{
			name:     "first entry rejected",
			ev:       fixture,
			q:        &fakeSQS{reject: func(_ int, id string) bool { return id == "o-1" }},
			wantFrom: 0, wantCalls: 1,
		},
		{
			name:     "whole call fails from the first insert",
			ev:       modifyFirst,
			q:        &fakeSQS{callErr: func(context.Context, int) error { return throttled }},
			wantFrom: 1, wantCalls: 1,
		},
		{
			name:     "failure in second batch stops the third",
			ev:       big,
			q:        &fakeSQS{reject: func(_ int, id string) bool { return id == "o-13" }},
			wantFrom: 13, wantCalls: 2,
		},
		{
			name:     "deadline already within margin sends nothing",
			ev:       modifyFirst,
			q:        &fakeSQS{},
			timeout:  500 * time.Millisecond,
			wantFrom: 1, wantCalls: 0,
		},
		{
			name: "deadline reached during second batch",
			ev:   big,
			q: &fakeSQS{callErr: func(ctx context.Context, call int) error {
				if call == 0 {
					return nil
				}
				<-ctx.Done() // a slow call, cancelled at the margin
				return ctx.Err()
			}},
			timeout:  1200 * time.Millisecond,
			wantFrom: 10, wantCalls: 2,
		},
		{
			name:     "no failures",
			ev:       big,
			q:        &fakeSQS{},
			wantFrom: 25, wantCalls: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			h := &Handler{Queue: kitchenQueue(tt.q), Log: logging.New(io.Discard), Margin: time.Second}
			resp, err := h.Handle(ctx, tt.ev)
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if got, want := failures(resp), seqs(tt.ev, tt.wantFrom); !slices.Equal(got, want) {
				t.Errorf("got failures %v, want %v", got, want)
			}
			if len(tt.q.calls) != tt.wantCalls {
				t.Errorf("got %d calls, want %d", len(tt.q.calls), tt.wantCalls)
			}
		})
	}
}

func TestHandleLogs(t *testing.T) {
	var buf bytes.Buffer
	h := &Handler{Queue: kitchenQueue(&fakeSQS{}), Log: logging.New(&buf)}
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-42"})
	if _, err := h.Handle(ctx, loadEvent(t, "dynamodb-event.json")); err != nil {
		t.Fatal(err)
	}
	var skipped []string
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("got non-JSON log line %q", sc.Text())
		}
		if line["requestId"] != "req-42" {
			t.Errorf("got requestId %v, want req-42 in %s", line["requestId"], sc.Text())
		}
		if strings.HasPrefix(fmt.Sprint(line["msg"]), "skipped") {
			skipped = append(skipped, fmt.Sprint(line["sequenceNumber"]))
		}
		if line["ttlDelete"] == true && line["orderId"] != "o-3" {
			t.Errorf("got ttlDelete for %v, want only o-3", line["orderId"])
		}
		// A line about an order names it (a record that does not decode
		// names what it could read); records that are not orders and the
		// batch summary have none.
		switch msg := fmt.Sprint(line["msg"]); msg {
		case "skipped record: not an order", "reporting batch item failures":
		default:
			if _, ok := line["orderId"]; !ok {
				t.Errorf("log line %s has no orderId", sc.Text())
			}
		}
	}
	ev := loadEvent(t, "dynamodb-event.json")
	want := []string{ev.Records[1].Change.SequenceNumber, ev.Records[3].Change.SequenceNumber,
		ev.Records[4].Change.SequenceNumber, ev.Records[5].Change.SequenceNumber}
	if !slices.Equal(skipped, want) {
		t.Errorf("got skip lines for %v, want %v", skipped, want)
	}
}

// decodeEvent decodes data as the Lambda runtime would before Handle runs.
// aws-lambda-go v1.55.1's DynamoDBAttributeValue.UnmarshalJSON panics with a
// *runtime.TypeAssertionError on a "BS" list holding a non-string (an
// unchecked assertion in unmarshalBinarySet); the runtime recovers that as a
// failed invocation before any of this code runs, so such inputs are skipped
// here rather than reported as a bug of this function. Other panics propagate.
func decodeEvent(t *testing.T, data []byte) (ev events.DynamoDBEvent, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, upstream := r.(*runtime.TypeAssertionError); !upstream {
				panic(r)
			}
			t.Skipf("aws-lambda-go decoder panic: %v", r)
		}
	}()
	return ev, json.Unmarshal(data, &ev) == nil
}

func FuzzHandle(f *testing.F) {
	// Seeds: each fixture record alone, compacted. Small seeds keep the
	// fuzzer's minimization of new inputs short, so it spends its time fuzzing.
	for _, name := range []string{"dynamodb-event.json", "dynamodb-event-keys-only.json", "dynamodb-event-malformed.json"} {
		var ev struct{ Records []json.RawMessage }
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			f.Fatal(err)
		}
		for _, r := range ev.Records {
			var buf bytes.Buffer
			if err := json.Compact(&buf, r); err != nil {
				f.Fatal(err)
			}
			f.Add([]byte(`{"Records":[` + buf.String() + `]}`))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, ok := decodeEvent(t, data)
		if !ok {
			return
		}
		var want []string
		for _, r := range ev.Records {
			// Every INSERT of an order is sent by its key, whether or not
			// its image decodes; a record without a string orderId key, or
			// whose image says it is another kind of item, is not an order.
			c, err := orders.DecodeStreamRecord(r)
			if c.Op != events.DynamoDBOperationTypeInsert || errors.Is(err, orders.ErrNotOrder) {
				continue
			}
			if c.OrderID == "" {
				t.Fatalf("decoded an insert with no orderId (error %v) from %s", err, data)
			}
			want = append(want, c.OrderID)
		}
		q := &fakeSQS{}
		h := &Handler{Queue: kitchenQueue(q), Log: slog.New(slog.DiscardHandler)}
		resp, err := h.Handle(context.Background(), ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("got (%v, %v), want no failures with an accepting queue", resp, err)
		}
		if got := q.sent(); !slices.Equal(got, want) {
			t.Fatalf("got sent %v, want %v", got, want)
		}
	})
}

func BenchmarkDecodeOnly(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "dynamodb-event.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHandle(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "dynamodb-event.json"))
	if err != nil {
		b.Fatal(err)
	}
	h := &Handler{Queue: kitchenQueue(acceptAll{}), Log: logging.New(io.Discard)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			b.Fatal(err)
		}
		if resp, _ := h.Handle(ctx, ev); len(resp.BatchItemFailures) != 0 {
			b.Fatal("unexpected failures")
		}
	}
}
