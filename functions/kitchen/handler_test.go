package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/logging"
	"github.com/example/orderflow/runtime/metrics/metricstest"
)

// Order IDs and message IDs of the fixtures.
const (
	idA      = "ord_KJZG2YLUMVZXIX3PNRSGK4RAMI"
	idB      = "ord_MFRGGZDFMZTWQ2LKNNWG23TPOA"
	msgA     = "059f36b4-87a3-44ab-83d2-661975830a7d"
	msgB     = "2e1424d4-f796-459a-8184-9c92662be6da"
	msgJunk  = "7d1c2a8e-4b0f-4d55-9a7e-1f2b3c4d5e6f" // body "Message Body"
	msgDupA  = "c2b1a0f9-8e7d-4c6b-a5f4-e3d2c1b0a9f8" // same order as msgA
	msgGhost = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" // an order not in the table
	msgEmpty = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9" // orderId ""
)

// fakeOrders models the table's conditional writes the way orders.Store.Advance
// reports them. Unknown statuses are kept, as a real table would.
type fakeOrders struct {
	status  map[string]orders.Status
	errs    map[string]error // returned for that order instead of writing
	calls   int
	onCall  func()
	autoAdd bool // unknown orders start PENDING (fuzzing)
}

func (f *fakeOrders) Advance(_ context.Context, id string, from, to orders.Status) (bool, error) {
	f.calls++
	if f.onCall != nil {
		f.onCall()
	}
	if err := f.errs[id]; err != nil {
		return false, err
	}
	cur, ok := f.status[id]
	if !ok && f.autoAdd {
		cur, ok = orders.StatusPending, true
	}
	rank := map[orders.Status]int{orders.StatusPending: 1, orders.StatusPreparing: 2, orders.StatusReady: 3}
	switch {
	case !ok:
		return false, fmt.Errorf("advance order %s: %w", id, orders.ErrNotFound)
	case cur == from:
		f.status[id] = to
		return true, nil
	case rank[cur] >= rank[to]:
		return false, nil
	}
	return false, fmt.Errorf("advance order %s: status is %q: %w", id, cur, orders.ErrWrongState)
}

// fakeEvents records what the handler publishes, one slice per Publish
// call, and fails the events of the orders in fail.
type fakeEvents struct {
	calls [][]orderevents.OrderReady
	fail  map[string]error
	short bool // answer with one result too few
}

func (f *fakeEvents) Publish(_ context.Context, evs []orderevents.OrderReady) []error {
	f.calls = append(f.calls, append([]orderevents.OrderReady(nil), evs...))
	errs := make([]error, len(evs))
	for i, e := range evs {
		errs[i] = f.fail[e.OrderID]
	}
	if f.short {
		errs = errs[:len(errs)-1]
	}
	return errs
}

// published returns the order IDs of every event published, in order,
// checking that each event is the order's one and only OrderReady.
func (f *fakeEvents) published(t *testing.T) []string {
	t.Helper()
	ids := []string{}
	for _, call := range f.calls {
		for _, e := range call {
			if e != orderevents.NewOrderReady(e.OrderID) {
				t.Errorf("published %+v, want orderevents.NewOrderReady(%q)", e, e.OrderID)
			}
			ids = append(ids, e.OrderID)
		}
	}
	return ids
}

func loadEvent(t testing.TB, name string) events.SQSEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

func lambdaCtx() context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-9"})
}

func failedIDs(resp events.SQSEventResponse) []string {
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name         string
		fixture      string
		status       map[string]orders.Status
		errs         map[string]error
		wantFailed   []string
		wantStatus   map[string]orders.Status
		wantCalls    int
		wantPrepared int64 // OrdersPrepared: orders this batch made READY
		failEvents   map[string]error
		wantEvents   []string // order IDs of the OrderReady events published, in order
		wantLog      []string
		wantNotInLog string
	}{
		{name: "new orders made ready", fixture: "sqs-event.json",
			status:     map[string]orders.Status{idA: "PENDING", idB: "PENDING"},
			wantFailed: []string{}, wantStatus: map[string]orders.Status{idA: "READY", idB: "READY"}, wantCalls: 4, wantPrepared: 2,
			wantEvents: []string{idA, idB},
			wantLog:    []string{`"msg":"order ready","orderId":"` + idA + `","messageId":"` + msgA + `","requestId":"req-9"`}},
		// The events are put again: the first delivery may have crashed
		// between the READY write and PutEvents.
		{name: "redelivery changes nothing, puts the same events again", fixture: "sqs-event.json",
			status:     map[string]orders.Status{idA: "READY", idB: "READY"},
			wantFailed: []string{}, wantStatus: map[string]orders.Status{idA: "READY", idB: "READY"}, wantCalls: 4,
			wantEvents:   []string{idA, idB},
			wantNotInLog: "order ready"},
		{name: "crash between the writes is finished", fixture: "sqs-event.json",
			status:     map[string]orders.Status{idA: "PREPARING", idB: "PENDING"},
			wantFailed: []string{}, wantStatus: map[string]orders.Status{idA: "READY", idB: "READY"}, wantCalls: 4, wantPrepared: 2,
			wantEvents: []string{idA, idB}},
		{name: "order in an unknown state fails", fixture: "sqs-event.json",
			status:     map[string]orders.Status{idA: "CANCELLED", idB: "PENDING"},
			wantFailed: []string{msgA}, wantStatus: map[string]orders.Status{idA: "CANCELLED", idB: "READY"}, wantCalls: 3, wantPrepared: 1,
			wantEvents: []string{idB},
			wantLog:    []string{`"level":"ERROR","msg":"advance failed","orderId":"` + idA}},
		{name: "store error fails only that record", fixture: "sqs-event.json",
			status:     map[string]orders.Status{idA: "PENDING", idB: "PENDING"},
			errs:       map[string]error{idA: errors.New("ProvisionedThroughputExceededException")},
			wantFailed: []string{msgA}, wantStatus: map[string]orders.Status{idA: "PENDING", idB: "READY"}, wantCalls: 3, wantPrepared: 1,
			wantEvents: []string{idB},
			wantLog:    []string{`"error":"ProvisionedThroughputExceededException"`}},
		{name: "mixed batch: malformed, duplicate, unknown order", fixture: "sqs-event-mixed.json",
			status:     map[string]orders.Status{idA: "PENDING"},
			wantFailed: []string{msgJunk, msgGhost, msgEmpty}, wantStatus: map[string]orders.Status{idA: "READY"},
			wantCalls: 3, wantPrepared: 1, // idA twice, the unknown order once, the duplicate not at all
			wantEvents: []string{idA}, // once, for both of its messages
			wantLog: []string{
				`"level":"ERROR","msg":"malformed kitchen message: reported as failed so it reaches the DLQ","messageId":"` + msgJunk,
				`"level":"WARN","msg":"order not found: will retry, then DLQ","orderId":"ord_NBSWY3DPEB3W64TMMQQQ2DLMN4"`,
				`invalid orderId \"\"`,
			}},
		{name: "duplicate shares the first copy's failure", fixture: "sqs-event-mixed.json",
			status:     map[string]orders.Status{},
			wantFailed: []string{msgA, msgJunk, msgDupA, msgGhost, msgEmpty}, wantStatus: map[string]orders.Status{},
			wantCalls: 2, wantEvents: []string{}},
		{name: "event not put: the order's messages fail, the write stays", fixture: "sqs-event.json",
			status:     map[string]orders.Status{idA: "PENDING", idB: "PENDING"},
			failEvents: map[string]error{idA: errors.New("eventbridge rejected entry: InternalFailure")},
			wantFailed: []string{msgA}, wantStatus: map[string]orders.Status{idA: "READY", idB: "READY"}, wantCalls: 4, wantPrepared: 2,
			wantEvents: []string{idA, idB},
			wantLog: []string{`"level":"ERROR","msg":"OrderReady not put: message left for redelivery, then DLQ","orderId":"` + idA + `","messageId":"` + msgA +
				`","eventId":"` + orderevents.EventID(idA) + `","error":"eventbridge rejected entry: InternalFailure"`}},
		{name: "event not put: a duplicate's message fails too", fixture: "sqs-event-mixed.json",
			status:     map[string]orders.Status{idA: "PENDING"},
			failEvents: map[string]error{idA: errors.New("RequestTimeout")},
			wantFailed: []string{msgA, msgJunk, msgDupA, msgGhost, msgEmpty}, wantStatus: map[string]orders.Status{idA: "READY"},
			wantCalls: 3, wantPrepared: 1, wantEvents: []string{idA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			fake := &fakeOrders{status: tt.status, errs: tt.errs}
			evs := &fakeEvents{fail: tt.failEvents}
			h := &Handler{Orders: fake, Events: evs, Log: logging.New(&log), Metrics: ordermetrics.New(&log, "kitchen", "test")}
			ctx, cancel := context.WithTimeout(lambdaCtx(), time.Minute)
			defer cancel()
			resp, err := h.Handle(ctx, loadEvent(t, tt.fixture))
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if got := failedIDs(resp); !reflect.DeepEqual(got, tt.wantFailed) {
				t.Errorf("got failures %v, want %v", got, tt.wantFailed)
			}
			if !reflect.DeepEqual(fake.status, tt.wantStatus) {
				t.Errorf("got statuses %v, want %v", fake.status, tt.wantStatus)
			}
			if fake.calls != tt.wantCalls {
				t.Errorf("got %d Advance calls, want %d", fake.calls, tt.wantCalls)
			}
			if got := evs.published(t); !reflect.DeepEqual(got, tt.wantEvents) {
				t.Errorf("got OrderReady events of %v, want %v", got, tt.wantEvents)
			}
			if len(evs.calls) > 1 {
				t.Errorf("got %d Publish calls, want at most 1 per batch", len(evs.calls))
			}
			for _, want := range tt.wantLog {
				if !strings.Contains(log.String(), want) {
					t.Errorf("got log %s, want it to contain %s", log.String(), want)
				}
			}
			if tt.wantNotInLog != "" && strings.Contains(log.String(), tt.wantNotInLog) {
				t.Errorf("got log %s, want no %q", log.String(), tt.wantNotInLog)
			}
			lines := metricstest.Lines(t, log.Bytes())
			if len(lines) != 1 {
				t.Fatalf("got %d EMF lines, want 1 per batch", len(lines))
			}
			if got, ok := lines[0].Values[ordermetrics.OrdersPrepared]; !ok || got != float64(tt.wantPrepared) {
				t.Errorf("OrdersPrepared: got %v (present %v), want %d", got, ok, tt.wantPrepared)
			}
			if lines[0].Dimensions[ordermetrics.DimensionService] != "kitchen" || lines[0].Properties["requestId"] != "req-9" {
				t.Errorf("EMF line: got %+v, want Service kitchen and requestId req-9", lines[0])
			}
			checkLogLines(t, log.Bytes())
		})
	}
}

// checkLogLines checks every log line of out (EMF lines aside): JSON with
// the requestId, and an orderId and messageId on each line about an order:
// every line but those about a malformed message (no valid orderId), the
// deadline (about the rest of the batch) and the batch's failure summary
// (the runtime's batch.Processor).
func checkLogLines(t *testing.T, out []byte) {
	t.Helper()
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Errorf("log line %s is not JSON: %v", line, err)
			continue
		}
		if rec["_aws"] != nil {
			continue
		}
		if rec["requestId"] != "req-9" {
			t.Errorf("log line %s: requestId %v, want req-9", line, rec["requestId"])
		}
		msg, _ := rec["msg"].(string)
		if strings.HasPrefix(msg, "malformed kitchen message") || strings.HasPrefix(msg, "deadline near") || msg == "reporting batch item failures" {
			continue
		}
		if id, _ := rec["orderId"].(string); id == "" || rec["messageId"] == nil {
			t.Errorf("log line %s: want an orderId and a messageId", line)
		}
	}
}

func TestHandleDeadline(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	ev := events.SQSEvent{}
	status := map[string]orders.Status{}
	for i := range 4 {
		id := fmt.Sprintf("ord_%d", i)
		status[id] = orders.StatusPending
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), Body: `{"orderId":"` + id + `"}`})
	}
	tests := []struct {
		name       string
		deadline   time.Duration // after t0; 0: no deadline
		wantFailed []string
		wantCalls  int
	}{
		// Each Advance call takes 1 s of fake time; a record is two calls.
		{name: "no deadline: all processed", wantFailed: []string{}, wantCalls: 8},
		{name: "ample time: all processed", deadline: time.Hour, wantFailed: []string{}, wantCalls: 8},
		{name: "records past the margin left for redelivery", deadline: 5 * time.Second,
			wantFailed: []string{"m2", "m3"}, wantCalls: 4}, // m0 starts with 5 s left, m1 with 3 s, m2 would with 1 s
		{name: "exactly the margin left: record started", deadline: 4 * time.Second,
			wantFailed: []string{"m2", "m3"}, wantCalls: 4}, // m1 starts with 2 s left
		{name: "just under the margin left: record not started", deadline: 4*time.Second - time.Millisecond,
			wantFailed: []string{"m1", "m2", "m3"}, wantCalls: 2},
		{name: "already inside the margin: nothing started", deadline: time.Second,
			wantFailed: []string{"m0", "m1", "m2", "m3"}, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0
			fake := &fakeOrders{status: maps.Clone(status), onCall: func() { now = now.Add(time.Second) }}
			evs := &fakeEvents{}
			h := &Handler{Orders: fake, Events: evs, Log: slog.New(slog.DiscardHandler), Margin: 2 * time.Second,
				Now: func() time.Time { return now }}
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, t0.Add(tt.deadline))
				defer cancel()
			}
			resp, _ := h.Handle(ctx, ev)
			if got := failedIDs(resp); !reflect.DeepEqual(got, tt.wantFailed) {
				t.Errorf("got failures %v, want %v", got, tt.wantFailed)
			}
			if fake.calls != tt.wantCalls {
				t.Errorf("got %d Advance calls, want %d", fake.calls, tt.wantCalls)
			}
			// The orders made READY before the deadline still get their
			// events: the margin leaves time for one PutEvents call.
			if got, want := len(evs.published(t)), tt.wantCalls/2; got != want {
				t.Errorf("got %d events published, want %d (one per order made READY)", got, want)
			}
		})
	}
}

// A publisher that answers with fewer results than events: the events it
// said nothing about count as not put.
func TestHandlePublisherShortAnswer(t *testing.T) {
	fake := &fakeOrders{status: map[string]orders.Status{idA: "PENDING", idB: "PENDING"}}
	h := &Handler{Orders: fake, Events: &fakeEvents{short: true}, Log: slog.New(slog.DiscardHandler)}
	resp, _ := h.Handle(context.Background(), loadEvent(t, "sqs-event.json"))
	if got, want := failedIDs(resp), []string{msgB}; !reflect.DeepEqual(got, want) {
		t.Errorf("got failures %v, want %v", got, want)
	}
}

func TestDefaultMargin(t *testing.T) {
	h := &Handler{}
	if got := h.margin(); got != DefaultDeadlineMargin {
		t.Errorf("got margin %v, want %v", got, DefaultDeadlineMargin)
	}
}

// FuzzHandle drives message bodies through decoding: every order exists, so a
// record fails exactly when its body is malformed. The body is sent twice in
// one batch to check that duplicates are safe. Seeds: the fixtures' bodies.
func FuzzHandle(f *testing.F) {
	for _, name := range []string{"sqs-event.json", "sqs-event-mixed.json"} {
		for _, r := range loadEvent(f, name).Records {
			f.Add(r.Body)
		}
	}
	f.Add(`{"orderId":"ord_1","extra":[1,2]}`)
	f.Add(`{"orderId":null}`)
	f.Add(`{"ORDERID":"x"} `)
	f.Fuzz(func(t *testing.T, body string) {
		fake := &fakeOrders{status: map[string]orders.Status{}, autoAdd: true}
		evs := &fakeEvents{}
		h := &Handler{Orders: fake, Events: evs, Log: slog.New(slog.DiscardHandler)}
		ev := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", Body: body}, {MessageId: "m2", Body: body}}}
		resp, err := h.Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		switch got := failedIDs(resp); {
		case len(got) == 2:
			if fake.calls != 0 || len(evs.calls) != 0 {
				t.Fatalf("got %d Advance calls and %d Publish calls for malformed body %q, want none", fake.calls, len(evs.calls), body)
			}
		case len(got) == 0:
			if fake.calls != 2 || len(fake.status) != 1 {
				t.Fatalf("got %d calls on %d orders for body %q, want 2 on 1 (duplicate skipped)", fake.calls, len(fake.status), body)
			}
			for id, st := range fake.status {
				if !orders.ValidID(id) || st != orders.StatusReady {
					t.Fatalf("got order %q %s for body %q, want a valid ID, READY", id, st, body)
				}
				if got := evs.published(t); len(got) != 1 || got[0] != id {
					t.Fatalf("got events of %q for body %q, want one, of %s", got, body, id)
				}
			}
		default:
			t.Fatalf("got failures %v for two copies of %q, want both or neither", got, body)
		}
	})
}

// readyOrders accepts every step and noEvents every event, so benchmarks
// measure the handler.
type (
	readyOrders struct{}
	noEvents    struct{}
)

func (readyOrders) Advance(context.Context, string, orders.Status, orders.Status) (bool, error) {
	return true, nil
}

func (noEvents) Publish(_ context.Context, evs []orderevents.OrderReady) []error {
	return make([]error, len(evs))
}

// BenchmarkHandle: decode the fixture's event JSON and handle it (the full
// per-invocation cost past the runtime). Compare with BenchmarkDecodeOnly.
func BenchmarkHandle(b *testing.B) {
	raw, err := os.ReadFile("testdata/sqs-event.json")
	if err != nil {
		b.Fatal(err)
	}
	h := &Handler{Orders: readyOrders{}, Events: noEvents{}, Log: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			b.Fatal(err)
		}
		if resp, _ := h.Handle(ctx, ev); len(resp.BatchItemFailures) != 0 {
			b.Fatalf("got failures %v, want none", resp.BatchItemFailures)
		}
	}
}

// BenchmarkDecodeOnly is the floor: decoding the same event JSON, no handling.
func BenchmarkDecodeOnly(b *testing.B) {
	raw, err := os.ReadFile("testdata/sqs-event.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			b.Fatal(err)
		}
	}
}
