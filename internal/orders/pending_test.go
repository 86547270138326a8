package orders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/orderflow/tools/dynamosim"
)

// simTable is the Orders table (Design(legacy)) in memory, at a fixed clock.
func simTable(t *testing.T, legacy bool) (*dynamosim.DB, *dynamosim.Recorder) {
	t.Helper()
	rec := dynamosim.NewRecorder()
	db := dynamosim.New(func() time.Time { return time.Unix(1_700_000_000, 0) }, rec)
	d := Design(legacy)
	if err := db.CreateTable("Orders", dynamosim.TableDef{KeySchema: d.KeySchema, GlobalSecondaryIndexes: d.GlobalSecondaryIndexes}); err != nil {
		t.Fatal(err)
	}
	return db, rec
}

func newOrder(t *testing.T, id string, created time.Time) Order {
	t.Helper()
	o, err := NewOrder{CustomerID: "c-1", Items: []Item{{SKU: "TEA", Quantity: 1, UnitPriceCents: 300}}}.Build(id, "api", func() time.Time { return created })
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestPendingShardIsPinned: the shard of an ID is stored in the table, so
// the hash may never change (orders stored before would sit under shards
// the writers no longer use, which is harmless, but the numbers in this
// test catch an accidental change of function or count).
func TestPendingShardIsPinned(t *testing.T) {
	for id, want := range map[string]int{"ord_sample": 47, "ord_AAAAAAAAAAAAAAAAAAAAAAAAAA": 23, "a": 44} {
		if got := PendingShard(id); got != want {
			t.Errorf("PendingShard(%q): got %d, want %d", id, got, want)
		}
	}
}

func TestPendingShardsSpreadEvenly(t *testing.T) {
	const n = 64_000
	var counts [PendingShards]int
	for i := range n {
		id := NewID()
		if i%2 == 1 {
			id = IDFromKey(fmt.Sprintf("import:bucket/key#v1:%d", i))
		}
		counts[PendingShard(id)]++
	}
	mean := n / PendingShards
	for s, c := range counts {
		// 1,000 per shard on average, standard deviation ~31: 20% is > 6 sigma.
		if c < mean*8/10 || c > mean*12/10 {
			t.Errorf("shard %d: got %d of %d IDs, want %d +- 20%%", s, c, n, mean)
		}
	}
}

func TestMarshalItemSetsShardOnlyWhilePending(t *testing.T) {
	o := newOrder(t, "ord_sample", time.Unix(0, 0))
	item, err := MarshalItem(o)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := item[AttrPendingShard].(*types.AttributeValueMemberN); !ok || v.Value != "47" {
		t.Errorf("PENDING: got %s = %#v, want N 47", AttrPendingShard, item[AttrPendingShard])
	}
	o.Status = StatusReady
	if item, _ = MarshalItem(o); item[AttrPendingShard] != nil {
		t.Errorf("READY: got %s = %#v, want none", AttrPendingShard, item[AttrPendingShard])
	}
	back, err := UnmarshalItem(item)
	if err != nil || back.OrderID != o.OrderID {
		t.Errorf("round trip: got %+v, %v", back, err)
	}
}

// TestOrderLeavesThePendingIndexWithItsFirstStep: an order costs the pending
// index one put (Create) and one delete (the step out of PENDING), on its
// own shard, and nothing after.
func TestOrderLeavesThePendingIndexWithItsFirstStep(t *testing.T) {
	db, rec := simTable(t, false)
	ctx := context.Background()
	st := &Store{Client: db, Table: "Orders"}
	o := newOrder(t, "ord_sample", time.Now())
	if err := st.Create(ctx, o); err != nil {
		t.Fatal(err)
	}
	if got := db.IndexLen("Orders", PendingIndexName); got != 1 {
		t.Fatalf("after Create: %d items in the pending index, want 1", got)
	}
	for _, step := range [][2]Status{{StatusPending, StatusPreparing}, {StatusPreparing, StatusReady}, {StatusPreparing, StatusReady}} {
		if _, err := st.Advance(ctx, o.OrderID, step[0], step[1]); err != nil {
			t.Fatal(err)
		}
		if got := db.IndexLen("Orders", PendingIndexName); got != 0 {
			t.Fatalf("after %s -> %s: %d items in the pending index, want 0", step[0], step[1], got)
		}
	}
	rec.Flush()
	idx := rec.Totals()["Orders/index/"+PendingIndexName]
	if idx.Writes["put"] != 1 || idx.Writes["delete"] != 1 || idx.Writes["update"] != 0 || idx.WriteUnits != 2 {
		t.Errorf("pending index: got %v (%g units), want one put and one delete, 2 units", idx.Writes, idx.WriteUnits)
	}
	if idx.PeakWrite.Key != "47" {
		t.Errorf("pending index key: got %q, want the order's shard 47", idx.PeakWrite.Key)
	}
}

func TestBatchStoreWritesTheShard(t *testing.T) {
	db, _ := simTable(t, false)
	bs := &BatchStore{Get: db, Write: db, Table: "Orders"}
	var list []Order
	for i := range 30 {
		list = append(list, newOrder(t, IDFromKey(fmt.Sprint("import:", i)), time.Now()))
	}
	if _, err := bs.PutNew(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	if got := db.IndexLen("Orders", PendingIndexName); got != 30 {
		t.Errorf("pending index: got %d items, want 30", got)
	}
}

// TestFindMergesShardsOldestFirst stores orders over many shards, some
// moved on, some fresh, and expects every stale PENDING one, oldest first.
func TestFindMergesShardsOldestFirst(t *testing.T) {
	db, _ := simTable(t, false)
	ctx := context.Background()
	st := &Store{Client: db, Table: "Orders"}
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var want []string
	for i := range 400 {
		created := now.Add(-time.Duration(400-i) * 10 * time.Second) // oldest first; i >= 310 are fresh (< 15 min)
		o := newOrder(t, NewID(), created)
		if err := st.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		switch {
		case i%7 == 0:
			st.Advance(ctx, o.OrderID, StatusPending, StatusPreparing)
		case created.Before(now.Add(-15 * time.Minute)):
			want = append(want, o.OrderID)
		}
	}
	var queries atomic.Int32 // Find queries shards concurrently
	s := &StaleOrders{Query: queryFunc(func(in *dynamodb.QueryInput) (*dynamodb.QueryOutput, error) {
		queries.Add(1)
		return db.Query(ctx, in)
	}), Table: "Orders", Index: PendingIndexName, After: 15 * time.Minute}
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
	if queries.Load() != PendingShards {
		t.Errorf("got %d queries, want one per shard (%d): every shard holds fewer than a page", queries.Load(), PendingShards)
	}
}

func TestFindGoesOnWhenAShardFails(t *testing.T) {
	db, _ := simTable(t, false)
	ctx := context.Background()
	st := &Store{Client: db, Table: "Orders"}
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var onFailing, others int
	for range 200 {
		o := newOrder(t, NewID(), now.Add(-time.Hour))
		st.Create(ctx, o)
		if PendingShard(o.OrderID) == 5 {
			onFailing++
		} else {
			others++
		}
	}
	s := &StaleOrders{Query: queryFunc(func(in *dynamodb.QueryInput) (*dynamodb.QueryOutput, error) {
		if in.ExpressionAttributeValues[":shard"].(*types.AttributeValueMemberN).Value == "5" {
			return nil, errors.New("throttled")
		}
		return db.Query(ctx, in)
	}), Table: "Orders", Index: PendingIndexName, After: 15 * time.Minute}
	var ids int
	var errs []error
	for _, err := range s.Find(ctx, now) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids++
		if len(errs) > 0 {
			t.Fatal("an ID came after the error")
		}
	}
	if ids != others || len(errs) != 1 || !strings.Contains(errs[0].Error(), "shard 5: throttled") {
		t.Errorf("got %d IDs and errors %v; want %d IDs (all but shard 5's %d) and one error naming shard 5", ids, errs, others, onFailing)
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
		o := newOrder(t, NewID(), time.Now().Add(-time.Duration(i)*time.Minute))
		item, _ := MarshalItem(o)
		delete(item, AttrPendingShard) // as the previous release wrote it
		if i%4 == 0 {
			item[AttrStatus] = &types.AttributeValueMemberS{Value: string(StatusReady)}
		} else {
			pending = append(pending, o.OrderID)
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Orders"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	// One already carries its shard (written by the new release).
	fresh := newOrder(t, "ord_sample", time.Now())
	(&Store{Client: db, Table: "Orders"}).Create(ctx, fresh)
	if got := db.IndexLen("Orders", PendingIndexName); got != 1 {
		t.Fatalf("before: %d orders in the pending index, want 1", got)
	}
	b := &PendingBackfill{Query: db, Update: db, Table: "Orders", LegacyIndex: LegacyStatusIndexName}
	res, err := b.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != len(pending)+1 || res.Updated != len(pending) || res.Skipped != 1 {
		t.Errorf("got %+v, want read %d, updated %d, skipped 1", res, len(pending)+1, len(pending))
	}
	if got := db.IndexLen("Orders", PendingIndexName); got != len(pending)+1 {
		t.Errorf("after: %d orders in the pending index, want %d", got, len(pending)+1)
	}
	again, err := b.Run(ctx)
	if err != nil || again.Updated != 0 || again.Skipped != len(pending)+1 {
		t.Errorf("second run: got %+v, %v; want nothing updated", again, err)
	}
}
