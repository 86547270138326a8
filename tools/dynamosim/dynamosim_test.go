package dynamosim

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
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// newDB has table T (key id) with a sparse keys-only index "sparse" (shard,
// created) and an INCLUDE index "byStatus" (status, created; projects note).
func newDB(t *testing.T, clock *time.Time) (*DB, *Recorder) {
	t.Helper()
	rec := NewRecorder()
	db := New(func() time.Time { return *clock }, rec)
	err := db.CreateTable("T", TableDef{
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("sparse"), KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("shard"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("created"), KeyType: types.KeyTypeRange}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
			{IndexName: aws.String("byStatus"), KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("status"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("created"), KeyType: types.KeyTypeRange}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"note"}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, rec
}

// names returns the expression attribute names "#<name>" of attrs that
// expr uses ("shard" and "other" are DynamoDB reserved words, "#s" is
// "status").
func names(expr string, attrs ...string) map[string]string {
	out := map[string]string{}
	for _, a := range attrs {
		if strings.Contains(expr, "#"+a) {
			out["#"+a] = a
		}
	}
	if strings.Contains(expr, "#s ") || strings.HasSuffix(expr, "#s") {
		out["#s"] = "status"
	}
	return out
}

func writes(rec *Recorder) map[string]string {
	rec.Flush()
	out := map[string]string{}
	for target, tot := range rec.Totals() {
		var parts []string
		for _, k := range []string{"put", "update", "delete", "condition-failed"} {
			if tot.Writes[k] > 0 {
				parts = append(parts, fmt.Sprintf("%s=%d", k, tot.Writes[k]))
			}
		}
		out[target] = strings.Join(parts, " ")
	}
	return out
}

func TestIndexWritesFollowDynamoDBRules(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		update string // applied to item 1 after the put
		values map[string]types.AttributeValue
		want   map[string]string // per target, after put + update
	}{
		{name: "key change is delete plus put", update: "SET #s = :v", values: map[string]types.AttributeValue{":v": s("READY")},
			want: map[string]string{"T": "put=1 update=1", "T/index/sparse": "put=1", "T/index/byStatus": "put=2 delete=1"}},
		{name: "removing the sparse key deletes", update: "REMOVE #shard",
			want: map[string]string{"T": "put=1 update=1", "T/index/sparse": "put=1 delete=1", "T/index/byStatus": "put=1"}},
		{name: "projected attribute is an update", update: "SET note = :v", values: map[string]types.AttributeValue{":v": s("hi")},
			want: map[string]string{"T": "put=1 update=1", "T/index/sparse": "put=1", "T/index/byStatus": "put=1 update=1"}},
		{name: "unprojected attribute writes no index", update: "SET #other = :v", values: map[string]types.AttributeValue{":v": s("x")},
			want: map[string]string{"T": "put=1 update=1", "T/index/sparse": "put=1", "T/index/byStatus": "put=1"}},
		{name: "same value writes no index", update: "SET #shard = :v", values: map[string]types.AttributeValue{":v": n("3")},
			want: map[string]string{"T": "put=1 update=1", "T/index/sparse": "put=1", "T/index/byStatus": "put=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := time.Unix(100, 0)
			db, rec := newDB(t, &clock)
			item := map[string]types.AttributeValue{"id": s("1"), "shard": n("3"), "created": s("2024"), "status": s("PENDING")}
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("T"), Item: item}); err != nil {
				t.Fatal(err)
			}
			_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("T"), Key: map[string]types.AttributeValue{"id": s("1")},
				UpdateExpression: aws.String(tt.update), ExpressionAttributeNames: names(tt.update, "status", "shard", "other"), ExpressionAttributeValues: tt.values})
			if err != nil {
				t.Fatal(err)
			}
			got := writes(rec)
			for target, want := range tt.want {
				if got[target] != want {
					t.Errorf("%s: got %q, want %q", target, got[target], want)
				}
			}
		})
	}
}

func TestSparseIndexHoldsOnlyItemsWithItsKey(t *testing.T) {
	clock := time.Unix(100, 0)
	db, rec := newDB(t, &clock)
	ctx := context.Background()
	for i, withShard := range []bool{true, false, true} {
		item := map[string]types.AttributeValue{"id": s(fmt.Sprint(i)), "created": s(fmt.Sprint(2020 + i)), "status": s("PENDING")}
		if withShard {
			item["shard"] = n("7")
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("T"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	if got := db.IndexLen("T", "sparse"); got != 2 {
		t.Errorf("sparse index: got %d items, want 2", got)
	}
	if got := writes(rec)["T/index/sparse"]; got != "put=2" {
		t.Errorf("sparse index writes: got %q, want put=2", got)
	}
	out, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("T"), IndexName: aws.String("sparse"),
		KeyConditionExpression: aws.String("#shard = :s AND created < :c"), ExpressionAttributeNames: names("#shard", "shard"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": n("7"), ":c": s("2030")}, ScanIndexForward: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 2 || out.Items[0]["id"].(*types.AttributeValueMemberS).Value != "2" || out.Items[0]["status"] != nil {
		t.Errorf("query: got %v, want items 2 then 0 with keys only", out.Items)
	}
}

func TestConditionFailureIsChargedAndReturnsOldItem(t *testing.T) {
	clock := time.Unix(100, 0)
	db, rec := newDB(t, &clock)
	ctx := context.Background()
	put := &dynamodb.PutItemInput{TableName: aws.String("T"), Item: map[string]types.AttributeValue{"id": s("1"), "status": s("READY")},
		ConditionExpression: aws.String("attribute_not_exists(id)")}
	if _, err := db.PutItem(ctx, put); err != nil {
		t.Fatal(err)
	}
	_, err := db.PutItem(ctx, put)
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("second put: got %v, want ConditionalCheckFailedException", err)
	}
	_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("T"), Key: map[string]types.AttributeValue{"id": s("1")},
		UpdateExpression: aws.String("SET #s = :to"), ConditionExpression: aws.String("#s = :from AND (attribute_not_exists(x) OR x < :c)"),
		ExpressionAttributeNames:            map[string]string{"#s": "status"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":to": s("X"), ":from": s("PENDING"), ":c": s("z")},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if !errors.As(err, &ccf) || ccf.Item["status"].(*types.AttributeValueMemberS).Value != "READY" {
		t.Fatalf("update: got %v, want a failed condition carrying the old item", err)
	}
	if got := writes(rec)["T"]; got != "put=1 condition-failed=2" {
		t.Errorf("table writes: got %q, want put=1 condition-failed=2", got)
	}
}

// TestExpressionsAreEvaluatedOrFailLoudly: expressions beyond the order
// flow's own are evaluated as DynamoDB does (by minidyn's interpreter), and
// a malformed one is an error, never a silent misreading.
func TestExpressionsAreEvaluatedOrFailLoudly(t *testing.T) {
	ctx := context.Background()
	key := map[string]types.AttributeValue{"id": s("1")}
	tests := []struct {
		name, update, cond string
		values             map[string]types.AttributeValue
		want               string // the item after, or the error
	}{
		{name: "ADD", update: "ADD #n :one", want: "n=1 l=[a] id=1"},
		{name: "arithmetic", update: "SET #n = #n + :one", want: "error"},
		{name: "list element", update: "SET #l[0] = :v", want: "l=[b] id=1"},
		{name: "size() true", update: "SET #n = :one", cond: "size(id) > :zero", want: "n=1 l=[a] id=1"},
		{name: "size() false", update: "SET #n = :one", cond: "size(id) > :one", want: "condition failed"},
		{name: "syntax error", update: "SET = :v", want: "error"},
		{name: "reserved word without a name", update: "SET other = :v", want: "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := time.Unix(100, 0)
			db, _ := newDB(t, &clock)
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("T"), Item: map[string]types.AttributeValue{
				"id": s("1"), "l": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("a")}}}}); err != nil {
				t.Fatal(err)
			}
			in := &dynamodb.UpdateItemInput{TableName: aws.String("T"), Key: key, UpdateExpression: aws.String(tt.update),
				ExpressionAttributeNames:  names(tt.update, "n", "l"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1"), ":zero": n("0"), ":v": s("b")}}
			if tt.cond != "" {
				in.ConditionExpression = aws.String(tt.cond)
			}
			var ccf *types.ConditionalCheckFailedException
			got := ""
			switch _, err := db.UpdateItem(ctx, in); {
			case errors.As(err, &ccf):
				got = "condition failed"
			case err != nil:
				got = "error"
			default:
				out, _ := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("T"), Key: key})
				var parts []string
				for _, k := range []string{"n", "l", "id"} {
					switch v := out.Item[k].(type) {
					case *types.AttributeValueMemberN:
						parts = append(parts, k+"="+v.Value)
					case *types.AttributeValueMemberS:
						parts = append(parts, k+"="+v.Value)
					case *types.AttributeValueMemberL:
						parts = append(parts, fmt.Sprintf("%s=[%s]", k, v.Value[0].(*types.AttributeValueMemberS).Value))
					}
				}
				got = strings.Join(parts, " ")
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestQueryPagesSurviveDeletedStartKey(t *testing.T) {
	clock := time.Unix(100, 0)
	db, _ := newDB(t, &clock)
	ctx := context.Background()
	for i := range 5 {
		db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("T"), Item: map[string]types.AttributeValue{
			"id": s(fmt.Sprint(i)), "shard": n("1"), "created": s(fmt.Sprint(10 + i))}})
	}
	q := &dynamodb.QueryInput{TableName: aws.String("T"), IndexName: aws.String("sparse"), Limit: aws.Int32(2),
		KeyConditionExpression: aws.String("#shard = :s"), ExpressionAttributeNames: names("#shard", "shard"), ExpressionAttributeValues: map[string]types.AttributeValue{":s": n("1")}}
	var got []string
	for {
		out, err := db.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			got = append(got, it["id"].(*types.AttributeValueMemberS).Value)
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		// The last item read leaves the index before the next page.
		db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("T"), Key: map[string]types.AttributeValue{"id": out.LastEvaluatedKey["id"]},
			UpdateExpression: aws.String("REMOVE #shard"), ExpressionAttributeNames: names("#shard", "shard")})
		q.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if strings.Join(got, ",") != "0,1,2,3,4" {
		t.Errorf("pages: got %v, want 0..4 in order", got)
	}
}

func TestRecorderKeepsPeaksAndOverLimitSeconds(t *testing.T) {
	clock := time.Unix(100, 0)
	db, rec := newDB(t, &clock)
	ctx := context.Background()
	// 1,001 items under one sparse key in second 100, 10 in second 101.
	for i := range 1011 {
		if i == 1001 {
			clock = time.Unix(101, 0)
		}
		db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("T"), Item: map[string]types.AttributeValue{
			"id": s(fmt.Sprint(i)), "shard": n("9"), "created": s("c")}})
	}
	rec.Flush()
	over, count := rec.Over()
	if count != 1 || len(over) != 1 || over[0].Target != "T/index/sparse" || over[0].Key != "9" || over[0].Second != 100 || over[0].Units != 1001 {
		t.Errorf("over: got %v (%d), want T/index/sparse key 9, 1001 units in second 100", over, count)
	}
	tot := rec.Totals()
	if p := tot["T"].PeakWrite; p.Units != 1 {
		t.Errorf("table peak: got %v, want 1 unit (every item its own key)", p)
	}
	if tot["T/index/sparse"].WriteUnits != 1011 || tot["T"].Keys != 1011 || tot["T/index/sparse"].Keys != 1 {
		t.Errorf("totals: got %+v", tot)
	}
}

func TestItemSize(t *testing.T) {
	item := map[string]types.AttributeValue{
		"orderId": s("ord_1"),                                                           // 7 + 5
		"total":   n("1050"),                                                            // 5 + 3 (105 -> 2 + 1)
		"neg":     n("-0.0120"),                                                         // 3 + 2 (12 -> 1 + 1)
		"items":   &types.AttributeValueMemberL{Value: []types.AttributeValue{s("ab")}}, // 5 + 3 + 1 + 2
	}
	if got, want := ItemSize(item), 12+8+5+11; got != want {
		t.Errorf("got %d bytes, want %d", got, want)
	}
	if WriteUnits(1024) != 1 || WriteUnits(1025) != 2 || ReadUnits(100, false) != 0.5 || ReadUnits(8193, true) != 3 {
		t.Error("unit rounding is off")
	}
}
