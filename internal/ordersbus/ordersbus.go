// Package ordersbus puts the order flow's domain events (package
// orderevents) on the orders EventBridge event bus, in batches, and reports
// per event whether EventBridge accepted it, so batch handlers can turn
// failures into batch item failures.
package ordersbus

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/example/orderflow/internal/orderevents"
)

// MaxBatch is the most entries EventBridge accepts in one PutEvents call
// (EventBridge quotas; the entries' total size must also stay under 256 KiB,
// which ten OrderReady details, under 200 bytes each, never approach).
const MaxBatch = 10

// PutEventsAPI is the one EventBridge operation a Publisher calls.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, params *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// EntryError is EventBridge's report that it did not accept one entry of a
// PutEvents call (an element of PutEventsOutput.Entries with an ErrorCode).
type EntryError struct {
	// Code is EventBridge's error code, e.g. "InternalFailure",
	// "ThrottlingException".
	Code string
	// Message is EventBridge's description, possibly empty.
	Message string
}

// Error names the code and the message.
func (e *EntryError) Error() string {
	return fmt.Sprintf("eventbridge rejected entry: %s: %s", e.Code, e.Message)
}

// errNoResult: the response confirmed the entry neither as put (an event ID)
// nor as failed.
var errNoResult = errors.New("eventbridge returned no result for entry")

// Publisher puts OrderReady events on one event bus. It is safe for
// concurrent use when its client is (the SDK's *eventbridge.Client is).
type Publisher struct {
	client PutEventsAPI
	bus    string
}

// New returns a Publisher that puts events on the bus named bus (a name or
// an ARN, as PutEvents' EventBusName takes it) through client.
func New(client PutEventsAPI, bus string) *Publisher {
	return &Publisher{client: client, bus: bus}
}

// Publish puts one event per element of evs, with source
// orderevents.Source, detail-type orderevents.DetailTypeOrderReady and the
// event's Detail, in PutEvents calls of at most MaxBatch entries, one call
// after another. EventBridge stamps each with the time of the call.
//
// It returns one error per event, aligned with evs: nil when EventBridge
// accepted it (its result entry has an event ID and no error code); an
// *EntryError (wrapped, errors.As) when its result entry has an error code
// (the response's FailedEntryCount counts those); errNoResult when the
// response confirmed it neither way, or for every entry of a response whose
// FailedEntryCount is more than its entries with an error code (which
// failed is then unknown); the wrapped call error for every entry
// of a call that failed as a whole; the context's error for events not sent
// because ctx was done before their call.
//
// A failed call or entry may still have put the event; callers that retry
// put it again. That is the contract: at least once, the same detail.
func (p *Publisher) Publish(ctx context.Context, evs []orderevents.OrderReady) []error {
	errs := make([]error, len(evs))
	for start := 0; start < len(evs); start += MaxBatch {
		end := min(start+MaxBatch, len(evs))
		p.put(ctx, evs[start:end], errs[start:end])
	}
	return errs
}

// put puts evs (at most MaxBatch) and records each result in errs.
func (p *Publisher) put(ctx context.Context, evs []orderevents.OrderReady, errs []error) {
	if err := ctx.Err(); err != nil {
		for i, e := range evs {
			errs[i] = fmt.Errorf("put OrderReady of order %s: not sent: %w", e.OrderID, err)
		}
		return
	}
	entries := make([]types.PutEventsRequestEntry, len(evs))
	for i, e := range evs {
		entries[i] = types.PutEventsRequestEntry{
			EventBusName: aws.String(p.bus),
			Source:       aws.String(orderevents.Source),
			DetailType:   aws.String(orderevents.DetailTypeOrderReady),
			Detail:       aws.String(e.Detail()),
		}
	}
	out, err := p.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		for i, e := range evs {
			errs[i] = fmt.Errorf("put OrderReady of order %s: put events: %w", e.OrderID, err)
		}
		return
	}
	// Result entries are in request order (PutEvents API reference). An
	// entry counts as put only when EventBridge says so with an event ID.
	var failed int32
	for i, e := range evs {
		var r types.PutEventsResultEntry
		if i < len(out.Entries) {
			r = out.Entries[i]
		}
		switch {
		case aws.ToString(r.ErrorCode) != "":
			failed++
			errs[i] = fmt.Errorf("put OrderReady of order %s: %w", e.OrderID,
				&EntryError{Code: aws.ToString(r.ErrorCode), Message: aws.ToString(r.ErrorMessage)})
		case aws.ToString(r.EventId) == "":
			errs[i] = fmt.Errorf("put OrderReady of order %s: %w", e.OrderID, errNoResult)
		}
	}
	// A FailedEntryCount the entries do not account for: which entries
	// failed is unknown, so none of them counts as put.
	if out.FailedEntryCount > failed {
		for i, e := range evs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("put OrderReady of order %s: FailedEntryCount %d but %d entries with an error code: %w",
					e.OrderID, out.FailedEntryCount, failed, errNoResult)
			}
		}
	}
}
