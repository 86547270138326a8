package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/batchsend"
	"github.com/example/orderflow/runtime/metrics"
)

// Defaults of the Handler's optional fields.
const (
	// DefaultMaxOrders bounds the orders one run claims, and so resends
	// (oldest first). At one UpdateItem per claim plus one SendMessageBatch
	// per ten, 500 fit well inside a minute; the rest wait for the next run,
	// 5 minutes later.
	DefaultMaxOrders = 500
	// MaxReadFactor bounds the IDs one run reads from the pending index:
	// MaxReadFactor × MaxOrders (5,000 by default: the first page of each of
	// its 64 shards, then further pages as the oldest are used up). The index
	// cannot tell an order another run claimed a moment ago from one never
	// resent, so every ID read costs a claim attempt (an UpdateItem that its
	// condition turns away); claims turned away do not use up MaxOrders, so
	// orders claimed recently but still PENDING cannot starve newer stale
	// orders behind them unless there are more than 4,500 of them. At 5 to
	// 10 ms per UpdateItem, 5,000 attempts take 25 to 50 s of the 60 s
	// timeout; whatever the count, a run stops at the margin (DefaultMargin).
	MaxReadFactor = 10
	// DefaultMargin is how long before the invocation deadline the sweeper
	// stops claiming and sending (a call in flight is cancelled). The time
	// left is for undoing the claims of orders it could not send.
	DefaultMargin = 2 * time.Second
)

// scheduledDetailType is the detail-type of an EventBridge schedule's event.
const scheduledDetailType = "Scheduled Event"

// messageSender sends kitchen messages and returns one error per message
// (orders.KitchenQueue over the runtime's batchsend.SQS).
type messageSender interface {
	Send(ctx context.Context, msgs []orders.KitchenMessage) []error
}

// Handler resends orders stuck in PENDING to the kitchen queue.
type Handler struct {
	// Stale finds and claims stale orders. Required.
	Stale *orders.StaleOrders
	// Queue sends kitchen messages (orders.KitchenQueue). Required.
	Queue messageSender
	// Log writes JSON lines; every line carries the requestId, and each line
	// about an order its orderId. Required.
	Log *slog.Logger
	// Metrics receives one line per run with ordermetrics.StaleOrdersResent: the
	// orders the run sent to the kitchen (0 when none). A rejected event
	// emits nothing. Default (nil): no metrics.
	Metrics *metrics.Emitter
	// MaxOrders bounds the orders one run claims; a run reads at most
	// MaxReadFactor times as many IDs. Default (zero): DefaultMaxOrders.
	MaxOrders int
	// Margin is kept free before the deadline. Default (zero): DefaultMargin.
	Margin time.Duration
	// Now is the clock for the staleness cutoff and for claims. Default: time.Now.
	Now func() time.Time
}

// sweepStats counts what one run did with the orders it found.
type sweepStats struct {
	found, sent, skipped, failed, notReached int
}

// claims is what counts against MaxOrders: the claims that succeeded (sent,
// or failed to send and undone) and those that failed otherwise than by
// their condition. Claims the condition turned away (skipped) do not count.
func (st *sweepStats) claims() int { return st.sent + st.failed }

// Handle runs one sweep. The event is only checked: an event with a
// detail-type other than "Scheduled Event" is rejected with an error and no
// work (an empty one, as from a manual test invoke, is accepted). The clock
// is the wall clock, never the event's time, so a late retry of an old event
// cannot claim with a stale timestamp.
//
// The sweep reads the orders created more than StaleAfter ago and still
// PENDING (oldest first), claims each with a conditional UpdateItem, and
// sends the claimed ones to the kitchen queue in batches of ten. An order
// another run claimed within StaleAfter, or that left PENDING, is skipped.
// An order whose send fails is unclaimed, so the next run (5 minutes later)
// retries it; if the unclaim fails too, its claim expires and a run
// StaleAfter later resends it.
//
// A run stops at whichever comes first: MaxOrders claims (skipped orders do
// not count), MaxReadFactor × MaxOrders IDs read, the end of the index, or
// Margin before the deadline.
//
// Handle returns an error only when the run as a whole failed: the event is
// not a scheduled one, the pending index could not be read (after working on
// any orders read before the failure; a shard that fails is left for the
// next run while the others are worked on), or something failed and nothing was
// sent. The schedule's retry then runs again; claims keep the retry from
// resending what this run sent. Running out of time is not an error: the
// next run continues.
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	if ev.DetailType != "" && ev.DetailType != scheduledDetailType {
		err := fmt.Errorf("sweep: event %s has detail-type %q, want %q", ev.ID, ev.DetailType, scheduledDetailType)
		h.Log.ErrorContext(ctx, "rejected event", "error", err.Error(), "source", ev.Source)
		return err
	}
	maxOrders := h.MaxOrders
	if maxOrders <= 0 {
		maxOrders = DefaultMaxOrders
	}
	margin := h.Margin
	if margin <= 0 {
		margin = DefaultMargin
	}
	work := ctx
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		work, cancel = context.WithDeadline(ctx, deadline.Add(-margin))
		defer cancel()
	}

	var st sweepStats
	defer func() { h.Metrics.Emit(ctx, metrics.Count(ordermetrics.StaleOrdersResent, int64(st.sent))) }()
	maxRead := MaxReadFactor * maxOrders
	var findErr error
	batch := make([]string, 0, batchsend.SQSMaxEntries)
	for id, err := range h.Stale.Find(work, h.now()) {
		if err != nil {
			findErr = err
			break
		}
		st.found++
		batch = append(batch, id)
		// A batch holds no more IDs than claims are left, so a run never
		// claims more than maxOrders.
		if len(batch) < min(batchsend.SQSMaxEntries, maxOrders-st.claims()) && st.found < maxRead {
			continue
		}
		h.sweepBatch(ctx, work, batch, &st)
		batch = batch[:0]
		if st.claims() >= maxOrders || st.found >= maxRead || work.Err() != nil {
			break
		}
	}
	h.sweepBatch(ctx, work, batch, &st) // the IDs read after the last full batch
	if findErr != nil && work.Err() != nil && ctx.Err() == nil {
		findErr = nil // the margin cut a Query short: out of time, the next run continues
	}
	if findErr != nil {
		h.Log.ErrorContext(ctx, "reading stale orders failed", "error", findErr.Error(), "foundBeforeError", st.found)
		if st.found == 0 {
			return fmt.Errorf("sweep: %w", findErr)
		}
	}

	h.Log.InfoContext(ctx, "sweep done", "eventId", ev.ID, "staleAfter", h.Stale.After.String(),
		"found", st.found, "sent", st.sent, "skipped", st.skipped, "failed", st.failed,
		"notReached", st.notReached, "maxOrdersReached", st.claims() >= maxOrders,
		"maxReadReached", st.found >= maxRead, "deadlineReached", work.Err() != nil)
	switch {
	case findErr != nil:
		return fmt.Errorf("sweep: %w", findErr)
	case st.failed > 0 && st.sent == 0:
		return fmt.Errorf("sweep: all %d attempts failed, none sent", st.failed)
	}
	return nil
}

// sweepBatch claims up to batchsend.SQSMaxEntries orders and sends the claimed
// ones in one batch. Claims and sends use work (which ends at the margin);
// unclaims use ctx, whose remaining margin is reserved for them.
func (h *Handler) sweepBatch(ctx, work context.Context, ids []string, st *sweepStats) {
	if len(ids) == 0 {
		return
	}
	msgs := make([]orders.KitchenMessage, 0, len(ids))
	claimedAt := make([]time.Time, 0, len(ids))
	for i, id := range ids {
		if work.Err() != nil {
			st.notReached += len(ids) - i
			break
		}
		at := h.now()
		err := h.Stale.Claim(work, id, at)
		switch {
		case errors.Is(err, orders.ErrWrongState):
			st.skipped++
			h.Log.DebugContext(ctx, "not claimed", "orderId", id, "reason", err.Error())
		case err != nil:
			st.failed++
			h.Log.ErrorContext(ctx, "claim failed", "orderId", id, "error", err.Error())
		default:
			msgs = append(msgs, orders.KitchenMessage{OrderID: id})
			claimedAt = append(claimedAt, at)
		}
	}
	if len(msgs) == 0 {
		return
	}
	for i, err := range h.Queue.Send(work, msgs) {
		id := msgs[i].OrderID
		if err == nil {
			st.sent++
			h.Log.InfoContext(ctx, "resent stale order", "orderId", id)
			continue
		}
		st.failed++
		h.Log.ErrorContext(ctx, "send to kitchen failed; undoing the claim", "orderId", id, "error", err.Error())
		if err := h.Stale.Unclaim(ctx, id, claimedAt[i]); err != nil {
			h.Log.WarnContext(ctx, "unclaim failed; the claim expires after staleAfter", "orderId", id, "error", err.Error())
		}
	}
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}
