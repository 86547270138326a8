package batchsend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// putFunc fakes PutEventsAPI with a function.
type putFunc func(*eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error)

func (f putFunc) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	return f(in)
}

func evs(n int) []types.PutEventsRequestEntry {
	es := make([]types.PutEventsRequestEntry, n)
	for i := range es {
		es[i] = types.PutEventsRequestEntry{EventBusName: aws.String("orders"), Source: aws.String("orderflow.kitchen"),
			DetailType: aws.String("OrderReady"), Detail: aws.String(fmt.Sprintf(`{"orderId":"ord_%02d"}`, i))}
	}
	return es
}

func accepted(n int) []types.PutEventsResultEntry {
	out := make([]types.PutEventsResultEntry, n)
	for i := range out {
		out[i] = types.PutEventsResultEntry{EventId: aws.String(fmt.Sprintf("eb-%d", i))}
	}
	return out
}

func TestEventBridgeSendEntries(t *testing.T) {
	var calls []*eventbridge.PutEventsInput
	s := &EventBridge{Client: putFunc(func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
		calls = append(calls, in)
		return &eventbridge.PutEventsOutput{Entries: accepted(len(in.Entries))}, nil
	})}
	in := evs(23)
	for i, err := range s.Send(context.Background(), in) {
		if err != nil {
			t.Errorf("event %d: got %v, want nil", i, err)
		}
	}
	if len(calls) != 3 || len(calls[0].Entries) != 10 || len(calls[1].Entries) != 10 || len(calls[2].Entries) != 3 {
		t.Fatalf("got %d calls, want 3 of 10, 10 and 3 entries", len(calls))
	}
	if e := calls[1].Entries[2]; aws.ToString(e.Detail) != aws.ToString(in[12].Detail) || aws.ToString(e.EventBusName) != "orders" {
		t.Errorf("entry 12: got %+v, want the caller's entry unchanged", e)
	}
}

func TestEventBridgeSendFailures(t *testing.T) {
	boom := errors.New("RequestTimeout")
	tests := []struct {
		name    string
		n       int
		out     func(call int, in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error)
		ctxDone bool
		// wantFailed: indexes that must fail; wantEntry: those with an *EntryError.
		wantFailed, wantEntry []int
		wantIn                string // in every error
		wantCalls             int
	}{
		{name: "one entry failed, retried, failed again", n: 3,
			out: func(call int, in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				r := accepted(len(in.Entries))
				if call == 0 {
					r[1] = types.PutEventsResultEntry{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again")}
				} else {
					r[0] = types.PutEventsResultEntry{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again")}
				}
				return &eventbridge.PutEventsOutput{Entries: r, FailedEntryCount: 1}, nil
			},
			wantFailed: []int{1}, wantEntry: []int{1}, wantIn: "InternalFailure: try again", wantCalls: 3},
		{name: "a final code is not retried", n: 2,
			out: func(call int, in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				r := accepted(len(in.Entries))
				r[0] = types.PutEventsResultEntry{ErrorCode: aws.String("MalformedDetail"), ErrorMessage: aws.String("bad")}
				return &eventbridge.PutEventsOutput{Entries: r, FailedEntryCount: 1}, nil
			},
			wantFailed: []int{0}, wantEntry: []int{0}, wantIn: "MalformedDetail", wantCalls: 1},
		{name: "call failed: every entry of it", n: 12,
			out: func(call int, in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				if len(in.Entries) == 2 {
					return nil, boom
				}
				return &eventbridge.PutEventsOutput{Entries: accepted(len(in.Entries))}, nil
			},
			wantFailed: []int{10, 11}, wantIn: "RequestTimeout", wantCalls: 2},
		{name: "fewer result entries than sent", n: 3,
			out: func(call int, in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				return &eventbridge.PutEventsOutput{Entries: accepted(len(in.Entries) - 1)}, nil
			},
			wantFailed: []int{2}, wantIn: "no result", wantCalls: 3},
		{name: "entry without event ID", n: 2,
			out: func(call int, in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				r := accepted(len(in.Entries))
				r[0] = types.PutEventsResultEntry{}
				return &eventbridge.PutEventsOutput{Entries: r}, nil
			},
			wantFailed: []int{0}, wantIn: "no result", wantCalls: 3},
		{name: "FailedEntryCount the entries do not explain: all fail", n: 3,
			out: func(call int, in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				return &eventbridge.PutEventsOutput{Entries: accepted(len(in.Entries)), FailedEntryCount: 1}, nil
			},
			wantFailed: []int{0, 1, 2}, wantIn: "FailedEntryCount 1", wantCalls: 3},
		{name: "context done: nothing sent", n: 2, ctxDone: true,
			out: func(call int, in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
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
			calls := 0
			s := &EventBridge{Client: putFunc(func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
				defer func() { calls++ }()
				return tt.out(calls, in)
			}), Retry: Retry{Sleep: func(context.Context, time.Duration) error { return nil }}}
			errs := s.Send(ctx, evs(tt.n))
			if len(errs) != tt.n {
				t.Fatalf("got %d results, want %d", len(errs), tt.n)
			}
			if calls != tt.wantCalls {
				t.Errorf("got %d calls, want %d", calls, tt.wantCalls)
			}
			failed, entry := map[int]bool{}, map[int]bool{}
			for _, i := range tt.wantFailed {
				failed[i] = true
			}
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
				if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
					t.Errorf("event %d: got %v, want it to contain %q", i, err, tt.wantIn)
					continue
				}
				var ee *EntryError
				if got := errors.As(err, &ee); got != entry[i] {
					t.Errorf("event %d: errors.As EntryError got %v, want %v", i, got, entry[i])
				}
			}
		})
	}
}

// The size EventBridge counts, by its documented rule, and the split it
// makes: entries of 100 KiB go two to a call.
func TestEventBridgeEntrySize(t *testing.T) {
	e := types.PutEventsRequestEntry{Source: aws.String("orderflow.kitchen"), DetailType: aws.String("OrderReady"),
		Detail: aws.String(`{"a":"é"}`), Resources: []string{"arn:x"}, Time: aws.Time(time.Now()), EventBusName: aws.String("not counted")}
	if got, want := EventBridgeEntrySize(e), 14+17+10+10+5; got != want {
		t.Errorf("got %d bytes, want %d (Time 14, Source, DetailType, Detail and Resources in UTF-8 bytes)", got, want)
	}
	var sizes []int
	s := &EventBridge{Client: putFunc(func(in *eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) {
		sizes = append(sizes, len(in.Entries))
		return &eventbridge.PutEventsOutput{Entries: accepted(len(in.Entries))}, nil
	})}
	big := evs(5)
	for i := range big {
		big[i].Detail = aws.String(`"` + strings.Repeat("x", 100<<10) + `"`)
	}
	s.Send(context.Background(), big)
	if fmt.Sprint(sizes) != "[2 2 1]" {
		t.Errorf("got calls of %v entries, want [2 2 1] (256 KiB a call)", sizes)
	}
}
