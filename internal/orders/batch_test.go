package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type batchGetFunc func(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)

func (f batchGetFunc) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return f(ctx, in, o...)
}

type batchWriteFunc func(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)

func (f batchWriteFunc) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	return f(ctx, in, o...)
}

// fakeTable is an in-memory table behind both batch operations. Each call
// leaves the first unprocessedGets/unprocessedWrites entries of the call
// unprocessed while those counters are positive (decrementing them once per call).
type fakeTable struct {
	items             map[string]bool
	getCalls          []int // keys per BatchGetItem call
	writeCalls        []int // puts per BatchWriteItem call
	unprocessedGets   int
	unprocessedWrites int
	getErr, writeErr  error
}

func (f *fakeTable) get() batchGetFunc {
	return func(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
		if f.getErr != nil {
			return nil, f.getErr
		}
		ka := in.RequestItems["Orders"]
		f.getCalls = append(f.getCalls, len(ka.Keys))
		out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
		keys := ka.Keys
		if f.unprocessedGets > 0 {
			f.unprocessedGets--
			n := min(len(keys), 3)
			left := ka
			left.Keys = keys[:n]
			out.UnprocessedKeys = map[string]types.KeysAndAttributes{"Orders": left}
			keys = keys[n:]
		}
		for _, k := range keys {
			id := k[AttrOrderID].(*types.AttributeValueMemberS).Value
			if f.items[id] {
				out.Responses["Orders"] = append(out.Responses["Orders"], k)
			}
		}
		return out, nil
	}
}

func (f *fakeTable) write() batchWriteFunc {
	return func(_ context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
		if f.writeErr != nil {
			return nil, f.writeErr
		}
		reqs := in.RequestItems["Orders"]
		f.writeCalls = append(f.writeCalls, len(reqs))
		out := &dynamodb.BatchWriteItemOutput{}
		if f.unprocessedWrites > 0 {
			f.unprocessedWrites--
			n := min(len(reqs), 2)
			out.UnprocessedItems = map[string][]types.WriteRequest{"Orders": reqs[:n]}
			reqs = reqs[n:]
		}
		for _, r := range reqs {
			o, err := UnmarshalItem(r.PutRequest.Item)
			if err != nil {
				return nil, err
			}
			f.items[o.OrderID] = true
		}
		return out, nil
	}
}

func newOrders(n int) []Order {
	list := make([]Order, n)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range list {
		list[i] = Order{
			OrderID: fmt.Sprintf("o-%03d", i), CustomerID: "c-1", Status: StatusPending,
			Items: []Item{{SKU: "A", Quantity: 1, UnitPriceCents: 100}}, TotalCents: 100,
			CreatedAt: now, UpdatedAt: now,
		}
	}
	return list
}

func TestBatchStorePutNew(t *testing.T) {
	tests := []struct {
		name              string
		orders            []Order
		existing          []string
		unprocessedGets   int
		unprocessedWrites int
		wantStored        int
		wantExisting      int
		wantGetCalls      []int
		wantWriteCalls    []int
	}{
		{
			name:           "all new, chunked by 100 reads and 25 writes",
			orders:         newOrders(130),
			wantStored:     130,
			wantGetCalls:   []int{100, 30},
			wantWriteCalls: []int{25, 25, 25, 25, 25, 5},
		},
		{
			name:           "redelivery skips stored orders",
			orders:         newOrders(30),
			existing:       []string{"o-000", "o-005", "o-029"},
			wantStored:     27,
			wantExisting:   3,
			wantGetCalls:   []int{30},
			wantWriteCalls: []int{25, 2},
		},
		{
			name:           "same ID twice is stored once",
			orders:         append(newOrders(2), newOrders(1)...),
			wantStored:     2,
			wantExisting:   1,
			wantGetCalls:   []int{2},
			wantWriteCalls: []int{2},
		},
		{
			name:            "unprocessed keys are asked again",
			orders:          newOrders(10),
			existing:        []string{"o-001"},
			unprocessedGets: 2,
			wantStored:      9,
			wantExisting:    1,
			wantGetCalls:    []int{10, 3, 3},
			wantWriteCalls:  []int{9},
		},
		{
			name:              "unprocessed items are written again",
			orders:            newOrders(5),
			unprocessedWrites: 1,
			wantStored:        5,
			wantGetCalls:      []int{5},
			wantWriteCalls:    []int{5, 2},
		},
		{
			name: "nothing to do",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := &fakeTable{items: map[string]bool{}, unprocessedGets: tt.unprocessedGets, unprocessedWrites: tt.unprocessedWrites}
			for _, id := range tt.existing {
				tab.items[id] = true
			}
			var slept int
			s := &BatchStore{Get: tab.get(), Write: tab.write(), Table: "Orders",
				sleep: func(context.Context, time.Duration) error { slept++; return nil }}
			res, err := s.PutNew(context.Background(), tt.orders)
			if err != nil {
				t.Fatalf("PutNew: got error %v, want nil", err)
			}
			if len(res.Stored) != tt.wantStored || len(res.Existing) != tt.wantExisting {
				t.Errorf("got %d stored, %d existing, want %d, %d", len(res.Stored), len(res.Existing), tt.wantStored, tt.wantExisting)
			}
			for _, id := range res.Stored {
				if slices.Contains(tt.existing, id) {
					t.Errorf("got %s stored, want it skipped as existing", id)
				}
			}
			if !slices.Equal(tab.getCalls, tt.wantGetCalls) {
				t.Errorf("got BatchGetItem key counts %v, want %v", tab.getCalls, tt.wantGetCalls)
			}
			if !slices.Equal(tab.writeCalls, tt.wantWriteCalls) {
				t.Errorf("got BatchWriteItem put counts %v, want %v", tab.writeCalls, tt.wantWriteCalls)
			}
			if want := tt.unprocessedGets + tt.unprocessedWrites; slept != want {
				t.Errorf("got %d backoffs, want %d", slept, want)
			}
			if got := len(tab.items); got != len(tt.existing)+tt.wantStored {
				t.Errorf("got %d items in table, want %d", got, len(tt.existing)+tt.wantStored)
			}
		})
	}
}

func TestBatchStorePutNewFailures(t *testing.T) {
	apiErr := errors.New("throttled")
	tests := []struct {
		name      string
		tab       fakeTable
		ctx       func() (context.Context, context.CancelFunc)
		baseDelay time.Duration
		wantErr   error
		wantCalls int // BatchWriteItem calls made
	}{
		{name: "get error", tab: fakeTable{getErr: apiErr}, wantErr: apiErr},
		{name: "write error", tab: fakeTable{writeErr: apiErr}, wantErr: apiErr},
		{name: "retries run out", tab: fakeTable{unprocessedWrites: 100}, wantErr: ErrUnprocessed, wantCalls: 4},
		{
			// The deadline has passed, so every backoff (full jitter: 1ns up to
			// the cap) is longer than the time left, whatever the jitter draws.
			name: "backoff would pass the deadline",
			tab:  fakeTable{unprocessedWrites: 100},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
			},
			baseDelay: time.Hour,
			wantErr:   context.DeadlineExceeded,
			wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			tab := tt.tab
			tab.items = map[string]bool{}
			s := &BatchStore{Get: tab.get(), Write: tab.write(), Table: "Orders", MaxAttempts: 4, BaseDelay: tt.baseDelay,
				sleep: func(context.Context, time.Duration) error { return nil }}
			start := time.Now()
			_, err := s.PutNew(ctx, newOrders(3))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if len(tab.writeCalls) != tt.wantCalls {
				t.Errorf("got %d BatchWriteItem calls, want %d", len(tab.writeCalls), tt.wantCalls)
			}
			if el := time.Since(start); el > 10*time.Second {
				t.Errorf("got PutNew running %v, want it to give up at once", el)
			}
		})
	}
}

func TestBatchBackoffBounds(t *testing.T) {
	var waits []time.Duration
	s := &BatchStore{BaseDelay: 10 * time.Millisecond, MaxDelay: 40 * time.Millisecond, MaxAttempts: 100,
		sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	for attempt := range 50 {
		if err := s.backoff(context.Background(), attempt); err != nil {
			t.Fatalf("attempt %d: got error %v, want nil", attempt, err)
		}
	}
	for i, d := range waits {
		limit := min(10*time.Millisecond<<min(i, 30), 40*time.Millisecond)
		if d <= 0 || d > limit {
			t.Errorf("wait %d: got %v, want in (0, %v]", i, d, limit)
		}
	}
}
