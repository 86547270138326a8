package orders

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// fakeDB is a StoreAPI whose operations are functions; an unset one fails the test.
type fakeDB struct {
	t      *testing.T
	put    func(*dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error)
	get    func(*dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error)
	update func(*dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error)
}

func (f fakeDB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if f.put == nil {
		f.t.Fatal("got PutItem call, want none")
	}
	return f.put(in)
}

func (f fakeDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if f.get == nil {
		f.t.Fatal("got GetItem call, want none")
	}
	return f.get(in)
}

func (f fakeDB) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if f.update == nil {
		f.t.Fatal("got UpdateItem call, want none")
	}
	return f.update(in)
}

var (
	errThrottled = errors.New("throttled")
	testTime     = time.Date(2026, 11, 30, 2, 42, 0, 123, time.UTC)
)

func testOrder() Order {
	return Order{OrderID: "ord_1", CustomerID: "c1", Items: []Item{{"sku", 2, 150}}, TotalCents: 300,
		Status: StatusPending, CreatedAt: testTime, UpdatedAt: testTime, Source: "api", RequestHash: "abc"}
}

func s(v string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: v} }

func TestStoreCreate(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantIs  error // nil: want success
		wantErr bool
	}{
		{name: "stored"},
		{name: "exists", err: &types.ConditionalCheckFailedException{Message: aws.String("failed")}, wantIs: ErrAlreadyExists, wantErr: true},
		{name: "other error", err: errThrottled, wantIs: errThrottled, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *dynamodb.PutItemInput
			st := &Store{Table: "Orders", Client: fakeDB{t: t, put: func(in *dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error) {
				got = in
				return &dynamodb.PutItemOutput{}, tt.err
			}}}
			err := st.Create(context.Background(), testOrder())
			if (err != nil) != tt.wantErr || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) {
				t.Fatalf("got error %v, want error wrapping %v", err, tt.wantIs)
			}
			if tt.err == errThrottled && errors.Is(err, ErrAlreadyExists) {
				t.Errorf("got %v wrapping ErrAlreadyExists, want only the cause", err)
			}
			if *got.TableName != "Orders" {
				t.Errorf("got table %q, want Orders", *got.TableName)
			}
			if cond, names := *got.ConditionExpression, got.ExpressionAttributeNames; cond != "attribute_not_exists(#id)" || names["#id"] != "orderId" {
				t.Errorf("got condition %q with names %v, want attribute_not_exists(orderId)", cond, names)
			}
			for attr, want := range map[string]string{"orderId": "ord_1", "status": "PENDING",
				"createdAt": "2026-11-30T02:42:00.000000123Z", "requestHash": "abc"} {
				if v, ok := got.Item[attr].(*types.AttributeValueMemberS); !ok || v.Value != want {
					t.Errorf("got item[%s] = %#v, want string %q", attr, got.Item[attr], want)
				}
			}
		})
	}
}

func TestStoreGet(t *testing.T) {
	stored, err := MarshalItem(testOrder())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		out    *dynamodb.GetItemOutput
		err    error
		want   Order
		wantIs error
	}{
		{name: "found", out: &dynamodb.GetItemOutput{Item: stored}, want: testOrder()},
		{name: "missing", out: &dynamodb.GetItemOutput{}, wantIs: ErrNotFound},
		{name: "corrupt item", out: &dynamodb.GetItemOutput{Item: map[string]types.AttributeValue{"status": s("READY")}}},
		{name: "sdk error", err: errThrottled, wantIs: errThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &Store{Table: "Orders", Client: fakeDB{t: t, get: func(in *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
				if !*in.ConsistentRead || *in.TableName != "Orders" || !reflect.DeepEqual(in.Key, orderKey("ord_1")) {
					t.Errorf("got GetItem %+v, want consistent read of orderId ord_1 in Orders", in)
				}
				return tt.out, tt.err
			}}}
			got, err := st.Get(context.Background(), "ord_1")
			wantErr := tt.want.OrderID == ""
			if (err != nil) != wantErr || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) {
				t.Fatalf("got error %v, want error wrapping %v", err, tt.wantIs)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStoreAdvance(t *testing.T) {
	failed := func(item map[string]types.AttributeValue) error {
		return &types.ConditionalCheckFailedException{Message: aws.String("failed"), Item: item}
	}
	withStatus := func(st string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"orderId": s("ord_1"), "status": s(st)}
	}
	tests := []struct {
		name        string
		from, to    Status
		err         error
		wantChanged bool
		wantIs      error
		wantErr     bool
		wantNoCall  bool
	}{
		{name: "advanced", from: StatusPending, to: StatusPreparing, wantChanged: true},
		{name: "two steps at once", from: StatusPending, to: StatusReady, wantChanged: true},
		{name: "missing", from: StatusPending, to: StatusPreparing, err: failed(nil), wantIs: ErrNotFound, wantErr: true},
		{name: "already at to", from: StatusPending, to: StatusPreparing, err: failed(withStatus("PREPARING"))},
		{name: "already past to", from: StatusPending, to: StatusPreparing, err: failed(withStatus("READY"))},
		{name: "second step redelivered", from: StatusPreparing, to: StatusReady, err: failed(withStatus("READY"))},
		{name: "behind from", from: StatusPreparing, to: StatusReady, err: failed(withStatus("PENDING")), wantIs: ErrWrongState, wantErr: true},
		{name: "unknown status", from: StatusPending, to: StatusPreparing, err: failed(withStatus("CANCELLED")), wantIs: ErrWrongState, wantErr: true},
		{name: "status not a string", from: StatusPending, to: StatusPreparing,
			err: failed(map[string]types.AttributeValue{"orderId": s("ord_1"), "status": &types.AttributeValueMemberN{Value: "1"}}), wantIs: ErrWrongState, wantErr: true},
		{name: "sdk error", from: StatusPending, to: StatusPreparing, err: errThrottled, wantIs: errThrottled, wantErr: true},
		{name: "backwards", from: StatusReady, to: StatusPending, wantErr: true, wantNoCall: true},
		{name: "same status", from: StatusPending, to: StatusPending, wantErr: true, wantNoCall: true},
		{name: "unknown from", from: "NEW", to: StatusReady, wantErr: true, wantNoCall: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := fakeDB{t: t}
			if !tt.wantNoCall {
				db.update = func(in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error) {
					checkUpdate(t, in, tt.from, tt.to)
					return &dynamodb.UpdateItemOutput{}, tt.err
				}
			}
			st := &Store{Table: "Orders", Client: db, Now: func() time.Time { return testTime }}
			changed, err := st.Advance(context.Background(), "ord_1", tt.from, tt.to)
			if (err != nil) != tt.wantErr || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) {
				t.Fatalf("got error %v, want error wrapping %v (any error: %v)", err, tt.wantIs, tt.wantErr)
			}
			if changed != tt.wantChanged {
				t.Errorf("got changed %v, want %v", changed, tt.wantChanged)
			}
		})
	}
}

func checkUpdate(t *testing.T, in *dynamodb.UpdateItemInput, from, to Status) {
	t.Helper()
	if *in.TableName != "Orders" || !reflect.DeepEqual(in.Key, orderKey("ord_1")) {
		t.Errorf("got table %q key %v, want Orders, ord_1", *in.TableName, in.Key)
	}
	if got := *in.ConditionExpression; got != "#status = :from" {
		t.Errorf("got condition %q, want #status = :from", got)
	}
	if got := *in.UpdateExpression; got != "SET #status = :to, #updatedAt = :now REMOVE #pendingShard" {
		t.Errorf("got update %q, want SET #status = :to, #updatedAt = :now REMOVE #pendingShard", got)
	}
	if in.ExpressionAttributeNames["#status"] != "status" || in.ExpressionAttributeNames["#updatedAt"] != "updatedAt" {
		t.Errorf("got names %v, want #status=status, #updatedAt=updatedAt", in.ExpressionAttributeNames)
	}
	want := map[string]types.AttributeValue{":from": s(string(from)), ":to": s(string(to)), ":now": s("2026-11-30T02:42:00.000000123Z")}
	if !reflect.DeepEqual(in.ExpressionAttributeValues, want) {
		t.Errorf("got values %v, want %v", in.ExpressionAttributeValues, want)
	}
	if in.ReturnValuesOnConditionCheckFailure != types.ReturnValuesOnConditionCheckFailureAllOld {
		t.Errorf("got ReturnValuesOnConditionCheckFailure %q, want ALL_OLD", in.ReturnValuesOnConditionCheckFailure)
	}
}
