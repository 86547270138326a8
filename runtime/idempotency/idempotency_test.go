package idempotency

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

type result struct {
	MessageID string `json:"messageId"`
	N         int    `json:"n"`
}

func TestDo(t *testing.T) {
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	type call struct {
		key     string
		payload any
		at      time.Duration // after t0
		fnErr   error         // fn's error; nil: returns result{N: run count}
		want    result
		wantErr error // errors.Is
	}
	tests := []struct {
		name      string
		returnOld bool
		calls     []call
		wantRuns  int
		wantOps   map[string]int
	}{
		{name: "first seen runs, repeat returns the stored result", returnOld: true, calls: []call{
			{key: "k", payload: "p", want: result{N: 1}},
			{key: "k", payload: "p", at: time.Minute, want: result{N: 1}},
		}, wantRuns: 1, wantOps: map[string]int{"PutItem": 3}},
		{name: "without the item in the condition failure: GetItem reads it", returnOld: false, calls: []call{
			{key: "k", payload: "p", want: result{N: 1}},
			{key: "k", payload: "p", want: result{N: 1}},
		}, wantRuns: 1, wantOps: map[string]int{"PutItem": 3, "GetItem": 1}},
		{name: "another payload is refused", returnOld: true, calls: []call{
			{key: "k", payload: "p", want: result{N: 1}},
			{key: "k", payload: "q", wantErr: ErrPayloadMismatch},
		}, wantRuns: 1},
		{name: "nil payload matches any", returnOld: true, calls: []call{
			{key: "k", want: result{N: 1}},
			{key: "k", want: result{N: 1}},
		}, wantRuns: 1},
		{name: "other keys run", returnOld: true, calls: []call{
			{key: "a", payload: "p", want: result{N: 1}},
			{key: "b", payload: "p", want: result{N: 2}},
		}, wantRuns: 2},
		{name: "a failure deletes the record: the retry runs", returnOld: true, calls: []call{
			{key: "k", payload: "p", fnErr: errBoom, wantErr: errBoom},
			{key: "k", payload: "p", want: result{N: 2}},
		}, wantRuns: 2, wantOps: map[string]int{"PutItem": 3, "DeleteItem": 1}},
		{name: "past the TTL the key runs again, with any payload", returnOld: true, calls: []call{
			{key: "k", payload: "p", want: result{N: 1}},
			{key: "k", payload: "q", at: DefaultTTL + time.Second, want: result{N: 2}},
		}, wantRuns: 2},
		{name: "at the TTL still the stored result", returnOld: true, calls: []call{
			{key: "k", payload: "p", want: result{N: 1}},
			{key: "k", payload: "p", at: DefaultTTL, want: result{N: 1}},
		}, wantRuns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newMemTable(tt.returnOld)
			now := t0
			g := &Guard{Client: tab, Table: "T", Prefix: "fn", Now: func() time.Time { return now }}
			runs := 0
			for i, c := range tt.calls {
				now = t0.Add(c.at)
				got, err := Do(context.Background(), g, c.key, c.payload, func(ctx context.Context) (result, error) {
					runs++
					if c.fnErr != nil {
						return result{}, c.fnErr
					}
					return result{N: runs}, nil
				})
				if c.wantErr != nil {
					if !errors.Is(err, c.wantErr) {
						t.Errorf("call %d: got error %v, want %v", i, err, c.wantErr)
					}
					continue
				}
				if err != nil || got != c.want {
					t.Errorf("call %d: got (%+v, %v), want (%+v, nil)", i, got, err, c.want)
				}
			}
			if runs != tt.wantRuns {
				t.Errorf("got %d runs, want %d", runs, tt.wantRuns)
			}
			for op, n := range tt.wantOps {
				if tab.Calls[op] != n {
					t.Errorf("got %d %s calls, want %d (all calls: %v)", tab.Calls[op], op, n, tab.Calls)
				}
			}
		})
	}
}

// A panic in fn frees the key as an error does, and goes on to the caller;
// the next call with the key runs fn.
func TestPanicReleasesKey(t *testing.T) {
	tab := newMemTable(true)
	g := &Guard{Client: tab, Table: "T", Prefix: "fn"}
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Errorf("got panic %v, want the handler's (boom) to reach the caller", v)
			}
		}()
		_, _ = Do(context.Background(), g, "k", "p", func(ctx context.Context) (result, error) { panic("boom") })
	}()
	if tab.Calls["DeleteItem"] != 1 {
		t.Errorf("got %d DeleteItem calls, want 1 (the INPROGRESS record released)", tab.Calls["DeleteItem"])
	}
	got, err := Do(context.Background(), g, "k", "p", func(ctx context.Context) (result, error) { return result{N: 2}, nil })
	if err != nil || got.N != 2 {
		t.Errorf("after the panic: got (%+v, %v), want fn run again", got, err)
	}
}

// An empty key is refused without a call: it would make every call one.
func TestDoEmptyKey(t *testing.T) {
	tab := newMemTable(true)
	g := &Guard{Client: tab, Table: "T", Prefix: "fn"}
	for i := range 2 {
		_, err := Do(context.Background(), g, "", nil, func(ctx context.Context) (result, error) {
			t.Errorf("call %d: fn ran with an empty key", i)
			return result{}, nil
		})
		if !errors.Is(err, ErrNoKey) {
			t.Errorf("call %d: got %v, want ErrNoKey", i, err)
		}
	}
	if len(tab.Calls) != 0 {
		t.Errorf("got table calls %v, want none", tab.Calls)
	}
}

func TestInProgress(t *testing.T) {
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tab := newMemTable(true)
	now := t0
	g := &Guard{Client: tab, Table: "T", Prefix: "fn", Now: func() time.Time { return now }}
	// The first invocation has 10 s left and is still running when the
	// second comes.
	ctx1, cancel := context.WithDeadline(context.Background(), t0.Add(10*time.Second))
	defer cancel()
	var inner error
	_, _ = Do(ctx1, g, "k", "p", func(ctx context.Context) (result, error) {
		now = t0.Add(5 * time.Second)
		_, inner = Do(context.Background(), g, "k", "p", func(ctx context.Context) (result, error) {
			t.Error("the second invocation ran, want it refused")
			return result{}, nil
		})
		return result{N: 1}, nil
	})
	var ip *InProgressError
	if !errors.As(inner, &ip) || !errors.Is(inner, ErrInProgress) || !ip.Until.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("got %v, want *InProgressError until the first invocation's deadline %v", inner, t0.Add(10*time.Second))
	}
	if !strings.Contains(inner.Error(), `key "k" is in progress`) {
		t.Errorf("got message %q, want it to name the key", inner)
	}
}

// A crashed invocation leaves INPROGRESS: after its deadline the next one
// takes the key over; before, it is refused. Without a deadline the record
// holds for InProgressTimeout.
func TestExpiredInProgressIsTakenOver(t *testing.T) {
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name     string
		deadline time.Duration // of the crashed invocation; 0: none
		timeout  time.Duration
		at       time.Duration // of the next
		wantRun  bool
	}{
		{name: "before the deadline: refused", deadline: 3 * time.Second, at: 2 * time.Second},
		{name: "after the deadline: taken over", deadline: 3 * time.Second, at: 3*time.Second + time.Millisecond, wantRun: true},
		{name: "no deadline: DefaultInProgressTimeout holds", at: DefaultInProgressTimeout - time.Second},
		{name: "no deadline: after DefaultInProgressTimeout taken over", at: DefaultInProgressTimeout + time.Millisecond, wantRun: true},
		{name: "no deadline, InProgressTimeout 1m", timeout: time.Minute, at: time.Minute + time.Millisecond, wantRun: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newMemTable(true)
			now := t0
			g := &Guard{Client: tab, Table: "T", Prefix: "fn", InProgressTimeout: tt.timeout, Now: func() time.Time { return now }}
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, t0.Add(tt.deadline))
				defer cancel()
			}
			// The crash: the claim is written, then nothing.
			if old, err := g.claim(ctx, "k", g.ID("k"), "h"); old != nil || err != nil {
				t.Fatalf("claim: got (%v, %v)", old, err)
			}
			now = t0.Add(tt.at)
			ran := false
			_, err := Do(context.Background(), g, "k", nil, func(ctx context.Context) (result, error) { ran = true; return result{}, nil })
			if ran != tt.wantRun {
				t.Errorf("got run %v (error %v), want %v", ran, err, tt.wantRun)
			}
			if !tt.wantRun && !errors.Is(err, ErrInProgress) {
				t.Errorf("got %v, want ErrInProgress", err)
			}
		})
	}
}

func TestPersistenceErrors(t *testing.T) {
	boom := errors.New("throttled")
	tests := []struct {
		name    string
		fail    string // op
		fnErr   error
		wantOp  string
		wantRes bool // the result is returned with the error
		wantFn  bool
	}{
		{name: "claim fails: fn not run", fail: "PutItem", wantOp: "PutItem"},
		{name: "delete after a failure fails: both errors", fail: "DeleteItem", fnErr: errBoom, wantOp: "DeleteItem", wantFn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newMemTable(true)
			tab.Fail[tt.fail] = boom
			g := &Guard{Client: tab, Table: "T", Prefix: "fn"}
			ran := false
			_, err := Do(context.Background(), g, "k", "p", func(ctx context.Context) (result, error) { ran = true; return result{N: 1}, tt.fnErr })
			var pe *PersistenceError
			if !errors.As(err, &pe) || pe.Op != tt.wantOp || !errors.Is(err, boom) {
				t.Errorf("got %v, want *PersistenceError of %s wrapping %v", err, tt.wantOp, boom)
			}
			if tt.fnErr != nil && !errors.Is(err, tt.fnErr) {
				t.Errorf("got %v, want it to carry fn's error too", err)
			}
			if ran != tt.wantFn {
				t.Errorf("got fn run %v, want %v", ran, tt.wantFn)
			}
		})
	}
	// The COMPLETED write fails: the result comes back with the error.
	tab := newMemTable(true)
	g := &Guard{Client: tab, Table: "T", Prefix: "fn"}
	got, err := Do(context.Background(), g, "k", "p", func(ctx context.Context) (result, error) {
		tab.Fail["PutItem"] = boom
		return result{N: 7}, nil
	})
	var pe *PersistenceError
	if got.N != 7 || !errors.As(err, &pe) || pe.Op != "PutItem" {
		t.Errorf("got (%+v, %v), want the result and a PutItem *PersistenceError", got, err)
	}
}

func TestHandler(t *testing.T) {
	type event struct{ ID, Body string }
	g := &Guard{Client: newMemTable(true), Table: "T", Prefix: "fn"}
	runs := 0
	h := Handler(g, func(ev event) (string, any, error) {
		if ev.ID == "bad" {
			return "", nil, errors.New("no id")
		}
		return ev.ID, nil, nil
	}, func(ctx context.Context, ev event) (result, error) {
		runs++
		return result{MessageID: "m-" + ev.Body, N: runs}, nil
	})
	ctx := context.Background()
	first, _ := h(ctx, event{ID: "1", Body: "a"})
	again, err := h(ctx, event{ID: "1", Body: "a"})
	if err != nil || again != first || runs != 1 {
		t.Errorf("repeat: got (%+v, %v) after %d runs, want %+v after 1", again, err, runs, first)
	}
	if _, err := h(ctx, event{ID: "1", Body: "b"}); !errors.Is(err, ErrPayloadMismatch) {
		t.Errorf("same key, other event: got %v, want ErrPayloadMismatch (the whole event is the payload)", err)
	}
	if _, err := h(ctx, event{ID: ""}); !errors.Is(err, ErrNoKey) {
		t.Errorf("empty key: got %v, want ErrNoKey", err)
	}
	if _, err := h(ctx, event{ID: "bad"}); err == nil || err.Error() != "no id" {
		t.Errorf("key error: got %v, want it returned", err)
	}
	if runs != 1 {
		t.Errorf("got %d runs, want 1", runs)
	}
}

func TestID(t *testing.T) {
	g := &Guard{Prefix: "notifier"}
	id := g.ID("OrderReady#evt_1")
	if !strings.HasPrefix(id, "notifier#") || len(id) != len("notifier#")+64 {
		t.Errorf("got %q, want notifier# and 64 hex digits", id)
	}
	if g.ID("OrderReady#evt_2") == id {
		t.Error("got the same id for two keys")
	}
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "OrderFlow-dev-Notifier")
	if got := (&Guard{}).ID("k"); !strings.HasPrefix(got, "OrderFlow-dev-Notifier#") {
		t.Errorf("got %q, want the function name as prefix", got)
	}
}
