package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/runtime/idempotency"
	"github.com/example/orderflow/runtime/idempotency/idempotencytest"
	"github.com/example/orderflow/runtime/logging"
	"github.com/example/orderflow/runtime/metrics/metricstest"
)

// One notification per order and event kind: a redelivered event and one
// replayed from the archive (another envelope id, a replay-name) find the
// record and publish nothing; a failed publish leaves no record, so its
// retry publishes.
func TestOneNotificationPerEvent(t *testing.T) {
	first := loadEvent(t, "order-ready.json")
	replayed := loadEvent(t, "order-ready-replayed.json") // same detail, other id, replay-name
	tests := []struct {
		name      string
		events    []Event
		failFirst bool // SNS refuses the first publish
		wantPub   int  // SNS Publish calls
		wantErrs  []bool
		wantSkip  int // "already published" lines
	}{
		{name: "first delivery publishes", events: []Event{first}, wantPub: 1, wantErrs: []bool{false}},
		{name: "redelivery publishes nothing", events: []Event{first, first}, wantPub: 1, wantErrs: []bool{false, false}, wantSkip: 1},
		{name: "archive replay publishes nothing", events: []Event{first, replayed}, wantPub: 1, wantErrs: []bool{false, false}, wantSkip: 1},
		{name: "a failed publish is retried and publishes then", events: []Event{first, first}, failFirst: true,
			wantPub: 2, wantErrs: []bool{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			topic := &fakeSNS{}
			table := idempotencytest.New()
			h := &Handler{Topic: topic, TopicARN: topicARN, Log: logging.New(&out),
				Guard:   &idempotency.Guard{Client: table, Table: "Idempotency", Prefix: "notifier"},
				Metrics: ordermetrics.New(&out, "notifier", "test")}
			for i, ev := range tt.events {
				topic.err = nil
				if tt.failFirst && i == 0 {
					topic.err = errors.New("KMSThrottling")
				}
				err := h.Handle(lambdaCtx(), ev)
				if got := err != nil; got != tt.wantErrs[i] {
					t.Errorf("delivery %d: got error %v, want error: %v", i, err, tt.wantErrs[i])
				}
			}
			if len(topic.inputs) != tt.wantPub {
				t.Errorf("got %d publishes, want %d", len(topic.inputs), tt.wantPub)
			}
			if got := strings.Count(out.String(), "notification already published"); got != tt.wantSkip {
				t.Errorf("got %d skip lines, want %d:\n%s", got, tt.wantSkip, out.String())
			}
			if got := metricstest.Totals(t, out.Bytes())[ordermetrics.NotificationsSent]; got != 1 {
				t.Errorf("NotificationsSent: got %v, want 1", got)
			}
			if table.Len() != 1 {
				t.Errorf("got %d records, want 1 (the event's)", table.Len())
			}
		})
	}
}

// The key is the event's kind and eventId; the envelope (id, time,
// replay-name) is not part of it.
func TestIdempotencyKey(t *testing.T) {
	e := orderevents.NewOrderReady(orderID)
	if got, want := IdempotencyKey(e), "OrderReady#"+eventID; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// An eventId seen with another order is not the kitchen's (its eventIds
// derive from the order): rejected as invalid, nothing published.
func TestReusedEventIDWithAnotherOrder(t *testing.T) {
	topic := &fakeSNS{}
	h := &Handler{Topic: topic, TopicARN: topicARN, Log: logging.New(&bytes.Buffer{}),
		Guard: &idempotency.Guard{Client: idempotencytest.New(), Table: "Idempotency", Prefix: "notifier"}}
	if err := h.Handle(lambdaCtx(), loadEvent(t, "order-ready.json")); err != nil {
		t.Fatal(err)
	}
	forged := loadEvent(t, "order-ready.json")
	forged.Detail = json.RawMessage(`{"eventId":"` + eventID + `","orderId":"ord_OTHER"}`)
	err := h.Handle(lambdaCtx(), forged)
	var inv *InvalidEventError
	if !errors.As(err, &inv) || !errors.Is(err, idempotency.ErrPayloadMismatch) {
		t.Errorf("got %v, want an *InvalidEventError wrapping ErrPayloadMismatch", err)
	}
	if len(topic.inputs) != 1 {
		t.Errorf("got %d publishes, want 1", len(topic.inputs))
	}
}

// A copy arriving while the first still publishes is told so and retried
// by Lambda: it publishes nothing.
func TestConcurrentCopyIsInProgress(t *testing.T) {
	table := idempotencytest.New()
	guard := &idempotency.Guard{Client: table, Table: "Idempotency", Prefix: "notifier"}
	var inner error
	var h *Handler
	topic := &hookSNS{fakeSNS: &fakeSNS{}}
	topic.before = func() {
		ctx, cancel := context.WithTimeout(lambdaCtx(), time.Minute)
		defer cancel()
		inner = h.Handle(ctx, loadEvent(t, "order-ready.json"))
	}
	h = &Handler{Topic: topic, TopicARN: topicARN, Log: logging.New(&bytes.Buffer{}), Guard: guard}
	ctx, cancel := context.WithTimeout(lambdaCtx(), time.Minute)
	defer cancel()
	if err := h.Handle(ctx, loadEvent(t, "order-ready.json")); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(inner, idempotency.ErrInProgress) {
		t.Errorf("concurrent copy: got %v, want ErrInProgress", inner)
	}
	if len(topic.inputs) != 1 {
		t.Errorf("got %d publishes, want 1", len(topic.inputs))
	}
}

// hookSNS runs before (once) when Publish is first called.
type hookSNS struct {
	*fakeSNS
	before func()
}

func (h *hookSNS) Publish(ctx context.Context, in *snsPublishInput, o ...func(*snsOptions)) (*snsPublishOutput, error) {
	if h.before != nil {
		f := h.before
		h.before = nil
		f()
	}
	return h.fakeSNS.Publish(ctx, in, o...)
}

type (
	snsPublishInput  = sns.PublishInput
	snsPublishOutput = sns.PublishOutput
	snsOptions       = sns.Options
)
