package orders

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// streamRecord builds a stream record in the shape Lambda delivers
// (aws-lambda-go events/testdata/dynamodb-event.json) from its varying parts.
func streamRecord(t testing.TB, eventName, userIdentity, viewType, keys, oldImage, newImage string) events.DynamoDBEventRecord {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"eventID":"e1","eventName":"` + eventName + `","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",`)
	if userIdentity != "" {
		b.WriteString(`"userIdentity":` + userIdentity + `,`)
	}
	b.WriteString(`"dynamodb":{"ApproximateCreationDateTime":1480642020,"Keys":` + keys)
	if oldImage != "" {
		b.WriteString(`,"OldImage":` + oldImage)
	}
	if newImage != "" {
		b.WriteString(`,"NewImage":` + newImage)
	}
	b.WriteString(`,"SequenceNumber":"1405400000000002063282832","SizeBytes":54,"StreamViewType":"` + viewType + `"},`)
	b.WriteString(`"eventSourceARN":"arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2016-12-01T00:00:00.000"}`)
	var r events.DynamoDBEventRecord
	if err := json.Unmarshal([]byte(b.String()), &r); err != nil {
		t.Fatalf("fixture: %v\n%s", err, b.String())
	}
	return r
}

const (
	keysO1 = `{"orderId":{"S":"o-1"}}`
	ttlID  = `{"type":"Service","principalId":"dynamodb.amazonaws.com"}`
)

// image renders an order image with the given status and totalCents string.
func image(status, total string) string {
	return `{"orderId":{"S":"o-1"},"customerId":{"S":"c-9"},` +
		`"items":{"L":[{"M":{"sku":{"S":"TEA-1"},"quantity":{"N":"2"},"unitPriceCents":{"N":"350"}}}]},` +
		`"totalCents":{"N":"` + total + `"},"status":{"S":"` + status + `"},` +
		`"createdAt":{"S":"2024-05-01T10:00:00.000000000Z"},"updatedAt":{"S":"2024-05-01T10:00:00.000000000Z"},` +
		`"source":{"S":"api"},"expiresAt":{"N":"1717236000"},"tags":{"SS":["a","b"]},"note":{"NULL":true},` +
		`"flag":{"BOOL":true},"blob":{"B":"AAEqQQ=="}}`
}

func TestDecodeStreamRecord(t *testing.T) {
	created := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		rec     events.DynamoDBEventRecord
		want    StreamChange // Old/New compared by status and total only
		oldSt   Status       // "" means Old must be nil
		newSt   Status       // "" means New must be nil
		total   int64        // TotalCents of the image(s) present
		wantErr error        // errors.Is target; errAny means any error
	}{
		{
			name:  "insert new and old images",
			rec:   streamRecord(t, "INSERT", "", "NEW_AND_OLD_IMAGES", keysO1, "", image("PENDING", "700")),
			want:  StreamChange{Op: events.DynamoDBOperationTypeInsert, OrderID: "o-1"},
			newSt: StatusPending, total: 700,
		},
		{
			name:  "insert exact number beyond float64 precision",
			rec:   streamRecord(t, "INSERT", "", "NEW_AND_OLD_IMAGES", keysO1, "", image("PENDING", "9007199254740993")),
			want:  StreamChange{Op: events.DynamoDBOperationTypeInsert, OrderID: "o-1"},
			newSt: StatusPending, total: 9007199254740993,
		},
		{
			name:  "insert max int64",
			rec:   streamRecord(t, "INSERT", "", "NEW_AND_OLD_IMAGES", keysO1, "", image("PENDING", "9223372036854775807")),
			want:  StreamChange{Op: events.DynamoDBOperationTypeInsert, OrderID: "o-1"},
			newSt: StatusPending, total: 9223372036854775807,
		},
		{
			name: "insert keys only",
			rec:  streamRecord(t, "INSERT", "", "KEYS_ONLY", keysO1, "", ""),
			want: StreamChange{Op: events.DynamoDBOperationTypeInsert, OrderID: "o-1"},
		},
		{
			name:  "modify both images",
			rec:   streamRecord(t, "MODIFY", "", "NEW_AND_OLD_IMAGES", keysO1, image("PENDING", "700"), image("PREPARING", "700")),
			want:  StreamChange{Op: events.DynamoDBOperationTypeModify, OrderID: "o-1"},
			oldSt: StatusPending, newSt: StatusPreparing, total: 700,
		},
		{
			name:  "modify new image only stream",
			rec:   streamRecord(t, "MODIFY", "", "NEW_IMAGE", keysO1, "", image("READY", "700")),
			want:  StreamChange{Op: events.DynamoDBOperationTypeModify, OrderID: "o-1"},
			newSt: StatusReady, total: 700,
		},
		{
			name:  "remove by user",
			rec:   streamRecord(t, "REMOVE", "", "NEW_AND_OLD_IMAGES", keysO1, image("READY", "700"), ""),
			want:  StreamChange{Op: events.DynamoDBOperationTypeRemove, OrderID: "o-1"},
			oldSt: StatusReady, total: 700,
		},
		{
			name:  "remove by ttl",
			rec:   streamRecord(t, "REMOVE", ttlID, "NEW_AND_OLD_IMAGES", keysO1, image("READY", "700"), ""),
			want:  StreamChange{Op: events.DynamoDBOperationTypeRemove, OrderID: "o-1", TTLExpired: true},
			oldSt: StatusReady, total: 700,
		},
		{
			name: "remove by ttl keys only",
			rec:  streamRecord(t, "REMOVE", ttlID, "KEYS_ONLY", keysO1, "", ""),
			want: StreamChange{Op: events.DynamoDBOperationTypeRemove, OrderID: "o-1", TTLExpired: true},
		},
		{
			name: "remove by other service is not ttl",
			rec:  streamRecord(t, "REMOVE", `{"type":"Service","principalId":"example.amazonaws.com"}`, "KEYS_ONLY", keysO1, "", ""),
			want: StreamChange{Op: events.DynamoDBOperationTypeRemove, OrderID: "o-1"},
		},
		{
			name:    "number out of int64 range",
			rec:     streamRecord(t, "INSERT", "", "NEW_AND_OLD_IMAGES", keysO1, "", image("PENDING", "9223372036854775808")),
			wantErr: errAny,
		},
		{
			name:    "fractional number in integer field",
			rec:     streamRecord(t, "INSERT", "", "NEW_AND_OLD_IMAGES", keysO1, "", image("PENDING", "700.5")),
			wantErr: errAny,
		},
		{
			name:    "image without status is not an order",
			rec:     streamRecord(t, "INSERT", "", "NEW_AND_OLD_IMAGES", keysO1, "", `{"orderId":{"S":"o-1"},"kind":{"S":"marker"}}`),
			wantErr: ErrNotOrder,
		},
		{
			name:    "keys without orderId",
			rec:     streamRecord(t, "INSERT", "", "KEYS_ONLY", `{"pk":{"S":"x"}}`, "", ""),
			wantErr: ErrNotOrder,
		},
		{
			name:    "numeric orderId key",
			rec:     streamRecord(t, "INSERT", "", "KEYS_ONLY", `{"orderId":{"N":"1"}}`, "", ""),
			wantErr: ErrNotOrder,
		},
		{
			name:    "image orderId differs from key",
			rec:     streamRecord(t, "INSERT", "", "NEW_AND_OLD_IMAGES", `{"orderId":{"S":"o-2"}}`, "", image("PENDING", "700")),
			wantErr: errAny,
		},
		{
			name:    "status of wrong type",
			rec:     streamRecord(t, "INSERT", "", "NEW_AND_OLD_IMAGES", keysO1, "", `{"orderId":{"S":"o-1"},"status":{"N":"1"}}`),
			wantErr: errAny,
		},
		{
			name:    "bad timestamp",
			rec:     streamRecord(t, "INSERT", "", "NEW_AND_OLD_IMAGES", keysO1, "", `{"orderId":{"S":"o-1"},"status":{"S":"PENDING"},"createdAt":{"S":"yesterday"}}`),
			wantErr: errAny,
		},
		{
			name:    "unknown event name",
			rec:     streamRecord(t, "UPSERT", "", "KEYS_ONLY", keysO1, "", ""),
			wantErr: errAny,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeStreamRecord(tt.rec)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("got change %+v, want error", got)
				}
				if tt.wantErr != errAny && !errors.Is(err, tt.wantErr) {
					t.Fatalf("got error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got.Op != tt.want.Op || got.OrderID != tt.want.OrderID || got.TTLExpired != tt.want.TTLExpired {
				t.Errorf("got op %s id %q ttl %t, want op %s id %q ttl %t",
					got.Op, got.OrderID, got.TTLExpired, tt.want.Op, tt.want.OrderID, tt.want.TTLExpired)
			}
			checkImage(t, "old", got.Old, tt.oldSt, tt.total, created)
			checkImage(t, "new", got.New, tt.newSt, tt.total, created)
		})
	}
}

var errAny = errors.New("any error")

func checkImage(t *testing.T, which string, o *Order, status Status, total int64, created time.Time) {
	t.Helper()
	if status == "" {
		if o != nil {
			t.Errorf("%s: got image %+v, want nil", which, *o)
		}
		return
	}
	if o == nil {
		t.Fatalf("%s: got nil image, want status %s", which, status)
	}
	if o.Status != status || o.TotalCents != total || o.OrderID != "o-1" || o.CustomerID != "c-9" {
		t.Errorf("%s: got status %s total %d id %q customer %q, want %s %d o-1 c-9",
			which, o.Status, o.TotalCents, o.OrderID, o.CustomerID, status, total)
	}
	if len(o.Items) != 1 || o.Items[0] != (Item{SKU: "TEA-1", Quantity: 2, UnitPriceCents: 350}) {
		t.Errorf("%s: got items %+v, want [{TEA-1 2 350}]", which, o.Items)
	}
	if !o.CreatedAt.Equal(created) {
		t.Errorf("%s: got createdAt %v, want %v", which, o.CreatedAt, created)
	}
}

func TestStreamAttributeValueZero(t *testing.T) {
	_, err := streamImageToItem(map[string]events.DynamoDBAttributeValue{"x": {}})
	if err == nil {
		t.Fatal("got no error for a zero attribute value, want one")
	}
}

func TestStreamImageToItemNumbersVerbatim(t *testing.T) {
	item, err := streamImageToItem(map[string]events.DynamoDBAttributeValue{
		"n":  events.NewNumberAttribute("123456789012345678901234567890.000001"),
		"ns": events.NewNumberSetAttribute([]string{"1E-130", "9.9999999999999999999999999999999999999E+125"}),
		"l":  events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewNumberAttribute("-0.5")}),
	})
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	tests := []struct {
		name string
		got  types.AttributeValue
		want types.AttributeValue
	}{
		{"number", item["n"], &types.AttributeValueMemberN{Value: "123456789012345678901234567890.000001"}},
		{"number set", item["ns"], &types.AttributeValueMemberNS{Value: []string{"1E-130", "9.9999999999999999999999999999999999999E+125"}}},
		{"list", item["l"], &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberN{Value: "-0.5"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func TestDecodeStreamRecordErrorKeepsKey(t *testing.T) {
	rec := streamRecord(t, "REMOVE", ttlID, "NEW_AND_OLD_IMAGES", keysO1, image("READY", "1e400"), "")
	got, err := DecodeStreamRecord(rec)
	if err == nil {
		t.Fatal("got no error for totalCents 1e400, want one")
	}
	if got.OrderID != "o-1" || got.Op != events.DynamoDBOperationTypeRemove || !got.TTLExpired || got.Old != nil {
		t.Errorf("got %+v, want op REMOVE, orderId o-1, ttl true, no image", got)
	}
}
