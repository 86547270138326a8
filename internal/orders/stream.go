package orders

import (
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrNotOrder: a stream record or image that does not hold an order: its keys
// lack a string orderId, or its image has no status among StatusPending,
// StatusPreparing and StatusReady (an item of another kind sharing the table).
var ErrNotOrder = errors.New("not an order")

// TTL deletes are REMOVE records whose userIdentity is this service principal.
const (
	ttlIdentityType      = "Service"
	ttlIdentityPrincipal = "dynamodb.amazonaws.com"
)

// StreamChange is one record of the Orders table's DynamoDB stream, decoded.
type StreamChange struct {
	// Op is what happened to the item: INSERT, MODIFY or REMOVE.
	Op events.DynamoDBOperationType
	// OrderID is the item's key, taken from the record's Keys, which every
	// stream view type carries.
	OrderID string
	// Old is the order before the change; nil when the record has no
	// OldImage (INSERT, or a KEYS_ONLY or NEW_IMAGE stream).
	Old *Order
	// New is the order after the change; nil when the record has no
	// NewImage (REMOVE, or a KEYS_ONLY or OLD_IMAGE stream).
	New *Order
	// TTLExpired reports a REMOVE made by DynamoDB's Time to Live process
	// (userIdentity {"type":"Service","principalId":"dynamodb.amazonaws.com"}).
	TTLExpired bool
}

// DecodeStreamRecord decodes one DynamoDB stream record of the Orders table.
//
// Numbers are decoded exactly: the stream carries them as decimal strings,
// which pass unchanged into the SDK's attribute values and are parsed with
// strconv.ParseInt, so a value that does not fit its field (or is not an
// integer) is an error, never a rounded float64.
//
// Errors: ErrNotOrder (wrapped) as documented on it; an error for an unknown
// eventName, an image whose orderId differs from its key, or an image that
// does not decode as an order (wrong attribute type, number out of range,
// timestamp not RFC 3339). All of these are properties of the record, so
// retrying it gives the same error. On an image error the returned change
// still has Op, OrderID and TTLExpired set, for logging.
func DecodeStreamRecord(r events.DynamoDBEventRecord) (StreamChange, error) {
	c := StreamChange{Op: events.DynamoDBOperationType(r.EventName)}
	switch c.Op {
	case events.DynamoDBOperationTypeInsert, events.DynamoDBOperationTypeModify:
	case events.DynamoDBOperationTypeRemove:
		c.TTLExpired = r.UserIdentity != nil &&
			r.UserIdentity.Type == ttlIdentityType &&
			r.UserIdentity.PrincipalID == ttlIdentityPrincipal
	default:
		return StreamChange{}, fmt.Errorf("decode stream record %s: unknown eventName %q", r.EventID, r.EventName)
	}

	key, ok := r.Change.Keys[AttrOrderID]
	if !ok || key.DataType() != events.DataTypeString || key.String() == "" {
		return StreamChange{}, fmt.Errorf("decode stream record %s: keys have no string %s: %w", r.EventID, AttrOrderID, ErrNotOrder)
	}
	c.OrderID = key.String()

	var err error
	if c.Old, err = decodeStreamImage(c.OrderID, r.Change.OldImage); err != nil {
		return StreamChange{Op: c.Op, OrderID: c.OrderID, TTLExpired: c.TTLExpired}, fmt.Errorf("decode stream record %s: old image: %w", r.EventID, err)
	}
	if c.New, err = decodeStreamImage(c.OrderID, r.Change.NewImage); err != nil {
		return StreamChange{Op: c.Op, OrderID: c.OrderID, TTLExpired: c.TTLExpired}, fmt.Errorf("decode stream record %s: new image: %w", r.EventID, err)
	}
	return c, nil
}

// decodeStreamImage decodes an order image; a missing image is nil, not an error.
func decodeStreamImage(orderID string, image map[string]events.DynamoDBAttributeValue) (*Order, error) {
	if len(image) == 0 {
		return nil, nil
	}
	item, err := streamImageToItem(image)
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", orderID, err)
	}
	o, err := UnmarshalItem(item)
	if err != nil {
		return nil, err
	}
	if o.OrderID != orderID {
		return nil, fmt.Errorf("order %s: image has %s %q", orderID, AttrOrderID, o.OrderID)
	}
	switch o.Status {
	case StatusPending, StatusPreparing, StatusReady:
	default:
		return nil, fmt.Errorf("order %s: %s %q: %w", orderID, AttrStatus, o.Status, ErrNotOrder)
	}
	return &o, nil
}

// streamImageToItem converts a stream image (aws-lambda-go's attribute values)
// to the SDK's, so the SDK's decoder (and UnmarshalItem) can read it.
func streamImageToItem(image map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	item := make(map[string]types.AttributeValue, len(image))
	for name, av := range image {
		v, err := streamAttributeValue(av)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		item[name] = v
	}
	return item, nil
}

// streamAttributeValue converts one attribute value. Numbers keep their
// decimal string form. The events accessors panic on a type mismatch, so each
// is called only under its own DataType; a zero DynamoDBAttributeValue (never
// produced by JSON decoding) reports as nil-valued non-NULL and is an error.
func streamAttributeValue(av events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	if av.IsNull() {
		if av.DataType() != events.DataTypeNull {
			return nil, errors.New("empty attribute value")
		}
		return &types.AttributeValueMemberNULL{Value: true}, nil
	}
	switch av.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: av.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: av.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: av.Boolean()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: av.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: av.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: av.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: av.BinarySet()}, nil
	case events.DataTypeList:
		list := av.List()
		out := make([]types.AttributeValue, len(list))
		for i, e := range list {
			v, err := streamAttributeValue(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = v
		}
		return &types.AttributeValueMemberL{Value: out}, nil
	case events.DataTypeMap:
		m, err := streamImageToItem(av.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	default:
		return nil, fmt.Errorf("unsupported attribute type %d", av.DataType())
	}
}
