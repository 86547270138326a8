package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/runtime/batchsend"
)

// putFunc fakes PutEvents with a function.
type putFunc func(*eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error)

func (f putFunc) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	return f(in)
}

func readyEvents(n int) []orderevents.OrderReady {
	evs := make([]orderevents.OrderReady, n)
	for i := range evs {
		evs[i] = orderevents.NewOrderReady(fmt.Sprintf("ord_%02d", i))
	}
	return evs
}

// The entries: bus, source, detail-type and the order's detail; nothing
// that would make two puts of one order differ. (From internal/ordersbus.)
func TestBusPublisherEntries(t *testing.T) {
	var calls []*eventbridge.PutEventsInput
	p := &busPublisher{bus: "orders-bus", sender: &batchsend.EventBridge{Client: putFunc(func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
		calls = append(calls, in)
		out := &eventbridge.PutEventsOutput{}
		for i := range in.Entries {
			out.Entries = append(out.Entries, types.PutEventsResultEntry{EventId: aws.String(fmt.Sprint("eb-", i))})
		}
		return out, nil
	})}}
	evs := readyEvents(23)
	for i, err := range p.Publish(context.Background(), evs) {
		if err != nil {
			t.Errorf("event %d: got %v, want nil", i, err)
		}
	}
	if len(calls) != 3 || len(calls[0].Entries) != 10 || len(calls[1].Entries) != 10 || len(calls[2].Entries) != 3 {
		t.Fatalf("got %d calls, want 3 of 10, 10 and 3 entries", len(calls))
	}
	e := calls[1].Entries[2] // evs[12]
	if aws.ToString(e.EventBusName) != "orders-bus" || aws.ToString(e.Source) != orderevents.Source ||
		aws.ToString(e.DetailType) != orderevents.DetailTypeOrderReady || aws.ToString(e.Detail) != evs[12].Detail() {
		t.Errorf("entry: got bus %q source %q detail-type %q detail %s; want orders-bus, %s, %s, %s",
			aws.ToString(e.EventBusName), aws.ToString(e.Source), aws.ToString(e.DetailType), aws.ToString(e.Detail),
			orderevents.Source, orderevents.DetailTypeOrderReady, evs[12].Detail())
	}
	if e.Time != nil || len(e.Resources) != 0 || e.TraceHeader != nil {
		t.Errorf("entry: got Time %v Resources %v TraceHeader %v, want none (the detail alone identifies the event)", e.Time, e.Resources, e.TraceHeader)
	}
}

// A failure names the order and keeps the sender's error.
func TestBusPublisherFailures(t *testing.T) {
	p := &busPublisher{bus: "bus", sender: &batchsend.EventBridge{Retry: batchsend.Retry{MaxAttempts: 1},
		Client: putFunc(func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
			return &eventbridge.PutEventsOutput{FailedEntryCount: 1, Entries: []types.PutEventsResultEntry{
				{EventId: aws.String("x")}, {ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again")}}}, nil
		})}}
	evs := readyEvents(3)
	errs := p.Publish(context.Background(), evs)
	if errs[0] != nil {
		t.Errorf("event 0: got %v, want nil", errs[0])
	}
	var ee *batchsend.EntryError
	if !errors.As(errs[1], &ee) || !strings.Contains(errs[1].Error(), evs[1].OrderID) || !strings.Contains(errs[1].Error(), "InternalFailure: try again") {
		t.Errorf("event 1: got %v, want an *EntryError naming order %s", errs[1], evs[1].OrderID)
	}
	if !errors.Is(errs[2], batchsend.ErrNoResult) || !strings.Contains(errs[2].Error(), evs[2].OrderID) {
		t.Errorf("event 2: got %v, want ErrNoResult naming order %s", errs[2], evs[2].OrderID)
	}
}
