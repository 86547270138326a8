package ordersbus

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
)

// putFunc fakes PutEvents with a function.
type putFunc func(*eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error)

func (f putFunc) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	return f(in)
}

func events(n int) []orderevents.OrderReady {
	evs := make([]orderevents.OrderReady, n)
	for i := range evs {
		evs[i] = orderevents.NewOrderReady(fmt.Sprintf("ord_%02d", i))
	}
	return evs
}

func ok(n int) []types.PutEventsResultEntry {
	out := make([]types.PutEventsResultEntry, n)
	for i := range out {
		out[i] = types.PutEventsResultEntry{EventId: aws.String(fmt.Sprintf("eb-%d", i))}
	}
	return out
}

func TestPublishEntries(t *testing.T) {
	var calls []*eventbridge.PutEventsInput
	p := New(putFunc(func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
		calls = append(calls, in)
		return &eventbridge.PutEventsOutput{Entries: ok(len(in.Entries))}, nil
	}), "orders-bus")
	evs := events(23)
	errs := p.Publish(context.Background(), evs)
	for i, err := range errs {
		if err != nil {
			t.Errorf("event %d: got %v, want nil", i, err)
		}
	}
	if got := []int{len(calls[0].Entries), len(calls[1].Entries), len(calls[2].Entries)}; len(calls) != 3 || got[0] != 10 || got[1] != 10 || got[2] != 3 {
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

func TestPublishFailures(t *testing.T) {
	boom := errors.New("RequestTimeout")
	tests := []struct {
		name    string
		n       int
		out     func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error)
		ctxDone bool
		// wantFailed: indexes of evs that must fail; wantEntry: those with an *EntryError.
		wantFailed, wantEntry []int
		wantIn                string // in every error
	}{
		{name: "one entry failed", n: 3,
			out: func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				r := ok(3)
				r[1] = types.PutEventsResultEntry{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again")}
				return &eventbridge.PutEventsOutput{Entries: r, FailedEntryCount: 1}, nil
			},
			wantFailed: []int{1}, wantEntry: []int{1}, wantIn: "InternalFailure: try again"},
		{name: "call failed: every entry of it", n: 12,
			out: func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				if len(in.Entries) == 2 {
					return nil, boom
				}
				return &eventbridge.PutEventsOutput{Entries: ok(len(in.Entries))}, nil
			},
			wantFailed: []int{10, 11}, wantIn: "RequestTimeout"},
		{name: "fewer result entries than sent", n: 3,
			out: func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				return &eventbridge.PutEventsOutput{Entries: ok(2)}, nil
			},
			wantFailed: []int{2}, wantIn: "no result"},
		{name: "entry without event ID", n: 2,
			out: func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				return &eventbridge.PutEventsOutput{Entries: []types.PutEventsResultEntry{{}, {EventId: aws.String("x")}}}, nil
			},
			wantFailed: []int{0}, wantIn: "no result"},
		{name: "FailedEntryCount the entries do not explain: all fail", n: 3,
			out: func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				return &eventbridge.PutEventsOutput{Entries: ok(3), FailedEntryCount: 1}, nil
			},
			wantFailed: []int{0, 1, 2}, wantIn: "FailedEntryCount 1"},
		{name: "context done: nothing sent", n: 2, ctxDone: true,
			out: func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				return nil, errors.New("called")
			},
			wantFailed: []int{0, 1}, wantIn: "not sent: context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.ctxDone {
				cancel()
			}
			evs := events(tt.n)
			errs := New(putFunc(tt.out), "bus").Publish(ctx, evs)
			if len(errs) != len(evs) {
				t.Fatalf("got %d results, want %d", len(errs), len(evs))
			}
			failed := map[int]bool{}
			for _, i := range tt.wantFailed {
				failed[i] = true
			}
			entry := map[int]bool{}
			for _, i := range tt.wantEntry {
				entry[i] = true
			}
			for i, err := range errs {
				if !failed[i] {
					if err != nil {
						t.Errorf("event %d: got %v, want nil", i, err)
					}
					continue
				}
				if err == nil {
					t.Errorf("event %d: got nil, want an error", i)
					continue
				}
				if !strings.Contains(err.Error(), tt.wantIn) || !strings.Contains(err.Error(), evs[i].OrderID) {
					t.Errorf("event %d: got %q, want it to name order %s and contain %q", i, err, evs[i].OrderID, tt.wantIn)
				}
				var ee *EntryError
				if got := errors.As(err, &ee); got != entry[i] {
					t.Errorf("event %d: errors.As EntryError got %v, want %v", i, got, entry[i])
				}
			}
		})
	}
}
