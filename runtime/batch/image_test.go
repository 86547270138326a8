package batch

import (
	"encoding/json"
	"math/big"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestImage(t *testing.T) {
	ev := load[events.DynamoDBEvent](t, "dynamodb-numbers-event.json")
	img, err := Image(ev.Records[0].Change.NewImage)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		attr string
		want types.AttributeValue
	}{
		{"38 digits stay exact", "big", &types.AttributeValueMemberN{Value: "12345678901234567890123456789012345678"}},
		{"smallest magnitude stays exact", "tiny", &types.AttributeValueMemberN{Value: "0.000000000000000000000000000000000000001"}},
		{"exponent form kept as sent", "neg", &types.AttributeValueMemberN{Value: "-9.99E+125"}},
		{"number set", "nums", &types.AttributeValueMemberNS{Value: []string{"1", "99999999999999999999999999999999999999", "-0.5"}}},
		{"string", "id", &types.AttributeValueMemberS{Value: "item-1"}},
		{"string set", "tags", &types.AttributeValueMemberSS{Value: []string{"a", "b"}}},
		{"binary", "blob", &types.AttributeValueMemberB{Value: []byte{0, 1, 42, 65}}},
		{"binary set", "blobs", &types.AttributeValueMemberBS{Value: [][]byte{{0, 1, 42, 65}, {65, 42, 1, 0}}}},
		{"null", "none", &types.AttributeValueMemberNULL{Value: true}},
		{"bool false", "flag", &types.AttributeValueMemberBOOL{Value: false}},
		{"list, trailing zero kept", "list", &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberN{Value: "1.10"},
			&types.AttributeValueMemberS{Value: "x"},
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"deep": &types.AttributeValueMemberN{Value: "3"}}},
		}}},
		{"map, empty map kept", "map", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"price": &types.AttributeValueMemberN{Value: "19.99"},
			"empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := img[tt.attr]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	if len(img) != len(tests) {
		t.Errorf("got %d attributes, want %d", len(img), len(tests))
	}
}

func TestImageErrors(t *testing.T) {
	if img, err := Image(nil); img != nil || err != nil {
		t.Errorf("nil image: got (%v, %v), want (nil, nil)", img, err)
	}
	_, err := Image(map[string]events.DynamoDBAttributeValue{"x": {}})
	if err == nil || err.Error()[:14] != `attribute "x":` {
		t.Errorf("zero value: got %v, want an error naming attribute x", err)
	}
}

// FuzzImage: whatever aws-lambda-go decodes, Image converts without panic,
// and every number comes out as the exact string that went in.
func FuzzImage(f *testing.F) {
	ev := load[map[string]json.RawMessage](f, "dynamodb-numbers-event.json")
	var recs []struct {
		Dynamodb struct{ NewImage map[string]json.RawMessage }
	}
	if err := json.Unmarshal(ev["Records"], &recs); err != nil {
		f.Fatal(err)
	}
	for _, v := range recs[0].Dynamodb.NewImage {
		f.Add([]byte(v))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var av events.DynamoDBAttributeValue
		ok := func() (ok bool) {
			// aws-lambda-go's own decoder panics on some malformed sets;
			// that is before any of this package's code.
			defer func() {
				if recover() != nil {
					ok = false
				}
			}()
			return json.Unmarshal(data, &av) == nil
		}()
		if !ok {
			return
		}
		got, err := AttributeValue(av)
		if err != nil {
			return
		}
		var in any
		if json.Unmarshal(data, &in) != nil {
			return
		}
		checkNumbers(t, in, got)
	})
}

// checkNumbers walks the JSON form and the converted value together: each
// N must be the same string, and parse as a number when the input did.
func checkNumbers(t *testing.T, in any, got types.AttributeValue) {
	m, ok := in.(map[string]any)
	if !ok {
		return
	}
	switch g := got.(type) {
	case *types.AttributeValueMemberN:
		if s, ok := m["N"].(string); ok && s != g.Value {
			t.Fatalf("N: got %q, want %q", g.Value, s)
		}
		if _, ok := new(big.Float).SetString(g.Value); !ok {
			return // aws-lambda-go does not check numbers; neither do we
		}
	case *types.AttributeValueMemberL:
		l, _ := m["L"].([]any)
		for i := range min(len(l), len(g.Value)) {
			checkNumbers(t, l[i], g.Value[i])
		}
	case *types.AttributeValueMemberM:
		mm, _ := m["M"].(map[string]any)
		for k, v := range g.Value {
			checkNumbers(t, mm[k], v)
		}
	}
}
