package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/orderflow/internal/metrics"
	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/orders"
)

// DefaultDeadlineMargin is how much time must be left before the invocation
// deadline to start a record: a record is two conditional UpdateItems (tens of
// milliseconds, longer with SDK retries), so 2 s leaves room to finish the one
// in progress instead of being cut off mid-write, and for the batch's
// PutEvents call after it (an event not put in time fails its message, which
// is redelivered and puts it then).
const DefaultDeadlineMargin = 2 * time.Second

// advancer moves an order one step of its life cycle (orders.Store.Advance):
// false with a nil error when the order is already at or past to; errors wrap
// orders.ErrNotFound or orders.ErrWrongState.
type advancer interface {
	Advance(ctx context.Context, id string, from, to orders.Status) (bool, error)
}

// eventPublisher puts OrderReady events on the orders event bus
// (ordersbus.Publisher.Publish): one error per event, aligned with evs, nil
// for an event EventBridge accepted.
type eventPublisher interface {
	Publish(ctx context.Context, evs []orderevents.OrderReady) []error
}

// steps are the kitchen's work on an order, in order. Each is a conditional
// write that is a no-op once done, so redelivering a message changes nothing
// and a crash between the two is finished by the redelivery.
var steps = [...]struct{ from, to orders.Status }{
	{orders.StatusPending, orders.StatusPreparing},
	{orders.StatusPreparing, orders.StatusReady},
}

// Handler consumes the kitchen queue (body: orders.KitchenMessage JSON),
// moves each order PENDING -> PREPARING -> READY and then puts its
// orderevents.OrderReady event on the orders event bus: every order of the
// batch that is READY, whether this delivery made it so or an earlier one
// did (a crash between the READY write and the event, or a failed put, must
// not lose the event; a redelivery puts it again, the same detail, so
// consumers deduplicate on its eventId). The events of a batch go out after
// its writes, in PutEvents calls of up to 10, one per order however many of
// its messages the batch holds.
//
// It reports every message it could not finish as a batch item failure
// (ReportBatchItemFailures), so SQS redelivers only those and, after the
// queue's maxReceiveCount, moves them to the dead-letter queue:
//   - malformed body (not JSON, no valid orderId): can never succeed; it is
//     still reported as a failure rather than dropped, so it ends in the DLQ
//     where it can be inspected, instead of vanishing;
//   - unknown order: may be a write not yet visible, so retried; an order that
//     never appears ends in the DLQ;
//   - order in a wrong or unknown state, or a DynamoDB error: retried, then DLQ;
//   - records not started because less than Margin was left before the
//     deadline: retried;
//   - order READY but its event not put (PutEvents failed, or EventBridge
//     rejected the entry: FailedEntryCount > 0): retried, which puts the
//     event again.
//
// Unknown fields in the body are ignored, so senders can add some.
type Handler struct {
	// Orders advances orders (orders.Store). Required.
	Orders advancer
	// Events puts OrderReady events on the orders event bus
	// (ordersbus.Publisher). Required.
	Events eventPublisher
	// Log receives a line per failed record and per order made READY; each
	// line about an order carries its orderId and messageId. Required.
	Log *slog.Logger
	// Metrics receives one line per batch with metrics.OrdersPrepared: the
	// orders this batch moved to READY (0 when none did; a redelivered
	// message for an order already READY adds nothing). Default (nil): no
	// metrics.
	Metrics *metrics.Emitter
	// Margin is the time before the deadline after which no record is
	// started. Default: DefaultDeadlineMargin.
	Margin time.Duration
	// Now reads the clock for the deadline check. Default: time.Now.
	Now func() time.Time
}

// Handle processes a batch of kitchen messages in order, then puts the
// OrderReady events of the orders that are READY, and returns the IDs of the
// messages that failed, in batch order. It never returns an error: a
// whole-batch error would redeliver the messages that succeeded too.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	failed := make([]bool, len(ev.Records))
	// Outcome per order ID, so a duplicate in the same batch is not written
	// again and shares the first copy's result.
	done := make(map[string]bool)
	// The READY orders in batch order, each with its messages: a duplicate
	// shares its event's outcome.
	var ready []*readyOrder
	readyByID := make(map[string]*readyOrder)
	var prepared int64
	defer func() { h.Metrics.Emit(ctx, metrics.Count{Name: metrics.OrdersPrepared, Value: prepared}) }()
	deadline, hasDeadline := ctx.Deadline()
	for i, m := range ev.Records {
		if hasDeadline && deadline.Sub(h.now()) < h.margin() {
			h.Log.WarnContext(ctx, "deadline near: leaving records for redelivery",
				"unprocessed", len(ev.Records)-i, "margin", h.margin().String())
			for j := i; j < len(ev.Records); j++ {
				failed[j] = true
			}
			break
		}
		msg, err := decode(m.Body)
		if err != nil {
			h.Log.ErrorContext(ctx, "malformed kitchen message: reported as failed so it reaches the DLQ",
				"messageId", m.MessageId, "error", err.Error())
			failed[i] = true
			continue
		}
		ok, seen := done[msg.OrderID]
		if !seen {
			log := h.Log.With("orderId", msg.OrderID, "messageId", m.MessageId)
			var madeReady bool
			ok, madeReady = h.prepare(ctx, log, msg.OrderID)
			done[msg.OrderID] = ok
			if madeReady {
				prepared++
			}
			if ok {
				r := &readyOrder{event: orderevents.NewOrderReady(msg.OrderID), log: log}
				ready = append(ready, r)
				readyByID[msg.OrderID] = r
			}
		}
		if !ok {
			failed[i] = true
			continue
		}
		r := readyByID[msg.OrderID]
		r.records = append(r.records, i)
	}
	h.publish(ctx, ev, ready, failed)

	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for i, f := range failed {
		if f {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	return resp, nil
}

// readyOrder is an order of the batch that is READY, whose event is to be put.
type readyOrder struct {
	event orderevents.OrderReady
	// records are the indexes in the batch of the order's messages.
	records []int
	// log carries the order's orderId and its first messageId.
	log *slog.Logger
}

// publish puts the events of the ready orders, in one Publish call, and
// marks in failed every message of an order whose event was not put.
func (h *Handler) publish(ctx context.Context, ev events.SQSEvent, ready []*readyOrder, failed []bool) {
	if len(ready) == 0 {
		return
	}
	evs := make([]orderevents.OrderReady, len(ready))
	for i, r := range ready {
		evs[i] = r.event
	}
	errs := h.Events.Publish(ctx, evs)
	for i, r := range ready {
		err := errors.New("publisher returned no result for the event")
		if i < len(errs) {
			err = errs[i]
		}
		if err == nil {
			r.log.DebugContext(ctx, "OrderReady put", "eventId", r.event.EventID)
			continue
		}
		for _, j := range r.records {
			failed[j] = true
			h.Log.ErrorContext(ctx, "OrderReady not put: message left for redelivery, then DLQ",
				"orderId", r.event.OrderID, "messageId", ev.Records[j].MessageId, "eventId", r.event.EventID, "error", err.Error())
		}
	}
}

// decode parses a message body: a JSON object with an orderId that is
// orders.ValidID.
func decode(body string) (orders.KitchenMessage, error) {
	var msg orders.KitchenMessage
	if err := json.Unmarshal([]byte(body), &msg); err != nil {
		return orders.KitchenMessage{}, fmt.Errorf("decode body: %w", err)
	}
	switch {
	case len(msg.OrderID) > orders.MaxIDLen: // keep the log line short
		return orders.KitchenMessage{}, fmt.Errorf("decode body: orderId longer than %d bytes", orders.MaxIDLen)
	case !orders.ValidID(msg.OrderID):
		return orders.KitchenMessage{}, fmt.Errorf("decode body: invalid orderId %q", msg.OrderID)
	}
	return msg, nil
}

// prepare runs the steps on one order and reports whether it is READY (ok)
// and whether this call moved it there (ready). log carries the order's
// orderId and messageId.
func (h *Handler) prepare(ctx context.Context, log *slog.Logger, id string) (ok, ready bool) {
	for _, s := range steps {
		changed, err := h.Orders.Advance(ctx, id, s.from, s.to)
		if err != nil {
			level, why := slog.LevelError, "advance failed"
			if errors.Is(err, orders.ErrNotFound) {
				// Not an error yet: the message can outrun the order's write.
				level, why = slog.LevelWarn, "order not found: will retry, then DLQ"
			}
			log.Log(ctx, level, why, "from", string(s.from), "to", string(s.to), "error", err.Error())
			return false, false
		}
		if changed && s.to == orders.StatusReady {
			log.InfoContext(ctx, "order ready")
			ready = true
		}
	}
	return true, ready
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) margin() time.Duration {
	if h.Margin > 0 {
		return h.Margin
	}
	return DefaultDeadlineMargin
}
