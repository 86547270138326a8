package orders

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names of the timestamps, stored as strings in TimeLayout.
const (
	AttrUpdatedAt = "updatedAt"
)

// MarshalItem turns an order into its DynamoDB item. Timestamps are written in
// TimeLayout (UTC) so the pending index sorts them as times. A PENDING order
// also gets AttrPendingShard (PendingShard of its ID), which puts it in the
// pending index; an order in any other status does not.
func MarshalItem(o Order) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(o)
	if err != nil {
		return nil, fmt.Errorf("marshal order %s: %w", o.OrderID, err)
	}
	item[AttrCreatedAt] = &types.AttributeValueMemberS{Value: FormatTime(o.CreatedAt)}
	item[AttrUpdatedAt] = &types.AttributeValueMemberS{Value: FormatTime(o.UpdatedAt)}
	if o.Status == StatusPending {
		item[AttrPendingShard] = pendingShardValue(o.OrderID)
	}
	return item, nil
}

// UnmarshalItem turns a DynamoDB item back into an order. It fails when the
// item lacks an orderId or carries a timestamp not in TimeLayout/RFC 3339.
func UnmarshalItem(item map[string]types.AttributeValue) (Order, error) {
	var o Order
	if err := attributevalue.UnmarshalMap(item, &o); err != nil {
		return Order{}, fmt.Errorf("unmarshal order: %w", err)
	}
	if o.OrderID == "" {
		return Order{}, fmt.Errorf("unmarshal order: item has no %s", AttrOrderID)
	}
	var err error
	if o.CreatedAt, err = parseTimeAttr(item, AttrCreatedAt); err != nil {
		return Order{}, fmt.Errorf("unmarshal order %s: %w", o.OrderID, err)
	}
	if o.UpdatedAt, err = parseTimeAttr(item, AttrUpdatedAt); err != nil {
		return Order{}, fmt.Errorf("unmarshal order %s: %w", o.OrderID, err)
	}
	return o, nil
}

// FormatTime renders t in TimeLayout, in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

func parseTimeAttr(item map[string]types.AttributeValue, name string) (time.Time, error) {
	av, ok := item[name]
	if !ok {
		return time.Time{}, nil
	}
	s, ok := av.(*types.AttributeValueMemberS)
	if !ok {
		return time.Time{}, fmt.Errorf("%s is not a string", name)
	}
	t, err := time.Parse(time.RFC3339Nano, s.Value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: %w", name, s.Value, err)
	}
	return t.UTC(), nil
}
