package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/example/orderflow/internal/orderevents"
)

// entrySender puts EventBridge entries and returns one error per entry
// (the runtime's batchsend.EventBridge: ten per call, the passing failures
// retried).
type entrySender interface {
	Send(ctx context.Context, entries []types.PutEventsRequestEntry) []error
}

// busPublisher puts OrderReady events on the orders event bus: the
// production eventPublisher.
type busPublisher struct {
	sender entrySender
	bus    string // name or ARN, as PutEvents' EventBusName takes it
}

// Publish puts one event per element of evs, with source
// orderevents.Source, detail-type orderevents.DetailTypeOrderReady and the
// event's Detail (no Time, Resources or TraceHeader: the detail alone
// identifies the event; EventBridge stamps the time of the call). It
// returns one error per event, aligned with evs: nil when EventBridge
// accepted it, else the sender's error (a *batchsend.EntryError, a call
// or context error) wrapped with the order's ID. A failed put may still
// have put the event: at least once, the same detail.
func (p *busPublisher) Publish(ctx context.Context, evs []orderevents.OrderReady) []error {
	entries := make([]types.PutEventsRequestEntry, len(evs))
	for i, e := range evs {
		entries[i] = types.PutEventsRequestEntry{
			EventBusName: aws.String(p.bus),
			Source:       aws.String(orderevents.Source),
			DetailType:   aws.String(orderevents.DetailTypeOrderReady),
			Detail:       aws.String(e.Detail()),
		}
	}
	errs := p.sender.Send(ctx, entries)
	out := make([]error, len(evs))
	for i, e := range evs {
		var err error = fmt.Errorf("sender returned no result")
		if i < len(errs) {
			err = errs[i]
		}
		if err != nil {
			out[i] = fmt.Errorf("put OrderReady of order %s: %w", e.OrderID, err)
		}
	}
	return out
}
