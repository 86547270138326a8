package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/batch"
	"github.com/example/orderflow/runtime/metrics"
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
// (busPublisher.Publish): one error per event, aligned with evs, nil
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
	// (busPublisher). Required.
	Events eventPublisher
	// Log receives a line per failed record and per order made READY; each
	// line about an order carries its orderId and messageId. Required.
	Log *slog.Logger
	// Metrics receives one line per batch with ordermetrics.OrdersPrepared: the
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

// Handle processes a batch of kitchen messages in order through the
// runtime's batch.Processor (no record started within Margin of the
// deadline), puts the OrderReady events of the orders that are READY
// through a batch.Outbox (one event per order, however many of its messages
// the batch holds; a failed put fails every message of the order), and
// returns the IDs of the messages that failed, in batch order. It never
// returns an error: a whole-batch error would redeliver the messages that
// succeeded too.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	// Outcome per order ID, so a duplicate in the same batch is not written
	// again and shares the first copy's result (records run one at a time).
	done := make(map[string]bool)
	var prepared int64
	defer func() { h.Metrics.Emit(ctx, metrics.Count(ordermetrics.OrdersPrepared, prepared)) }()
	out := &batch.Outbox[orderevents.OrderReady]{
		Send: h.Events.Publish,
		OnFailure: func(ctx context.Context, e orderevents.OrderReady, err error) {
			id, _ := batch.RecordID(ctx)
			h.Log.ErrorContext(ctx, "OrderReady not put: message left for redelivery, then DLQ",
				"orderId", e.OrderID, "messageId", id, "eventId", e.EventID, "error", err.Error())
		},
	}
	p := &batch.Processor{Margin: h.margin(), Now: h.Now, Log: h.Log}
	resp := p.SQS(ctx, ev, func(ctx context.Context, m events.SQSMessage) error {
		msg, err := decode(m.Body)
		if err != nil {
			h.Log.ErrorContext(ctx, "malformed kitchen message: reported as failed so it reaches the DLQ",
				"messageId", m.MessageId, "error", err.Error())
			return err
		}
		ok, seen := done[msg.OrderID]
		if !seen {
			var madeReady bool
			ok, madeReady = h.prepare(ctx, h.Log.With("orderId", msg.OrderID, "messageId", m.MessageId), msg.OrderID)
			done[msg.OrderID] = ok
			if madeReady {
				prepared++
			}
		}
		if !ok {
			return errNotReady
		}
		return out.AddKeyed(ctx, msg.OrderID, orderevents.NewOrderReady(msg.OrderID))
	})
	return resp, nil
}

// errNotReady fails a message whose order could not be made READY (the
// reason is logged by prepare).
var errNotReady = errors.New("order not READY")

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

func (h *Handler) margin() time.Duration {
	if h.Margin > 0 {
		return h.Margin
	}
	return DefaultDeadlineMargin
}
