package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/batch"
	"github.com/example/orderflow/runtime/batchsend"
)

// DefaultMargin is how long before the invocation deadline the publisher
// stops sending: no SendMessageBatch call starts after it, one in flight is
// cancelled, and the records not yet sent are reported as failures for
// Lambda to retry. One second leaves ample time to build the response.
const DefaultMargin = time.Second

// messageSender sends kitchen messages and returns one error per message
// (orders.KitchenQueue over the runtime's batchsend.SQS, which retries the
// entries SQS failed for a passing reason).
type messageSender interface {
	Send(ctx context.Context, msgs []orders.KitchenMessage) []error
}

// Handler publishes new orders from the Orders table's stream to the kitchen
// queue.
type Handler struct {
	// Queue sends kitchen messages (orders.KitchenQueue). Required.
	Queue messageSender
	// Log writes JSON lines; every line carries the requestId. Required.
	Log *slog.Logger
	// Margin is kept free before the deadline. Default (zero): DefaultMargin.
	Margin time.Duration
}

// Handle sends one kitchen message per INSERT of an order, in
// SendMessageBatch calls of up to ten, in stream order. The message holds
// only the order's key, so an INSERT is sent by its key when it has no
// NewImage (KEYS_ONLY streams) and also, with a WARN line, when its NewImage
// does not decode (a number that is not an integer, a createdAt that is not
// RFC 3339): the kitchen reads the order itself. MODIFY and REMOVE records
// (TTL deletes included), records that are not orders (no string orderId
// key, or a status of another kind of item) and non-INSERT records that do
// not decode are skipped with a log line: they are not failures, since
// retrying them cannot change the outcome.
//
// The records go through the runtime's batch.Processor (a stream: in order,
// stop at the first failure), their messages through a batch.Outbox of ten.
// Deciding a record is CPU only, so records are started until the deadline
// itself; the sends stop Margin before it. Failures are reported by
// SequenceNumber. Stream order matters per shard, so once a record fails
// (SQS rejected it, the call failed, or the margin was reached before it
// was sent), it and every later record of the batch are reported and
// nothing after it is sent. Records before it that were sent stay sent;
// Lambda resumes from the first failure, so a record may reach the kitchen
// more than once (the kitchen is idempotent). The error is always nil.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	margin := h.Margin
	if margin == 0 {
		margin = DefaultMargin
	}
	out := &batch.Outbox[orders.KitchenMessage]{
		Send:    h.Queue.Send,
		FlushAt: batchsend.SQSMaxEntries,
		Margin:  margin,
		OnFailure: func(ctx context.Context, msg orders.KitchenMessage, err error) {
			seq, _ := batch.RecordID(ctx)
			h.Log.ErrorContext(ctx, "send to kitchen failed; reporting it and every later record",
				"orderId", msg.OrderID, "sequenceNumber", seq, "error", err.Error())
		},
	}
	p := &batch.Processor{Margin: -1, Log: h.Log}
	return p.DynamoDB(ctx, ev, func(ctx context.Context, r events.DynamoDBEventRecord) error {
		msg, ok := h.decide(ctx, r)
		if !ok {
			return nil
		}
		return out.Add(ctx, msg)
	}), nil
}

// decide decodes one record and says whether it is an order INSERT to send;
// every other record is logged and skipped.
func (h *Handler) decide(ctx context.Context, r events.DynamoDBEventRecord) (orders.KitchenMessage, bool) {
	seq := r.Change.SequenceNumber
	c, err := orders.DecodeStreamRecord(r)
	switch {
	case errors.Is(err, orders.ErrNotOrder):
		h.Log.InfoContext(ctx, "skipped record: not an order",
			"eventName", r.EventName, "sequenceNumber", seq, "reason", err.Error())
		return orders.KitchenMessage{}, false
	case err != nil && c.Op == events.DynamoDBOperationTypeInsert && c.OrderID != "":
		// The kitchen needs only the key, which decoded: send it, as for a
		// KEYS_ONLY record, rather than leave the order to the sweeper
		// (which never finds it either when its createdAt does not decode).
		h.Log.WarnContext(ctx, "INSERT image does not decode; sending the order by its key",
			"orderId", c.OrderID, "sequenceNumber", seq, "error", err.Error())
		return orders.KitchenMessage{OrderID: c.OrderID}, true
	case err != nil:
		h.Log.ErrorContext(ctx, "skipped record: does not decode",
			"orderId", c.OrderID, "eventName", r.EventName, "sequenceNumber", seq, "error", err.Error())
		return orders.KitchenMessage{}, false
	case c.Op != events.DynamoDBOperationTypeInsert:
		h.Log.InfoContext(ctx, "skipped record: not an insert",
			"orderId", c.OrderID, "eventName", r.EventName, "ttlDelete", c.TTLExpired, "sequenceNumber", seq)
		return orders.KitchenMessage{}, false
	}
	return orders.KitchenMessage{OrderID: c.OrderID}, true
}
