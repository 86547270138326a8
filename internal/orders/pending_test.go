package orders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	minidyn "github.com/truora/minidyn/aws-v2/client"
)

// memTable is the Orders table (Design(legacy)) in minidyn, a DynamoDB fake
// that evaluates expressions and keeps indexes. (In v0.8.2 an UpdateItem
// neither applies REMOVE nor moves an item into or out of a sparse index:
// the tests of Advance and the backfill against the pending index run on
// tools/dynamosim's table, in tools/dynamosim/orders_test.go.)
func memTable(t *testing.T, legacy bool) memDB {
	t.Helper()
	db := minidyn.NewClient()
	d := Design(legacy)
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{TableName: aws.String("Orders"),
		BillingMode: types.BillingModePayPerRequest, AttributeDefinitions: d.AttributeDefinitions,
		KeySchema: d.KeySchema, GlobalSecondaryIndexes: d.GlobalSecondaryIndexes})
	if err != nil {
		t.Fatal(err)
	}
	return memDB{db}
}

// memDB is minidyn's client whose last Query page has no LastEvaluatedKey,
// as DynamoDB sends it (minidyn's is an empty map, on which the SDK's
// paginators ask for another page forever).
type memDB struct{ *minidyn.Client }

func (m memDB) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := m.Client.Query(ctx, in, opts...)
	if out != nil && len(out.LastEvaluatedKey) == 0 {
		out.LastEvaluatedKey = nil
	}
	return out, err
}

// indexLen counts the items in an index of the Orders table.
func (m memDB) indexLen(t *testing.T, index string) int {
	t.Helper()
	out, err := m.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("Orders"), IndexName: aws.String(index)})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
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

func TestBatchStoreWritesTheShard(t *testing.T) {
	db := memTable(t, false)
	bs := &BatchStore{Get: db, Write: db, Table: "Orders"}
	var list []Order
	for i := range 30 {
		list = append(list, newOrder(t, IDFromKey(fmt.Sprint("import:", i)), time.Now()))
	}
	if _, err := bs.PutNew(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	if got := db.indexLen(t, PendingIndexName); got != 30 {
		t.Errorf("pending index: got %d items, want 30", got)
	}
}

func TestFindGoesOnWhenAShardFails(t *testing.T) {
	db := memTable(t, false)
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
