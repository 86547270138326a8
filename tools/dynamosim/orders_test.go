package dynamosim_test

// The order flow's domain code (internal/orders) against the pending index:
// an order enters it with Create and leaves it with Advance (UpdateItem
// REMOVE), the backfill moves orders in (UpdateItem SET). These tests were
// internal/orders'; they run here because minidyn, the fake internal/orders'
// other tests use, gets exactly these updates wrong (see the package
// documentation), and internal/orders imports no tooling.

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/tools/dynamosim"
)

// simTable is the Orders table (orders.Design(legacy)) in memory, at a fixed clock.
func simTable(t *testing.T, legacy bool) (*dynamosim.DB, *dynamosim.Recorder) {
	t.Helper()
	rec := dynamosim.NewRecorder()
	db := dynamosim.New(func() time.Time { return time.Unix(1_700_000_000, 0) }, rec)
	d := orders.Design(legacy)
	if err := db.CreateTable("Orders", dynamosim.TableDef{KeySchema: d.KeySchema, GlobalSecondaryIndexes: d.GlobalSecondaryIndexes}); err != nil {
		t.Fatal(err)
	}
	return db, rec
}

func newOrder(t *testing.T, id string, created time.Time) orders.Order {
	t.Helper()
	o, err := orders.NewOrder{CustomerID: "c-1", Items: []orders.Item{{SKU: "TEA", Quantity: 1, UnitPriceCents: 300}}}.Build(id, "api", func() time.Time { return created })
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// queryFunc fakes dynamodb.QueryAPIClient.
type queryFunc func(*dynamodb.QueryInput) (*dynamodb.QueryOutput, error)

func (f queryFunc) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return f(in)
}

// TestOrderLeavesThePendingIndexWithItsFirstStep: an order costs the pending
// index one put (Create) and one delete (the step out of PENDING), on its
// own shard, and nothing after.
func TestOrderLeavesThePendingIndexWithItsFirstStep(t *testing.T) {
	db, rec := simTable(t, false)
	ctx := context.Background()
	st := &orders.Store{Client: db, Table: "Orders"}
	o := newOrder(t, "ord_sample", time.Now())
	if err := st.Create(ctx, o); err != nil {
		t.Fatal(err)
	}
	if got := db.IndexLen("Orders", orders.PendingIndexName); got != 1 {
		t.Fatalf("after Create: %d items in the pending index, want 1", got)
	}
	for _, step := range [][2]orders.Status{{orders.StatusPending, orders.StatusPreparing}, {orders.StatusPreparing, orders.StatusReady}, {orders.StatusPreparing, orders.StatusReady}} {
		if _, err := st.Advance(ctx, o.OrderID, step[0], step[1]); err != nil {
			t.Fatal(err)
		}
		if got := db.IndexLen("Orders", orders.PendingIndexName); got != 0 {
			t.Fatalf("after %s -> %s: %d items in the pending index, want 0", step[0], step[1], got)
		}
	}
	rec.Flush()
	idx := rec.Totals()["Orders/index/"+orders.PendingIndexName]
	if idx.Writes["put"] != 1 || idx.Writes["delete"] != 1 || idx.Writes["update"] != 0 || idx.WriteUnits != 2 {
		t.Errorf("pending index: got %v (%g units), want one put and one delete, 2 units", idx.Writes, idx.WriteUnits)
	}
	if idx.PeakWrite.Key != "47" {
		t.Errorf("pending index key: got %q, want the order's shard 47", idx.PeakWrite.Key)
	}
}

// TestFindMergesShardsOldestFirst stores orders over many shards, some
// moved on, some fresh, and expects every stale PENDING one, oldest first.
func TestFindMergesShardsOldestFirst(t *testing.T) {
	db, _ := simTable(t, false)
	ctx := context.Background()
	st := &orders.Store{Client: db, Table: "Orders"}
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var want []string
	for i := range 400 {
		created := now.Add(-time.Duration(400-i) * 10 * time.Second) // oldest first; i >= 310 are fresh (< 15 min)
		o := newOrder(t, orders.NewID(), created)
		if err := st.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		switch {
		case i%7 == 0:
			st.Advance(ctx, o.OrderID, orders.StatusPending, orders.StatusPreparing)
		case created.Before(now.Add(-15 * time.Minute)):
			want = append(want, o.OrderID)
		}
	}
	var queries atomic.Int32 // Find queries shards concurrently
	s := &orders.StaleOrders{Query: queryFunc(func(in *dynamodb.QueryInput) (*dynamodb.QueryOutput, error) {
		queries.Add(1)
		return db.Query(ctx, in)
	}), Table: "Orders", Index: orders.PendingIndexName, After: 15 * time.Minute}
	var got []string
	for id, err := range s.Find(ctx, now) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %d IDs, want %d, oldest first:\ngot  %v\nwant %v", len(got), len(want), got, want)
	}
	if queries.Load() != orders.PendingShards {
		t.Errorf("got %d queries, want one per shard (%d): every shard holds fewer than a page", queries.Load(), orders.PendingShards)
	}
}

// TestBackfillMovesOldPendingOrdersIntoThePendingIndex: orders written by
// the previous release (no pendingShard) are found through the legacy
// index and given their shard; orders that moved on are left alone.
func TestBackfillMovesOldPendingOrdersIntoThePendingIndex(t *testing.T) {
	db, _ := simTable(t, true)
	ctx := context.Background()
	var pending []string
	for i := range 120 {
		o := newOrder(t, orders.NewID(), time.Now().Add(-time.Duration(i)*time.Minute))
		item, _ := orders.MarshalItem(o)
		delete(item, orders.AttrPendingShard) // as the previous release wrote it
		if i%4 == 0 {
			item[orders.AttrStatus] = &types.AttributeValueMemberS{Value: string(orders.StatusReady)}
		} else {
			pending = append(pending, o.OrderID)
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Orders"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	// One already carries its shard (written by the new release).
	fresh := newOrder(t, "ord_sample", time.Now())
	(&orders.Store{Client: db, Table: "Orders"}).Create(ctx, fresh)
	if got := db.IndexLen("Orders", orders.PendingIndexName); got != 1 {
		t.Fatalf("before: %d orders in the pending index, want 1", got)
	}
	b := &orders.PendingBackfill{Query: db, Update: db, Table: "Orders", LegacyIndex: orders.LegacyStatusIndexName}
	res, err := b.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != len(pending)+1 || res.Updated != len(pending) || res.Skipped != 1 {
		t.Errorf("got %+v, want read %d, updated %d, skipped 1", res, len(pending)+1, len(pending))
	}
	if got := db.IndexLen("Orders", orders.PendingIndexName); got != len(pending)+1 {
		t.Errorf("after: %d orders in the pending index, want %d", got, len(pending)+1)
	}
	again, err := b.Run(ctx)
	if err != nil || again.Updated != 0 || again.Skipped != len(pending)+1 {
		t.Errorf("second run: got %+v, %v; want nothing updated", again, err)
	}
}
