package dynamosim

import (
	"bytes"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Capacity rules of DynamoDB
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html,
// .../GSI.html#GSI.ThroughputConsiderations).
const (
	// WriteUnitBytes: one write unit writes an item of up to 1 KB.
	WriteUnitBytes = 1024
	// ReadUnitBytes: one read unit reads up to 4 KB strongly consistent,
	// twice that eventually consistent.
	ReadUnitBytes = 4096
	// IndexItemOverheadBytes: DynamoDB adds 100 bytes to each index item
	// (documented for storage). Index write units here are computed with
	// it, so they are never underestimated.
	IndexItemOverheadBytes = 100
	// PartitionWriteUnits and PartitionReadUnits: what one partition serves
	// per second; one partition-key value never spreads over more than one
	// partition while its sort key grows monotonically.
	PartitionWriteUnits = 1000
	PartitionReadUnits  = 3000
)

// ItemSize is the size DynamoDB bills an item by: the UTF-8 length of each
// attribute name plus the size of its value: strings and binaries their
// length, numbers about one byte per two significant digits plus one,
// booleans and nulls 1, lists and maps 3 bytes plus 1 per element (plus
// the element's name in a map) plus the elements, sets the sum of their
// members.
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberSS:
		return len(strings.Join(v.Value, ""))
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		return len(bytes.Join(v.Value, nil))
	}
	return 0
}

// numberSize: leading and trailing zeros and the sign do not count.
func numberSize(s string) int {
	s = strings.TrimLeft(s, "-+")
	s = strings.Replace(s, ".", "", 1)
	s = strings.Trim(s, "0")
	return (len(s)+1)/2 + 1
}

// WriteUnits is the write units of writing size bytes: one per started KB,
// at least one.
func WriteUnits(size int) float64 {
	return float64(max(1, (size+WriteUnitBytes-1)/WriteUnitBytes))
}

// ReadUnits is the read units of reading size bytes in one request: one
// per started 4 KB (at least one), halved when eventually consistent.
func ReadUnits(size int, consistent bool) float64 {
	u := float64(max(1, (size+ReadUnitBytes-1)/ReadUnitBytes))
	if !consistent {
		u /= 2
	}
	return u
}
