package batch

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Image converts a DynamoDB stream image (a record's Change.Keys, NewImage
// or OldImage) to aws-sdk-go-v2 attribute values, for
// attributevalue.UnmarshalMap or for writing the item back. Nothing is lost:
// a number (N, and each member of an NS) stays the exact decimal string
// DynamoDB sent (38 digits fit, no float64 rounding), binary values stay
// bytes, and S, SS, BS, BOOL, NULL, L and M map to their members
// (types.AttributeValueMemberS, ...). A nil image gives a nil map.
//
// The error names the attribute path of a value aws-lambda-go decoded into
// no usable type (a zero events.DynamoDBAttributeValue, as built in Go
// rather than decoded from JSON).
func Image(img map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	if img == nil {
		return nil, nil
	}
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		av, err := AttributeValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

// AttributeValue converts one stream attribute value: see Image.
func AttributeValue(v events.DynamoDBAttributeValue) (out types.AttributeValue, err error) {
	defer func() {
		// aws-lambda-go's accessors panic on a value whose type and content
		// disagree (the zero value claims Binary and holds nothing).
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("unusable attribute value: %v", p)
		}
	}()
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: append([]string{}, v.StringSet()...)}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: append([]string{}, v.NumberSet()...)}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: append([][]byte{}, v.BinarySet()...)}, nil
	case events.DataTypeList:
		l := v.List()
		vals := make([]types.AttributeValue, len(l))
		for i, e := range l {
			av, err := AttributeValue(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			vals[i] = av
		}
		return &types.AttributeValueMemberL{Value: vals}, nil
	case events.DataTypeMap:
		m, err := Image(v.Map())
		if err != nil {
			return nil, err
		}
		if m == nil {
			m = map[string]types.AttributeValue{}
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unknown data type %d", v.DataType())
}
