package integration

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/tools/localrun"
	"github.com/example/orderflow/tools/moto"
)

// TestMoveToThePendingIndex walks docs/design.md's "Moving to the pending index"
// on the local DynamoDB: a table with both indexes (the release deployed
// with -c legacyStatusIndex=true), orders an older release wrote (no
// pendingShard), the backfill (tools/cmd/pendingbackfill's code), and the
// sweeper's query finding the stale ones through the pending index.
func TestMoveToThePendingIndex(t *testing.T) {
	ctx := testContext(t)
	db := dynamodb.NewFromConfig(moto.Config(region, local(t)))
	design := orders.Design(true)
	if err := localrun.CreateTable(ctx, db, "Moving", localrun.TableProps{AttributeDefinitions: design.AttributeDefinitions,
		KeySchema: design.KeySchema, GlobalSecondaryIndexes: design.GlobalSecondaryIndexes}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	put := func(id string, status orders.Status, created time.Time) {
		o, err := orders.NewOrder{CustomerID: "c-1", Items: []orders.Item{{SKU: "TEA", Quantity: 1, UnitPriceCents: 300}}}.
			Build(id, "api", func() time.Time { return created })
		if err != nil {
			t.Fatal(err)
		}
		o.Status = status
		item, _ := orders.MarshalItem(o)
		delete(item, orders.AttrPendingShard) // as the release before wrote it
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Moving"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	put("ord_OLD_STALE", orders.StatusPending, now.Add(-time.Hour))
	put("ord_OLD_FRESH", orders.StatusPending, now.Add(-time.Minute))
	put("ord_OLD_READY", orders.StatusReady, now.Add(-time.Hour))

	stale := &orders.StaleOrders{Query: db, Update: db, Table: "Moving", Index: orders.PendingIndexName, After: 15 * time.Minute}
	find := func() []string {
		var ids []string
		for id, err := range stale.Find(ctx, now) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
	if got := find(); len(got) != 0 {
		t.Fatalf("before the backfill the pending index lists %v, want nothing", got)
	}
	res, err := (&orders.PendingBackfill{Query: db, Update: db, Table: "Moving", LegacyIndex: orders.LegacyStatusIndexName}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 2 || res.Updated != 2 {
		t.Errorf("backfill: got %+v, want 2 PENDING orders read and updated", res)
	}
	if got := find(); !slices.Equal(got, []string{"ord_OLD_STALE"}) {
		t.Errorf("after the backfill the sweeper finds %v, want [ord_OLD_STALE]", got)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Moving"), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{orders.AttrOrderID: &types.AttributeValueMemberS{Value: "ord_OLD_READY"}}})
	if err != nil || out.Item[orders.AttrPendingShard] != nil {
		t.Errorf("ord_OLD_READY: got %v, %v; want no %s (it is not PENDING)", out.Item, err, orders.AttrPendingShard)
	}
}
