package orders

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestCheckNewOrderNames(t *testing.T) {
	const item = `{"sku":"A","quantity":1,"unitPriceCents":1}`
	tests := []struct {
		name string
		in   string
		want *NameError
	}{
		{name: "exact", in: `{"customerId":"c","items":[` + item + `]}`},
		{name: "exact, with whitespace", in: " {\n\t\"customerId\" : \"c\" ,\r\n \"items\" : [ " + item + " , " + item + " ] } "},
		{name: "exact name with an escape", in: `{"customer\u0049d":"c","items":[]}`},
		{name: "leaves are not read", in: `{"customerId":{"X":1,"X":2},"items":[{"sku":{"Y":1,"Y":1},"quantity":[{"Z":1}],"unitPriceCents":1}]}`},
		{name: "items elements that are not objects", in: `{"items":[null,1,"x",[{"SKU":1}],{}]}`},
		{name: "items not an array", in: `{"items":{"SKU":1,"SKU":2}}`},
		{name: "not an object", in: `[{"CustomerID":1}]`},
		{name: "order name in other case", in: `{"CustomerID":"c","items":[]}`,
			want: &NameError{Name: "CustomerID", Want: "customerId"}},
		{name: "item name in other case", in: `{"customerId":"c","items":[` + item + `,{"Sku":"A"}]}`,
			want: &NameError{Path: "items[1]", Name: "Sku", Want: "sku"}},
		{name: "name that folds to a field (long s)", in: `{"items":[{"\u017fku":"A"}]}`,
			want: &NameError{Path: "items[0]", Name: "ſku", Want: "sku"}},
		{name: "unknown name", in: `{"coupon":1}`, want: &NameError{Name: "coupon"}},
		{name: "invalid UTF-8 in a name is reported as decoded", in: "{\"items\":[{\"\xc2\":0}]}", want: &NameError{Path: "items[0]", Name: "\ufffd"}},
		{name: "escaped name in other case", in: `{"\u0043ustomerId":"c"}`, want: &NameError{Name: "CustomerId", Want: "customerId"}},
		{name: "order name twice", in: `{"customerId":"a","items":[],"customerId":"b"}`,
			want: &NameError{Name: "customerId", Repeated: true}},
		{name: "order name twice, once escaped", in: `{"customerId":"a","customer\u0049d":"b"}`,
			want: &NameError{Name: "customerId", Repeated: true}},
		{name: "item name twice", in: `{"items":[` + item + `,{"sku":"A","sku":"B"}]}`,
			want: &NameError{Path: "items[1]", Name: "sku", Repeated: true}},
		{name: "first finding wins", in: `{"items":[{"SKU":1}],"CustomerID":"c"}`,
			want: &NameError{Path: "items[0]", Name: "SKU", Want: "sku"}},
		{name: "malformed: no finding", in: `{"customerId":"c","items":[{"sku"`},
		{name: "empty", in: ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckNewOrderNames([]byte(tt.in)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNameErrorMessages(t *testing.T) {
	tests := []struct {
		e         NameError
		wantField string
		wantMsg   string
	}{
		{e: NameError{Name: "CustomerID", Want: "customerId"}, wantField: "CustomerID", wantMsg: `is not a known field (names are case-sensitive: "customerId")`},
		{e: NameError{Path: "items[2]", Name: "sku", Repeated: true}, wantField: "items[2].sku", wantMsg: "appears more than once"},
		{e: NameError{Name: "coupon"}, wantField: "coupon", wantMsg: "is not a known field"},
	}
	for _, tt := range tests {
		t.Run(tt.wantField, func(t *testing.T) {
			if got := tt.e.Field(); got != tt.wantField {
				t.Errorf("got field %q, want %q", got, tt.wantField)
			}
			if got := tt.e.Message(); got != tt.wantMsg {
				t.Errorf("got message %q, want %q", got, tt.wantMsg)
			}
			if got, want := tt.e.Error(), "field "+strconv.Quote(tt.wantField)+" "+tt.wantMsg; got != want {
				t.Errorf("got error %q, want %q", got, want)
			}
		})
	}
}

// referenceNames is CheckNewOrderNames written plainly over json.Decoder
// tokens, for valid JSON only: the oracle of FuzzCheckNewOrderNames.
func referenceNames(b []byte) *NameError {
	dec := json.NewDecoder(bytes.NewReader(b))
	// value reads one value. An object's names are checked against known
	// (nil: not checked); item is its index in items (-1: the order); the
	// elements of an array are items when itemsArray.
	var value func(known []string, item int, itemsArray bool) *NameError
	value = func(known []string, item int, itemsArray bool) *NameError {
		tok, _ := dec.Token()
		switch tok {
		case json.Delim('{'):
			var seen []string
			for dec.More() {
				nt, _ := dec.Token()
				name := nt.(string)
				if known != nil && (!slices.Contains(known, name) || slices.Contains(seen, name)) {
					e := &NameError{Name: name, Repeated: slices.Contains(seen, name)}
					if item >= 0 {
						e.Path = "items[" + strconv.Itoa(item) + "]"
					}
					for _, k := range known {
						if !e.Repeated && strings.EqualFold(k, name) {
							e.Want = k
						}
					}
					return e
				}
				seen = append(seen, name)
				if e := value(nil, 0, known != nil && item < 0 && name == "items"); e != nil {
					return e
				}
			}
			dec.Token() // '}'
		case json.Delim('['):
			for n := 0; dec.More(); n++ {
				var e *NameError
				if itemsArray {
					e = value(itemNames, n, false)
				} else {
					e = value(nil, 0, false)
				}
				if e != nil {
					return e
				}
			}
			dec.Token() // ']'
		}
		return nil
	}
	return value(newOrderNames, -1, false)
}

func FuzzCheckNewOrderNames(f *testing.F) {
	for _, s := range []string{
		`{"customerId":"c","items":[{"sku":"A","quantity":1,"unitPriceCents":1}]}`,
		`{"CustomerID":"c","items":[{"SKU":"A"}]}`,
		`{"customerId":"a","customerId":"b"}`,
		`{"items":[{"sku":"A","sku":"B"},null,[1],{"x":{"y":[1,{"z":2}]}}]}`,
		`{"customer\u0049d":"c","items":{"sku":1}}`,
		`{"items":[{"s\"ku":1}],"it\\ems":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := CheckNewOrderNames(b) // must not panic on any input
		if !json.Valid(b) {
			return
		}
		if want := referenceNames(b); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: got %+v, want %+v", b, got, want)
		}
	})
}

// BenchmarkCheckNewOrderNames: the cost the check adds to each POST /orders
// and each JSON Lines line, on a typical order.
func BenchmarkCheckNewOrderNames(b *testing.B) {
	body := []byte(`{"customerId":"cust-42","items":[{"sku":"ESPRESSO","quantity":2,"unitPriceCents":250},{"sku":"CROISSANT","quantity":1,"unitPriceCents":300}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if e := CheckNewOrderNames(body); e != nil {
			b.Fatal(e)
		}
	}
}
