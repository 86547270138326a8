package orders

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func validItem() Item { return Item{SKU: "sku-1", Quantity: 2, UnitPriceCents: 250} }

func validOrder() NewOrder { return NewOrder{CustomerID: "cust_42", Items: []Item{validItem()}} }

func TestValidate(t *testing.T) {
	items := func(n int) []Item {
		its := make([]Item, n)
		for i := range its {
			its[i] = validItem()
		}
		return its
	}
	tests := []struct {
		name string
		edit func(*NewOrder)
		want []FieldError
	}{
		{name: "valid", edit: func(*NewOrder) {}},
		{name: "customerId at max length", edit: func(n *NewOrder) { n.CustomerID = strings.Repeat("a", MaxNameLen) }},
		{name: "all allowed characters", edit: func(n *NewOrder) { n.CustomerID = "aZ09._-"; n.Items[0].SKU = "A.b_c-9" }},
		{name: "items at max count", edit: func(n *NewOrder) { n.Items = items(MaxItems) }},
		{name: "bounds inclusive", edit: func(n *NewOrder) {
			n.Items = []Item{{"a", MinQuantity, 0}, {"b", MaxQuantity, MaxUnitPriceCents}}
		}},
		{name: "customerId empty", edit: func(n *NewOrder) { n.CustomerID = "" },
			want: []FieldError{{"customerId", "is required"}}},
		{name: "customerId too long", edit: func(n *NewOrder) { n.CustomerID = strings.Repeat("a", MaxNameLen+1) },
			want: []FieldError{{"customerId", "must be at most 64 characters"}}},
		{name: "customerId bad character", edit: func(n *NewOrder) { n.CustomerID = "a b" },
			want: []FieldError{{"customerId", "must contain only letters, digits, '.', '_' and '-'"}}},
		{name: "customerId non-ASCII letter", edit: func(n *NewOrder) { n.CustomerID = "café" },
			want: []FieldError{{"customerId", "must contain only letters, digits, '.', '_' and '-'"}}},
		{name: "items nil", edit: func(n *NewOrder) { n.Items = nil },
			want: []FieldError{{"items", "must contain at least 1 item"}}},
		{name: "items too many: count only", edit: func(n *NewOrder) { n.Items = append(items(MaxItems), Item{}) },
			want: []FieldError{{"items", "must contain at most 100 items"}}},
		{name: "sku empty", edit: func(n *NewOrder) { n.Items[0].SKU = "" },
			want: []FieldError{{"items[0].sku", "is required"}}},
		{name: "sku bad character", edit: func(n *NewOrder) { n.Items[0].SKU = "x/y" },
			want: []FieldError{{"items[0].sku", "must contain only letters, digits, '.', '_' and '-'"}}},
		{name: "quantity zero", edit: func(n *NewOrder) { n.Items[0].Quantity = 0 },
			want: []FieldError{{"items[0].quantity", "must be between 1 and 1000"}}},
		{name: "quantity too big", edit: func(n *NewOrder) { n.Items[0].Quantity = MaxQuantity + 1 },
			want: []FieldError{{"items[0].quantity", "must be between 1 and 1000"}}},
		{name: "price negative", edit: func(n *NewOrder) { n.Items[0].UnitPriceCents = -1 },
			want: []FieldError{{"items[0].unitPriceCents", "must be between 0 and 10000000"}}},
		{name: "price too big", edit: func(n *NewOrder) { n.Items[0].UnitPriceCents = MaxUnitPriceCents + 1 },
			want: []FieldError{{"items[0].unitPriceCents", "must be between 0 and 10000000"}}},
		{name: "every bad field, in order", edit: func(n *NewOrder) {
			n.CustomerID = ""
			n.Items = []Item{validItem(), {SKU: "", Quantity: 0, UnitPriceCents: -5}, {SKU: "ok", Quantity: 5000, UnitPriceCents: 1}}
		}, want: []FieldError{
			{"customerId", "is required"},
			{"items[1].sku", "is required"},
			{"items[1].quantity", "must be between 1 and 1000"},
			{"items[1].unitPriceCents", "must be between 0 and 10000000"},
			{"items[2].quantity", "must be between 1 and 1000"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := validOrder()
			tt.edit(&n)
			if got := n.Validate(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 11, 30, 3, 4, 5, 6, time.FixedZone("CET", 3600)) }
	wantTime := time.Date(2026, 11, 30, 2, 4, 5, 6, time.UTC)
	tests := []struct {
		name       string
		req        NewOrder
		id         string
		wantTotal  int64
		wantFields []FieldError // non-nil: want a *ValidationError with these
		wantErr    bool         // want a plain error
	}{
		{name: "one line", req: validOrder(), id: "ord_A", wantTotal: 500},
		{name: "lines summed", id: "ord_B", wantTotal: 3*199 + 1000*MaxUnitPriceCents,
			req: NewOrder{CustomerID: "c", Items: []Item{{"a", 3, 199}, {"b", MaxQuantity, MaxUnitPriceCents}, {"free", 1, 0}}}},
		{name: "invalid request", id: "ord_C", req: NewOrder{CustomerID: "c"},
			wantFields: []FieldError{{"items", "must contain at least 1 item"}}},
		{name: "invalid id", id: "ord/../x", req: validOrder(), wantErr: true},
		{name: "empty id", id: "", req: validOrder(), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.req.Build(tt.id, "api", clock)
			var ve *ValidationError
			switch {
			case tt.wantFields != nil:
				if !errors.As(err, &ve) || !reflect.DeepEqual(ve.Fields, tt.wantFields) {
					t.Fatalf("got error %v, want ValidationError with %v", err, tt.wantFields)
				}
				return
			case tt.wantErr:
				if err == nil || errors.As(err, &ve) {
					t.Fatalf("got error %v, want a plain error", err)
				}
				return
			case err != nil:
				t.Fatalf("got error %v, want nil", err)
			}
			want := Order{OrderID: tt.id, CustomerID: tt.req.CustomerID, Items: tt.req.Items, TotalCents: tt.wantTotal,
				Status: StatusPending, CreatedAt: wantTime, UpdatedAt: wantTime, Source: "api"}
			if !reflect.DeepEqual(o, want) {
				t.Errorf("got %+v, want %+v", o, want)
			}
			tt.req.Items[0].SKU = "changed"
			if o.Items[0].SKU == "changed" {
				t.Errorf("got order items sharing the request's array, want a copy")
			}
		})
	}
}

func TestSumCents(t *testing.T) {
	tests := []struct {
		name   string
		items  []Item
		want   int64
		wantOK bool
	}{
		{name: "empty", wantOK: true},
		{name: "sum", items: []Item{{"a", 2, 3}, {"b", 1, 4}}, want: 10, wantOK: true},
		{name: "zero price", items: []Item{{"a", math.MaxInt, 0}}, want: 0, wantOK: true},
		{name: "max exactly", items: []Item{{"a", 1, math.MaxInt64}}, want: math.MaxInt64, wantOK: true},
		{name: "product overflows", items: []Item{{"a", 2, math.MaxInt64/2 + 1}}},
		{name: "sum overflows", items: []Item{{"a", 1, math.MaxInt64}, {"b", 1, 1}}},
		{name: "negative quantity", items: []Item{{"a", -1, 5}}},
		{name: "negative price", items: []Item{{"a", 1, -5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := sumCents(tt.items)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got (%d, %v), want (%d, %v)", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	a := validOrder()
	b := validOrder()
	if a.Fingerprint() != b.Fingerprint() {
		t.Errorf("got different fingerprints for equal requests, want the same")
	}
	if got := len(a.Fingerprint()); got != 64 {
		t.Errorf("got fingerprint length %d, want 64 hex digits", got)
	}
	b.Items[0].Quantity++
	if a.Fingerprint() == b.Fingerprint() {
		t.Errorf("got the same fingerprint for different quantities, want different")
	}
}

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := NewID()
		if !ValidID(id) || len(id) != 30 || !strings.HasPrefix(id, "ord_") {
			t.Fatalf("got NewID %q, want ord_ + 26 base32 characters", id)
		}
		if seen[id] {
			t.Fatalf("got NewID %q twice, want distinct IDs", id)
		}
		seen[id] = true
	}
	if a, b := IDFromKey("key-1"), IDFromKey("key-1"); a != b {
		t.Errorf("got IDFromKey %q then %q for one key, want equal", a, b)
	}
	if a, b := IDFromKey("key-1"), IDFromKey("key-2"); a == b {
		t.Errorf("got IDFromKey %q for two keys, want different", a)
	}
	if id := IDFromKey("key-1"); !ValidID(id) || len(id) != 30 {
		t.Errorf("got IDFromKey %q, want ord_ + 26 base32 characters", id)
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"minted", "ord_ABCDEFGHIJKLMNOPQRSTUVWXYZ", true},
		{"other producer", "imp:orders-2026.csv:17", true},
		{"max length", strings.Repeat("a", MaxIDLen), true},
		{"empty", "", false},
		{"too long", strings.Repeat("a", MaxIDLen+1), false},
		{"slash", "ord/1", false},
		{"space", "ord 1", false},
		{"non-ASCII", "ordé", false},
		{"NUL", "ord\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidID(tt.id); got != tt.want {
				t.Errorf("ValidID(%q): got %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}
