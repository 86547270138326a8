package batch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// DefaultMargin is the time before the deadline after which a Processor
// with a zero Margin starts no record: room for the record in progress to
// finish (a few SDK calls with their retries) and for the response to be
// returned before Lambda stops the invocation.
const DefaultMargin = time.Second

// ErrDeadline is the error of a record not started because less than the
// margin was left before the deadline. Lambda delivers it again.
var ErrDeadline = errors.New("batch: not started: the deadline is near")

// ErrSkipped is the error of a record not processed because an earlier
// record it is ordered after (same stream shard, same FIFO message group)
// failed. Lambda delivers it again, after the earlier one.
var ErrSkipped = errors.New("batch: not processed: an earlier record of its shard or message group failed")

// PanicError is the error of a record whose handler panicked: the panic was
// recovered and the record reported failed.
type PanicError struct {
	// Value is what the handler panicked with.
	Value any
	// Stack is the goroutine's stack at the panic (runtime/debug.Stack).
	Stack []byte
}

// Error is "batch: record handler panicked: <value>".
func (e *PanicError) Error() string {
	return fmt.Sprintf("batch: record handler panicked: %v", e.Value)
}

// Processor processes batches record by record. Its fields are read, never
// written, so one Processor may serve concurrent batches. The zero value
// uses every default.
type Processor struct {
	// Margin is the time before the context's deadline after which no
	// record is started; those records are reported failed (ErrDeadline).
	// A context without a deadline starts every record. Negative: records
	// are started until the deadline itself. Default (0): DefaultMargin.
	Margin time.Duration
	// Concurrency is how many records run at once where order allows: any
	// records of a standard SQS queue, different message groups of a FIFO
	// queue. Stream records always run one at a time. Default (0 or 1):
	// one at a time, in batch order.
	Concurrency int
	// KeepAggregated hands Kinesis records to the handler as they arrived,
	// without de-aggregating KPL records. Default (false): de-aggregate.
	KeepAggregated bool
	// Log receives one ERROR line per panicking record (with the stack),
	// one WARN line per batch with records not started for the deadline,
	// and one WARN line per batch with failures ("reporting batch item
	// failures", with their count and the first identifier). The handler
	// logs its own errors. Default (nil): slog.Default().
	Log *slog.Logger
	// Now reads the clock for the deadline check. Default: time.Now.
	Now func() time.Time
}

// order is how the records of a batch relate.
type order int

const (
	unordered  order = iota // standard SQS: every record alone
	grouped                 // FIFO SQS: in order within a group
	sequential              // a stream shard: in order, stop at the first failure
)

// run is the state of one batch.
type run struct {
	p    *Processor
	ctx  context.Context
	mode order

	mu     sync.Mutex
	slots  []slot   // per item (a record, or a user record of a KPL aggregate)
	groups []string // grouped: per item, its message group
	stopAt int      // sequential: index of the first failure (len(slots): none)
	// groupStop: grouped: a failed group's first failure.
	groupStop map[string]int
	boxes     []flusher
	boxByKey  map[any]flusher
	// small holds the slots of a batch of up to 10 items (SQS's default
	// batch size), so that such a batch allocates its run and slots at once.
	small [10]slot
}

// slot is one item's state in a run.
type slot struct {
	id string // identifier reported on failure
	// err is nil while the item has not failed; a failure before any
	// handler ran (a corrupt KPL aggregate) is set before the run starts.
	err error
	ctx recordCtx
}

type ctxKey struct{}

// recordCtx is a record handler's context: the batch's (its deadline,
// cancellation and values), plus the record's run and index (for
// Outbox.Add and RecordID). It lives in the record's slot, so a record
// costs no allocation for its context.
type recordCtx struct {
	r *run
	i int
}

func (c *recordCtx) Deadline() (time.Time, bool) { return c.r.ctx.Deadline() }
func (c *recordCtx) Done() <-chan struct{}       { return c.r.ctx.Done() }
func (c *recordCtx) Err() error                  { return c.r.ctx.Err() }

// Value answers ctxKey with the recordCtx itself; any other key as the
// batch's context does.
func (c *recordCtx) Value(key any) any {
	if key == (ctxKey{}) {
		return c
	}
	return c.r.ctx.Value(key)
}

// newRun returns the run of a batch of n items in mode, its slots zero.
func (p *Processor) newRun(ctx context.Context, n int, mode order) *run {
	r := &run{p: p, ctx: ctx, mode: mode}
	if n <= len(r.small) {
		r.slots = r.small[:n]
	} else {
		r.slots = make([]slot, n)
	}
	return r
}

func (p *Processor) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}

func (p *Processor) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Processor) margin() time.Duration {
	switch {
	case p.Margin < 0:
		return 0
	case p.Margin == 0:
		return DefaultMargin
	}
	return p.Margin
}

// process runs handle on items[i] for every item i of r (items and r.slots
// are parallel), and records per item its error (nil for a record that
// succeeded). It is generic, not a method over a closure, so that a batch
// costs no closure allocation and a record no extra indirect call.
func process[T any](r *run, items []T, handle func(ctx context.Context, item T) error) {
	p, slots, mode := r.p, r.slots, r.mode
	r.stopAt = len(slots)
	if mode == grouped {
		r.groupStop = map[string]int{}
	}
	conc := p.Concurrency
	switch {
	case mode == sequential || conc <= 1:
		for i := range slots {
			do(r, i, items, handle)
		}
	case mode == unordered:
		sem := make(chan struct{}, conc)
		var wg sync.WaitGroup
		for i := range slots {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				do(r, i, items, handle)
			}()
		}
		wg.Wait()
	default: // grouped, concurrently: one goroutine per group at a time
		var groups [][]int
		index := map[string]int{}
		for i := range slots {
			g, ok := index[r.groups[i]]
			if !ok {
				g = len(groups)
				index[r.groups[i]] = g
				groups = append(groups, nil)
			}
			groups[g] = append(groups[g], i)
		}
		sem := make(chan struct{}, conc)
		var wg sync.WaitGroup
		for _, g := range groups {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				for _, i := range g {
					do(r, i, items, handle)
				}
			}()
		}
		wg.Wait()
	}
	r.flush(r.ctx)
	r.finish()
}

// do runs item i unless the deadline or the order stops it, and records
// its failure.
func do[T any](r *run, i int, items []T, handle func(ctx context.Context, item T) error) {
	if err := r.gate(i); err != nil {
		r.fail(i, err)
		return
	}
	if err := r.slots[i].err; err != nil { // failed before it could start
		r.fail(i, err)
		return
	}
	if err := call(r, i, items, handle); err != nil {
		r.fail(i, err)
	}
}

// gate says whether item i may start: nil, or why not (ErrSkipped,
// ErrDeadline).
func (r *run) gate(i int) error {
	// The deadline first: every record it stops is counted as such.
	if deadline, ok := r.ctx.Deadline(); ok && deadline.Sub(r.p.now()) < r.p.margin() {
		return ErrDeadline
	}
	if r.mode == unordered {
		return nil // no order to keep: no shared state to read
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch r.mode {
	case sequential:
		if r.stopAt < i {
			return ErrSkipped
		}
	case grouped:
		if first, failed := r.groupStop[r.groups[i]]; failed && first < i {
			return ErrSkipped
		}
	}
	return nil
}

// call runs the handler of item i, turning a panic into a *PanicError.
func call[T any](r *run, i int, items []T, handle func(ctx context.Context, item T) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			pe := &PanicError{Value: v, Stack: debug.Stack()}
			r.p.log().ErrorContext(r.ctx, "record handler panicked: record reported failed",
				"id", r.slots[i].id, "panic", fmt.Sprint(v), "stack", string(pe.Stack))
			err = pe
		}
	}()
	rc := &r.slots[i].ctx
	rc.r, rc.i = r, i
	return handle(rc, items[i])
}

// fail records err as item i's error (the first one wins) and applies the
// order's consequence.
func (r *run) fail(i int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failLocked(i, err)
}

func (r *run) failLocked(i int, err error) {
	if r.slots[i].err == nil {
		r.slots[i].err = err
	}
	switch r.mode {
	case sequential:
		r.stopAt = min(r.stopAt, i)
	case grouped:
		g := r.groups[i]
		if first, ok := r.groupStop[g]; !ok || i < first {
			r.groupStop[g] = i
		}
	}
}

// finish reports the items ordered after a failure (also those that ran:
// an output flush may fail an earlier record after later ones ran) and logs
// the batch's summary.
func (r *run) finish() {
	for i := range r.slots {
		it := &r.slots[i]
		if it.err != nil {
			continue
		}
		switch r.mode {
		case sequential:
			if i > r.stopAt {
				it.err = ErrSkipped
			}
		case grouped:
			if first, ok := r.groupStop[r.groups[i]]; ok && first < i {
				it.err = ErrSkipped
			}
		}
	}
	var failed, late int
	first := -1
	for i := range r.slots {
		err := r.slots[i].err
		if err == nil {
			continue
		}
		failed++
		if first < 0 {
			first = i
		}
		if errors.Is(err, ErrDeadline) {
			late++
		}
	}
	log := r.p.log()
	if late > 0 {
		log.WarnContext(r.ctx, "deadline near: leaving records for redelivery",
			"unprocessed", late, "margin", r.p.margin().String())
	}
	if failed > 0 {
		log.WarnContext(r.ctx, "reporting batch item failures",
			"failures", failed, "records", len(r.slots), "firstId", r.slots[first].id)
	}
}

// flush sends what the run's outboxes still hold, in the order the outboxes
// were first used.
func (r *run) flush(ctx context.Context) {
	r.mu.Lock()
	boxes := append([]flusher(nil), r.boxes...)
	r.mu.Unlock()
	for _, b := range boxes {
		b.flush(ctx, r)
	}
}

// responseIDs returns the identifiers of the failed items, each once, in
// batch order.
func (r *run) responseIDs() []string {
	ids := []string{}
	var last string
	for i := range r.slots {
		if r.slots[i].err == nil {
			continue
		}
		if id := r.slots[i].id; len(ids) == 0 || id != last {
			ids = append(ids, id)
			last = id
		}
	}
	return ids
}
