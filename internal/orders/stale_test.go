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
)

func TestParseStaleAfter(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    time.Duration
		wantErr string // substring; "" means no error
	}{
		{name: "empty is default", in: "", want: 15 * time.Minute},
		{name: "minutes", in: "15m", want: 15 * time.Minute},
		{name: "minimum", in: "1m", want: time.Minute},
		{name: "maximum", in: "24h", want: 24 * time.Hour},
		{name: "compound", in: "1h30m", want: 90 * time.Minute},
		{name: "below minimum", in: "59s", wantErr: `STALE_AFTER "59s" is outside`},
		{name: "above maximum", in: "24h0m1s", wantErr: `STALE_AFTER "24h0m1s" is outside`},
		{name: "negative", in: "-15m", wantErr: "is outside"},
		{name: "zero", in: "0", wantErr: "is outside"},
		{name: "no unit", in: "15", wantErr: `STALE_AFTER "15" is not a Go duration`},
		{name: "garbage", in: "soon", wantErr: "is not a Go duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStaleAfter(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got (%v, %v), want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got (%v, %v), want (%v, nil)", got, err, tt.want)
			}
		})
	}
}

// queryFunc fakes dynamodb.QueryAPIClient.
type queryFunc func(*dynamodb.QueryInput) (*dynamodb.QueryOutput, error)

func (f queryFunc) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return f(in)
}

// updateFunc fakes UpdateItemAPI.
type updateFunc func(*dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error)

func (f updateFunc) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return f(in)
}

// pagedIndex serves n stale orders "o-0".."o-(n-1)" in pages of the
// requested Limit, failing the page that starts at failAt (if >= 0).
func pagedIndex(n, failAt int, calls *int, inputs *[]*dynamodb.QueryInput) queryFunc {
	return func(in *dynamodb.QueryInput) (*dynamodb.QueryOutput, error) {
		*calls++
		*inputs = append(*inputs, in)
		start := 0
		if k, ok := in.ExclusiveStartKey[AttrOrderID].(*types.AttributeValueMemberS); ok {
			fmt.Sscanf(k.Value, "o-%d", &start)
			start++
		}
		if start == failAt {
			return nil, errors.New("throttled")
		}
		out := &dynamodb.QueryOutput{}
		end := min(start+int(aws.ToInt32(in.Limit)), n)
		for i := start; i < end; i++ {
			out.Items = append(out.Items, map[string]types.AttributeValue{AttrOrderID: &types.AttributeValueMemberS{Value: fmt.Sprintf("o-%d", i)}})
		}
		if end < n {
			out.LastEvaluatedKey = out.Items[len(out.Items)-1]
		}
		return out, nil
	}
}

func TestStaleOrdersFind(t *testing.T) {
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		n, failAt int
		limit     int
		wantIDs   int
		wantCalls int
		wantErr   bool
	}{
		{name: "none", n: 0, failAt: -1, limit: 500, wantIDs: 0, wantCalls: 1},
		{name: "one page", n: 42, failAt: -1, limit: 500, wantIDs: 42, wantCalls: 1},
		{name: "three pages", n: 250, failAt: -1, limit: 500, wantIDs: 250, wantCalls: 3},
		{name: "bounded by limit", n: 1000, failAt: -1, limit: 500, wantIDs: 500, wantCalls: 5},
		{name: "limit inside a page", n: 1000, failAt: -1, limit: 150, wantIDs: 150, wantCalls: 2},
		{name: "first page fails", n: 250, failAt: 0, limit: 500, wantIDs: 0, wantCalls: 1, wantErr: true},
		{name: "third page fails keeps earlier pages", n: 250, failAt: 200, limit: 500, wantIDs: 200, wantCalls: 3, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls int
			var inputs []*dynamodb.QueryInput
			s := &StaleOrders{Query: pagedIndex(tt.n, tt.failAt, &calls, &inputs), Table: "Orders", Index: "pendingByShard", Shards: 1, After: 15 * time.Minute}
			var ids []string
			var err error
			for id, e := range s.Find(context.Background(), now) {
				if e != nil {
					err = e
					break
				}
				if ids = append(ids, id); len(ids) == tt.limit {
					break // a loop that stops early reads no further page
				}
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %t", err, tt.wantErr)
			}
			if len(ids) != tt.wantIDs || calls != tt.wantCalls {
				t.Fatalf("got %d ids in %d calls, want %d in %d", len(ids), calls, tt.wantIDs, tt.wantCalls)
			}
			for i, id := range ids {
				if want := fmt.Sprintf("o-%d", i); id != want {
					t.Fatalf("got ids[%d] %s, want %s (oldest first, no gaps)", i, id, want)
				}
			}
			in := inputs[0]
			if aws.ToString(in.IndexName) != "pendingByShard" || aws.ToString(in.TableName) != "Orders" || !aws.ToBool(in.ScanIndexForward) {
				t.Errorf("got table %q index %q forward %t, want Orders pendingByShard true",
					aws.ToString(in.TableName), aws.ToString(in.IndexName), aws.ToBool(in.ScanIndexForward))
			}
			if got, want := aws.ToString(in.KeyConditionExpression), "#shard = :shard AND #createdAt < :cutoff"; got != want {
				t.Errorf("got key condition %q, want %q", got, want)
			}
			if got := in.ExpressionAttributeNames["#shard"] + "," + in.ExpressionAttributeNames["#createdAt"]; got != "pendingShard,createdAt" {
				t.Errorf("got names %q, want pendingShard,createdAt", got)
			}
			if got, want := in.ExpressionAttributeValues[":cutoff"], "2024-05-01T09:45:00.000000000Z"; got.(*types.AttributeValueMemberS).Value != want {
				t.Errorf("got cutoff %v, want %s", got, want)
			}
			if got := in.ExpressionAttributeValues[":shard"].(*types.AttributeValueMemberN).Value; got != "0" {
				t.Errorf("got :shard %q, want 0", got)
			}
		})
	}
}

func TestStaleOrdersClaim(t *testing.T) {
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	boom := errors.New("throttled")
	tests := []struct {
		name    string
		err     error
		wantErr error // nil: success; else errors.Is target
	}{
		{name: "claimed"},
		{name: "condition failed", err: &types.ConditionalCheckFailedException{}, wantErr: ErrWrongState},
		{name: "other error", err: boom, wantErr: boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *dynamodb.UpdateItemInput
			s := &StaleOrders{Table: "Orders", After: 15 * time.Minute, Update: updateFunc(func(in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error) {
				got = in
				return &dynamodb.UpdateItemOutput{}, tt.err
			})}
			err := s.Claim(context.Background(), "o-1", now)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == boom && errors.Is(err, ErrWrongState) {
				t.Fatalf("got ErrWrongState for a non-condition error %v", err)
			}
			if k := got.Key[AttrOrderID].(*types.AttributeValueMemberS).Value; k != "o-1" || aws.ToString(got.TableName) != "Orders" {
				t.Errorf("got key %q table %q, want o-1 Orders", k, aws.ToString(got.TableName))
			}
			checkExpr(t, got.UpdateExpression, "SET #resentAt = :now")
			checkExpr(t, got.ConditionExpression, "#status = :pending AND (attribute_not_exists(#resentAt) OR #resentAt < :cutoff)")
			checkValue(t, got.ExpressionAttributeValues, ":now", "2024-05-01T10:00:00.000000000Z")
			checkValue(t, got.ExpressionAttributeValues, ":cutoff", "2024-05-01T09:45:00.000000000Z")
			checkValue(t, got.ExpressionAttributeValues, ":pending", "PENDING")
			if got.ExpressionAttributeNames["#resentAt"] != AttrResentAt || got.ExpressionAttributeNames["#status"] != AttrStatus {
				t.Errorf("got names %v, want #resentAt resentAt, #status status", got.ExpressionAttributeNames)
			}
		})
	}
}

func TestStaleOrdersUnclaim(t *testing.T) {
	claimedAt := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		err     error
		wantErr error
	}{
		{name: "unclaimed"},
		{name: "claim not ours", err: &types.ConditionalCheckFailedException{}, wantErr: ErrWrongState},
		{name: "other error", err: context.DeadlineExceeded, wantErr: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *dynamodb.UpdateItemInput
			s := &StaleOrders{Table: "Orders", After: 15 * time.Minute, Update: updateFunc(func(in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error) {
				got = in
				return &dynamodb.UpdateItemOutput{}, tt.err
			})}
			err := s.Unclaim(context.Background(), "o-1", claimedAt)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			checkExpr(t, got.UpdateExpression, "REMOVE #resentAt")
			checkExpr(t, got.ConditionExpression, "#resentAt = :claimedAt")
			checkValue(t, got.ExpressionAttributeValues, ":claimedAt", "2024-05-01T10:00:00.000000000Z")
		})
	}
}

func checkExpr(t *testing.T, got *string, want string) {
	t.Helper()
	if aws.ToString(got) != want {
		t.Errorf("got expression %q, want %q", aws.ToString(got), want)
	}
}

func checkValue(t *testing.T, values map[string]types.AttributeValue, name, want string) {
	t.Helper()
	s, ok := values[name].(*types.AttributeValueMemberS)
	if !ok || s.Value != want {
		t.Errorf("got %s = %#v, want S %q", name, values[name], want)
	}
}
