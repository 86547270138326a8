package batch

import (
	"context"
	"errors"
	"time"
)

// ErrNoRecord is Outbox.Add's error for a context that is not a record
// handler's (the Processor passes each handler a context that carries its
// record).
var ErrNoRecord = errors.New("batch: context carries no record: pass the context the record handler got")

// ErrNoResult is the error of an output entry the Outbox's Send returned no
// result for (a result slice shorter than the entries): it counts as not
// sent.
var ErrNoResult = errors.New("batch: send returned no result for the entry")

// OutputError is a record's error when an entry it added to an Outbox was
// not sent.
type OutputError struct {
	// Err is Send's error for the entry.
	Err error
}

// Error is "batch: output not sent: <err>".
func (e *OutputError) Error() string { return "batch: output not sent: " + e.Err.Error() }

// Unwrap returns Err.
func (e *OutputError) Unwrap() error { return e.Err }

// Outbox collects what record handlers produce for one destination (queue
// messages, events, notifications), sends it in batches, and fails every
// record whose entries were not sent. A record handler adds entries with
// Add or AddKeyed and the context it was given; the Processor sends what is
// left when the batch's records are done, before it builds the response.
//
// An entry's failure fails each record that added it, whatever that
// record's handler returned; in a stream, the records after it too (their
// entries may have been sent already: Lambda delivers them again, so
// destinations see them at least once). Give the Outbox a sender of
// package batchsend, which splits entries to the service's limits and
// retries the failed ones:
//
//	out := &batch.Outbox[types.SendMessageBatchRequestEntry]{Send: queue.Send, FlushAt: 10}
//
// Its fields are read only; one Outbox may serve any number of batches,
// concurrently: what is waiting belongs to the batch.
type Outbox[E any] struct {
	// Send sends entries and returns one error per entry, aligned with
	// entries: nil when it was sent. An entry without a result counts as
	// not sent (ErrNoResult). Required.
	Send func(ctx context.Context, entries []E) []error
	// FlushAt is the number of waiting entries at which Add sends them
	// before returning (then a failure stops a stream early, and a batch
	// holds at most FlushAt entries in memory). Default (0): entries wait
	// for the end of the batch, one Send for all.
	FlushAt int
	// Margin ends each Send's context Margin before the invocation's
	// deadline, so a slow call is cancelled in time to return the response;
	// its entries fail. Default (0): Send gets the invocation's context.
	Margin time.Duration
	// OnFailure, when set, is called once per record that added an entry
	// which was not sent, with that record's context (RecordID names it),
	// the entry and the error: the place to log it. Default: nothing.
	OnFailure func(ctx context.Context, entry E, err error)
}

// Add queues e as output of the record whose context ctx is. It returns
// ErrNoRecord when ctx is not a record handler's, and otherwise nil: the
// outcome of the send decides the record's.
func (o *Outbox[E]) Add(ctx context.Context, e E) error { return o.add(ctx, "", false, e) }

// AddKeyed queues e as output of the record whose context ctx is, unless an
// entry with the same key is already waiting in this batch: then the record
// shares that entry (its outcome), and e is dropped. For one event per
// order however many of a batch's messages name the order.
func (o *Outbox[E]) AddKeyed(ctx context.Context, key string, e E) error {
	return o.add(ctx, key, true, e)
}

// owner is a record that added an entry, with its handler's context.
type owner struct {
	i   int
	ctx context.Context
}

// outboxState is what an Outbox holds for one run.
type outboxState[E any] struct {
	o       *Outbox[E]
	entries []E
	owners  [][]owner
	keys    map[string]int
}

type flusher interface {
	flush(ctx context.Context, r *run)
}

func (o *Outbox[E]) add(ctx context.Context, key string, keyed bool, e E) error {
	ref, ok := ctx.Value(ctxKey{}).(*recordCtx)
	if !ok {
		return ErrNoRecord
	}
	r := ref.r
	r.mu.Lock()
	st, _ := r.boxByKey[o].(*outboxState[E])
	if st == nil {
		st = &outboxState[E]{o: o}
		if r.boxByKey == nil {
			r.boxByKey = map[any]flusher{}
		}
		r.boxByKey[o] = st
		r.boxes = append(r.boxes, st)
	}
	me := owner{i: ref.i, ctx: ctx}
	if keyed {
		if j, dup := st.keys[key]; dup {
			st.owners[j] = append(st.owners[j], me)
			r.mu.Unlock()
			return nil
		}
		if st.keys == nil {
			st.keys = map[string]int{}
		}
		st.keys[key] = len(st.entries)
	}
	st.entries = append(st.entries, e)
	st.owners = append(st.owners, []owner{me})
	full := o.FlushAt > 0 && len(st.entries) >= o.FlushAt
	r.mu.Unlock()
	if full {
		st.flush(r.ctx, r)
	}
	return nil
}

// flush sends what waits and fails the owners of the entries not sent.
func (st *outboxState[E]) flush(ctx context.Context, r *run) {
	r.mu.Lock()
	entries, owners := st.entries, st.owners
	st.entries, st.owners, st.keys = nil, nil, nil
	r.mu.Unlock()
	if len(entries) == 0 {
		return
	}
	sctx := ctx
	if deadline, ok := ctx.Deadline(); ok && st.o.Margin > 0 {
		var cancel context.CancelFunc
		sctx, cancel = context.WithDeadline(ctx, deadline.Add(-st.o.Margin))
		defer cancel()
	}
	errs := st.o.Send(sctx, entries)
	type failure struct {
		o   owner
		j   int
		err error
	}
	var failed []failure
	r.mu.Lock()
	for j := range entries {
		var err error = ErrNoResult
		if j < len(errs) {
			err = errs[j]
		}
		if err == nil {
			continue
		}
		for _, ow := range owners[j] {
			r.failLocked(ow.i, &OutputError{Err: err})
			failed = append(failed, failure{ow, j, err})
		}
	}
	r.mu.Unlock()
	if st.o.OnFailure != nil {
		for _, f := range failed {
			st.o.OnFailure(f.o.ctx, entries[f.j], f.err)
		}
	}
}

// RecordID returns the identifier of the record whose handler context ctx
// is (the SQS message ID, the stream sequence number): what the response
// reports when the record fails. False for another context.
func RecordID(ctx context.Context) (string, bool) {
	ref, ok := ctx.Value(ctxKey{}).(*recordCtx)
	if !ok {
		return "", false
	}
	return ref.r.slots[ref.i].id, true
}
