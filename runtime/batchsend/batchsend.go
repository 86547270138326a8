// Package batchsend sends messages and events in the batch calls of SQS
// (SendMessageBatch), EventBridge (PutEvents) and SNS (PublishBatch)
// through one loop: entries are split into calls within the service's
// limits (entries per call, bytes per entry and per call), every entry's
// result is checked, only the entries that failed for a reason that can
// pass (throttling, an internal error) are sent again, with backoff bounded
// by the context's deadline, and the result is one error per entry:
// nil when the service accepted it. An entry that can never succeed (too
// large, or refused as the sender's fault) is never sent again.
//
// It pairs with the constructs whose resources functions send to
// (queueworker's queue, eventbus's bus, alarmtopic's and the app's topics)
// and with batch.Outbox, whose Send is a sender's Send:
//
//	out := &batch.Outbox[types.SendMessageBatchRequestEntry]{Send: sender.Send, FlushAt: 10}
//
// Each sender depends on one small interface, the one SDK operation it
// calls (SendMessageBatchAPI, PutEventsAPI, PublishBatchAPI): the SDK's
// clients satisfy them, and a test fakes one with a function.
package batchsend

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Retry says how entries that failed for a passing reason are sent again.
// The zero value uses every default.
type Retry struct {
	// MaxAttempts is how often an entry is sent at most, the first time
	// included. Default (0): 3. 1: never again.
	MaxAttempts int
	// Base is the backoff before the second attempt; each later one
	// doubles it, up to Max, with full jitter (a random wait between 0 and
	// that). Default: 50 ms.
	Base time.Duration
	// Max caps the backoff. Default: 1 s.
	Max time.Duration
	// Sleep waits d or until ctx is done (then it returns ctx's error).
	// Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter picks the wait from 0-d. Default: uniformly at random ("full
	// jitter", which spreads the retries of many senders).
	Jitter func(d time.Duration) time.Duration
}

func (r Retry) attempts() int {
	if r.MaxAttempts > 0 {
		return r.MaxAttempts
	}
	return 3
}

// backoff is the wait before attempt n+1 (n >= 1), jittered.
func (r Retry) backoff(n int) time.Duration {
	base, max := r.Base, r.Max
	if base <= 0 {
		base = 50 * time.Millisecond
	}
	if max <= 0 {
		max = time.Second
	}
	d := base << (n - 1)
	if d > max || d <= 0 {
		d = max
	}
	if r.Jitter != nil {
		return r.Jitter(d)
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

func (r Retry) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// EntryError is a service's report that it did not accept one entry of a
// batch call (an SQS or SNS BatchResultErrorEntry, an EventBridge result
// entry with an ErrorCode).
type EntryError struct {
	// Service is "sqs", "events" or "sns".
	Service string
	// Code is the service's error code, e.g. "InternalError",
	// "ThrottlingException".
	Code string
	// Message is the service's description, possibly empty.
	Message string
	// SenderFault is true when the service says the request was at fault
	// (SQS, SNS): the same entry fails again.
	SenderFault bool
	// Retryable is whether this package sent, or would have sent, the
	// entry again: not a sender fault, and a code that can pass.
	Retryable bool
}

// Error describes the rejection: service, code, message and whether the
// sender was at fault.
func (e *EntryError) Error() string {
	return fmt.Sprintf("%s rejected entry: %s: %s (sender fault: %t)", e.Service, e.Code, e.Message, e.SenderFault)
}

// TooLargeError is the error of an entry larger than the service takes in
// one entry: it is never sent.
type TooLargeError struct {
	// Size is the entry's size as the service counts it, in bytes.
	Size int
	// Limit is the service's limit, in bytes.
	Limit int
}

// Error names the size and the limit.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("entry of %d bytes is larger than the %d the service takes", e.Size, e.Limit)
}

// ErrNoResult is the error of an entry the service's response listed
// neither as accepted nor as failed: it is not counted as sent.
var ErrNoResult = errors.New("the response has no result for the entry")

// limits are a service's batch limits.
type limits struct {
	entries    int // per call
	entryBytes int // per entry
	callBytes  int // per call, all entries
}

// outcome is one entry's result in one call.
type outcome struct {
	err   error // nil: accepted
	retry bool  // the failure can pass
}

// callFunc sends entries in one call and returns one outcome per entry, or
// the call's error.
type callFunc[E any] func(ctx context.Context, entries []E) ([]outcome, error)

// send is the one loop: split, call, check, retry what can pass.
func send[E any](ctx context.Context, entries []E, lim limits, size func(E) int, r Retry, call callFunc[E]) []error {
	errs := make([]error, len(entries))
	sizes := make([]int, len(entries))
	var pending []int
	for i, e := range entries {
		sizes[i] = size(e)
		if sizes[i] > lim.entryBytes {
			errs[i] = &TooLargeError{Size: sizes[i], Limit: lim.entryBytes}
			continue
		}
		pending = append(pending, i)
	}
	for attempt := 1; len(pending) > 0; attempt++ {
		var again []int
		for start := 0; start < len(pending); {
			end, bytes := start, 0
			// At least one entry per call (each is within the entry limit,
			// which no service sets above its call limit).
			for end < len(pending) && end-start < lim.entries && (end == start || bytes+sizes[pending[end]] <= lim.callBytes) {
				bytes += sizes[pending[end]]
				end++
			}
			idx := pending[start:end]
			start = end
			if err := ctx.Err(); err != nil {
				for _, i := range idx {
					errs[i] = notSent(errs[i], err)
				}
				continue
			}
			batch := make([]E, len(idx))
			for j, i := range idx {
				batch[j] = entries[i]
			}
			outs, err := call(ctx, batch)
			if err != nil {
				// The SDK's retryer already retried the call: its error
				// is final for every entry of it.
				for _, i := range idx {
					errs[i] = err
				}
				continue
			}
			for j, i := range idx {
				o := outcome{err: ErrNoResult, retry: true}
				if j < len(outs) {
					o = outs[j]
				}
				errs[i] = o.err
				if o.err != nil && o.retry {
					again = append(again, i)
				}
			}
		}
		if len(again) == 0 || attempt >= r.attempts() {
			break
		}
		d := r.backoff(attempt)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
			break // no time left to wait: the entries keep their errors
		}
		if r.sleep(ctx, d) != nil {
			break
		}
		pending = again
	}
	return errs
}

// notSent is the error of an entry not sent because ctx was done: its
// earlier error when it had one (a retry that did not happen).
func notSent(prev, ctxErr error) error {
	if prev != nil {
		return prev
	}
	return fmt.Errorf("not sent: %w", ctxErr)
}

// failedEntry is a service's report of one entry it did not accept in an
// Id-keyed batch call (BatchResultErrorEntry of SQS SendMessageBatch and
// SNS PublishBatch).
type failedEntry struct {
	id, code, message *string
	senderFault       bool
}

// byID returns one outcome per entry of an Id-keyed call of n entries whose
// Ids were their indexes: accepted when succeeded lists its Id; an
// *EntryError when failed does, passing unless the sender is at fault;
// ErrNoResult, passing, when neither does.
func byID[S, F any](service string, n int, succeeded []S, failed []F, idOf func(S) *string, report func(F) failedEntry) []outcome {
	outs := make([]outcome, n)
	for j := range outs {
		outs[j] = outcome{err: ErrNoResult, retry: true}
	}
	for _, s := range succeeded {
		if j, found := index(idOf(s), n); found {
			outs[j] = outcome{}
		}
	}
	for _, f := range failed {
		e := report(f)
		if j, found := index(e.id, n); found {
			outs[j] = outcome{err: &EntryError{Service: service, Code: aws.ToString(e.code), Message: aws.ToString(e.message),
				SenderFault: e.senderFault, Retryable: !e.senderFault}, retry: !e.senderFault}
		}
	}
	return outs
}

// index reads a result's Id back as an index into a call of n entries.
func index(id *string, n int) (int, bool) {
	j, err := strconv.Atoi(aws.ToString(id))
	return j, err == nil && j >= 0 && j < n
}

// orEmpty is p, or an empty response when a client answered neither a
// response nor an error (a fake, a middleware that swallowed it): every
// entry then gets ErrNoResult, as for a response that lists none.
func orEmpty[T any](p *T) *T {
	if p == nil {
		return new(T)
	}
	return p
}
