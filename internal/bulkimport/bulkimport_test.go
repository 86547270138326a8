package bulkimport

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/example/orderflow/internal/orders"
)

func TestFormatOf(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		want   Format
		wantOK bool
	}{
		{name: "csv", key: "incoming/a.csv", want: CSV, wantOK: true},
		{name: "upper case", key: "incoming/A.CSV", want: CSV, wantOK: true},
		{name: "jsonl", key: "incoming/x y.jsonl", want: JSONL, wantOK: true},
		{name: "ndjson", key: "incoming/x.ndjson", want: JSONL, wantOK: true},
		{name: "json is not json lines", key: "incoming/x.json"},
		{name: "no suffix", key: "incoming/csv"},
		{name: "dot in folder only", key: "incoming/a.csv/file"},
		{name: "empty", key: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := FormatOf(tt.key)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("FormatOf(%q): got %q, %v, want %q, %v", tt.key, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func item(sku string, q int, p int64) orders.Item {
	return orders.Item{SKU: sku, Quantity: q, UnitPriceCents: p}
}

func fe(field, msg string) orders.FieldError { return orders.FieldError{Field: field, Message: msg} }

// rejectedFields summarizes rejections as line -> fields, for comparing.
func rejectedFields(rs []Rejection) map[int][]string {
	m := map[int][]string{}
	for _, r := range rs {
		if len(r.Errors) == 0 {
			m[r.Line] = append(m[r.Line], "<no errors>")
		}
		for _, e := range r.Errors {
			m[r.Line] = append(m[r.Line], e.Field)
		}
	}
	return m
}

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name         string
		in           string
		wantRows     int
		wantEntries  []Entry
		wantRejected map[int][]string
	}{
		{
			name:     "one order per row without orderRef",
			in:       "customerId,sku,quantity,unitPriceCents\nc-1,A,2,250\r\nc-2,B,1,0\n",
			wantRows: 2,
			wantEntries: []Entry{
				{Line: 2, Ref: "line:2", Order: orders.NewOrder{CustomerID: "c-1", Items: []orders.Item{item("A", 2, 250)}}},
				{Line: 3, Ref: "line:3", Order: orders.NewOrder{CustomerID: "c-2", Items: []orders.Item{item("B", 1, 0)}}},
			},
			wantRejected: map[int][]string{},
		},
		{
			name: "rows sharing orderRef form one order, wherever they are",
			in: "\ufeffCustomerID, SKU ,quantity,unitPriceCents,orderRef\n" +
				"c-1,A,1,100,r1\n" +
				"c-2,B,1,100,\n" +
				"\n" +
				"c-1, C ,3,50,r1\n",
			wantRows: 3,
			wantEntries: []Entry{
				{Line: 2, Ref: "ref:r1", Order: orders.NewOrder{CustomerID: "c-1", Items: []orders.Item{item("A", 1, 100), item("C", 3, 50)}}},
				{Line: 3, Ref: "line:3", Order: orders.NewOrder{CustomerID: "c-2", Items: []orders.Item{item("B", 1, 100)}}},
			},
			wantRejected: map[int][]string{},
		},
		{
			name: "columns in any order",
			in:   "orderRef,unitPriceCents,quantity,sku,customerId\nr,5,1,A,c\n",
			wantEntries: []Entry{
				{Line: 2, Ref: "ref:r", Order: orders.NewOrder{CustomerID: "c", Items: []orders.Item{item("A", 1, 5)}}},
			},
			wantRows:     1,
			wantRejected: map[int][]string{},
		},
		{
			name: "bad rows are reported by line and column, good rows kept",
			in: "customerId,sku,quantity,unitPriceCents\n" +
				"c-1,A,1,100\n" +
				"c 2,A,x,100\n" +
				",,0,-1\n" +
				"c-1,A,1\n" +
				"c-1,\"A\"x,1,1\n" +
				"c-1,B,2,200\n",
			wantRows: 6,
			wantEntries: []Entry{
				{Line: 2, Ref: "line:2", Order: orders.NewOrder{CustomerID: "c-1", Items: []orders.Item{item("A", 1, 100)}}},
				{Line: 7, Ref: "line:7", Order: orders.NewOrder{CustomerID: "c-1", Items: []orders.Item{item("B", 2, 200)}}},
			},
			wantRejected: map[int][]string{
				3: {"quantity", "customerId"},
				4: {"customerId", "sku", "quantity", "unitPriceCents"},
				5: {"line"},
				6: {"line"},
			},
		},
		{
			name: "a group with a bad row is rejected whole",
			in: "customerId,sku,quantity,unitPriceCents,orderRef\n" +
				"c-1,A,1,100,g\n" +
				"c-1,B,0,100,g\n" +
				"c-9,C,1,100,g\n" +
				"c-1,D,1,100,h\n",
			wantRows: 4,
			wantEntries: []Entry{
				{Line: 5, Ref: "ref:h", Order: orders.NewOrder{CustomerID: "c-1", Items: []orders.Item{item("D", 1, 100)}}},
			},
			wantRejected: map[int][]string{2: {"orderRef"}, 3: {"quantity"}, 4: {"customerId"}},
		},
		{
			name:         "a group over the item limit is rejected whole",
			in:           "customerId,sku,quantity,unitPriceCents,orderRef\n" + strings.Repeat("c,A,1,1,big\n", orders.MaxItems+1),
			wantRows:     orders.MaxItems + 1,
			wantRejected: allLines(2, orders.MaxItems+3, "orderRef"),
		},
		{
			name:         "orderRef with a control character",
			in:           "customerId,sku,quantity,unitPriceCents,orderRef\nc,A,1,1,\"a\x01b\"\n",
			wantRows:     1,
			wantRejected: map[int][]string{2: {"orderRef"}},
		},
		{
			name:         "header only",
			in:           "customerId,sku,quantity,unitPriceCents\n",
			wantRejected: map[int][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(strings.NewReader(tt.in), CSV)
			if err != nil {
				t.Fatalf("Parse: got error %v, want nil", err)
			}
			if res.Rows != tt.wantRows {
				t.Errorf("got %d rows, want %d", res.Rows, tt.wantRows)
			}
			if !reflect.DeepEqual(res.Entries, tt.wantEntries) {
				t.Errorf("got entries\n%+v\nwant\n%+v", res.Entries, tt.wantEntries)
			}
			if got := rejectedFields(res.Rejected); !reflect.DeepEqual(got, tt.wantRejected) {
				t.Errorf("got rejected %v, want %v", got, tt.wantRejected)
			}
		})
	}
}

func allLines(from, to int, field string) map[int][]string {
	m := map[int][]string{}
	for l := from; l < to; l++ {
		m[l] = []string{field}
	}
	return m
}

func TestParseCSVMessages(t *testing.T) {
	in := "customerId,sku,quantity,unitPriceCents,orderRef\nc-1,A,1,1,g\nc-2,B,1,1,g\nc-3,C,,7.5,\n"
	res, err := Parse(strings.NewReader(in), CSV)
	if err != nil {
		t.Fatal(err)
	}
	want := []Rejection{
		{Line: 2, Errors: []orders.FieldError{fe("orderRef", `order "g" not imported: it has bad rows on lines 3`)}},
		{Line: 3, Errors: []orders.FieldError{fe("customerId", `is "c-2", but line 2 of orderRef "g" has "c-1"`)}},
		{Line: 4, Errors: []orders.FieldError{fe("quantity", "is required"), fe("unitPriceCents", "must be an integer")}},
	}
	if !reflect.DeepEqual(res.Rejected, want) {
		t.Errorf("got %+v, want %+v", res.Rejected, want)
	}
}

// TestParseCSVQuoteSpans: a quote left open makes one record of the lines
// after it; the summary lists every one of them.
func TestParseCSVQuoteSpans(t *testing.T) {
	const header = "customerId,sku,quantity,unitPriceCents,orderRef\r\n"
	inside := func(from int) orders.FieldError {
		return fe("line", fmt.Sprintf("inside the record that starts on line %d (a quote there is not closed on its line): not imported", from))
	}
	tests := []struct {
		name         string
		in           string
		wantRows     int
		wantEntries  []int // lines
		wantRejected []Rejection
	}{
		{
			name:        "quote never closed: every later line listed",
			in:          header + "c1,A,1,100,\r\n" + "c2,\"B,1,100,\r\n" + "c3,C,1,100,\r\n" + "c4,D,1,100,\r\n",
			wantRows:    4,
			wantEntries: []int{2},
			wantRejected: []Rejection{
				{Line: 3, Errors: []orders.FieldError{fe("line", `extraneous or missing " in quoted-field: the record runs from line 3 to line 5, none of which is imported`)}},
				{Line: 4, Errors: []orders.FieldError{inside(3)}},
				{Line: 5, Errors: []orders.FieldError{inside(3)}},
			},
		},
		{
			name:        "quote closed lines later: the record and its lines listed, later rows kept",
			in:          header + "c2,\"B,1,100,\n" + "c3,C,1,100,\n" + "c4\",D,1,100,\n" + "c5,E,1,100,\n",
			wantRows:    4,
			wantEntries: []int{5},
			wantRejected: []Rejection{
				{Line: 2, Errors: []orders.FieldError{fe("line", "has 6 fields, want 5 as in the header"),
					fe("line", "the record runs from line 2 to line 4, none of which is imported (a quoted field holds a line break)")}},
				{Line: 3, Errors: []orders.FieldError{inside(2)}},
				{Line: 4, Errors: []orders.FieldError{inside(2)}},
			},
		},
		{
			name:        "quoted field with a line break and the right field count: rejected with its group",
			in:          header + "c1,A,1,100,g\n" + "c1,\"B\n\",1,100,g\n" + "c2,C,1,100,\n",
			wantRows:    4,
			wantEntries: []int{5},
			wantRejected: []Rejection{
				{Line: 2, Errors: []orders.FieldError{fe("orderRef", `order "g" not imported: it has bad rows on lines 3`)}},
				{Line: 3, Errors: []orders.FieldError{fe("line", "the record runs from line 3 to line 4, none of which is imported (a quoted field holds a line break)")}},
				{Line: 4, Errors: []orders.FieldError{inside(3)}},
			},
		},
		{
			name:        "stray quote on one line: that line only",
			in:          header + "c1,\"A\"x,1,100,\n" + "c2,B,1,100,\n",
			wantRows:    2,
			wantEntries: []int{3},
			wantRejected: []Rejection{
				{Line: 2, Errors: []orders.FieldError{fe("line", `extraneous or missing " in quoted-field`)}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(strings.NewReader(tt.in), CSV)
			if err != nil {
				t.Fatalf("Parse: got error %v, want nil", err)
			}
			if res.Rows != tt.wantRows {
				t.Errorf("got %d rows, want %d", res.Rows, tt.wantRows)
			}
			var entries []int
			for _, e := range res.Entries {
				entries = append(entries, e.Line)
			}
			if !slices.Equal(entries, tt.wantEntries) {
				t.Errorf("got entries on lines %v, want %v", entries, tt.wantEntries)
			}
			if !reflect.DeepEqual(res.Rejected, tt.wantRejected) {
				t.Errorf("got rejected\n%+v\nwant\n%+v", res.Rejected, tt.wantRejected)
			}
		})
	}
}

func TestParseBadFile(t *testing.T) {
	tests := []struct {
		name    string
		format  Format
		in      string
		wantMsg string
	}{
		{name: "empty csv", format: CSV, in: "", wantMsg: "empty file"},
		{name: "missing column", format: CSV, in: "customerId,sku,quantity\nc,A,1\n", wantMsg: `missing column "unitPriceCents"`},
		{name: "unknown column", format: CSV, in: "customerId,sku,quantity,unitPriceCents,note\n", wantMsg: `unknown column "note"`},
		{name: "duplicate column", format: CSV, in: "customerId,sku,quantity,unitPriceCents,SKU\n", wantMsg: `column "sku" appears twice`},
		{name: "broken header", format: CSV, in: "customerId,\"sku\n", wantMsg: "header"},
		{name: "jsonl line too long", format: JSONL, in: "{}\n" + strings.Repeat(" ", MaxLineBytes+2) + "{}\n", wantMsg: "line 2 is longer than"},
		{name: "unknown format", format: "xml", in: "<a/>", wantMsg: "unknown format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in), tt.format)
			if !errors.Is(err, ErrBadFile) {
				t.Fatalf("got error %v, want ErrBadFile", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("got %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestParseReaderError(t *testing.T) {
	boom := errors.New("connection reset")
	for _, f := range []Format{CSV, JSONL} {
		t.Run(string(f), func(t *testing.T) {
			r := io.MultiReader(strings.NewReader("customerId,sku,quantity,unitPriceCents\n"), iotest.ErrReader(boom))
			_, err := Parse(r, f)
			if !errors.Is(err, boom) || errors.Is(err, ErrBadFile) {
				t.Errorf("got error %v, want the reader's error and not ErrBadFile", err)
			}
		})
	}
}

func TestParseJSONL(t *testing.T) {
	good := `{"customerId":"c-1","items":[{"sku":"A","quantity":2,"unitPriceCents":250}]}`
	in := strings.Join([]string{
		"\ufeff" + good,
		"",
		`{"customerId":"c-2","items":[{"sku":"B","quantity":1,"unitPriceCents":0},{"sku":"C","quantity":3,"unitPriceCents":5}]}` + "\r",
		`{"customerId":"c-1","items":[],"coupon":"X"}`,
		`{"customerId":"c 1","items":[{"sku":"","quantity":0,"unitPriceCents":1}]}`,
		`{"customerId":"c-1","items":[{"sku":"A","quantity":"2","unitPriceCents":1}]}`,
		`{"customerId":"c-1","items":[{"sku":"A","quantity":1.5,"unitPriceCents":1}]}`,
		`[1,2]`,
		`null`,
		`{"customerId":"c-1"`,
		good + ` {"customerId":"c-1"}`,
		`{"customerId":"c-1","items":[{"sku":"A","quantity":1,"unitPriceCents":1,"discount":1}]}`,
		`not json`,
		"   " + good + "   ",
	}, "\n")
	res, err := Parse(strings.NewReader(in), JSONL)
	if err != nil {
		t.Fatalf("Parse: got error %v, want nil", err)
	}
	if res.Rows != 13 {
		t.Errorf("got %d rows, want 13 (blank lines not counted)", res.Rows)
	}
	wantEntries := []Entry{
		{Line: 1, Ref: "line:1", Order: orders.NewOrder{CustomerID: "c-1", Items: []orders.Item{item("A", 2, 250)}}},
		{Line: 3, Ref: "line:3", Order: orders.NewOrder{CustomerID: "c-2", Items: []orders.Item{item("B", 1, 0), item("C", 3, 5)}}},
		{Line: 14, Ref: "line:14", Order: orders.NewOrder{CustomerID: "c-1", Items: []orders.Item{item("A", 2, 250)}}},
	}
	if !reflect.DeepEqual(res.Entries, wantEntries) {
		t.Errorf("got entries\n%+v\nwant\n%+v", res.Entries, wantEntries)
	}
	wantRejected := []Rejection{
		{Line: 4, Errors: []orders.FieldError{fe("coupon", "is not a known field")}},
		{Line: 5, Errors: []orders.FieldError{fe("customerId", "must contain only letters, digits, '.', '_' and '-'"),
			fe("items[0].sku", "is required"), fe("items[0].quantity", "must be between 1 and 1000")}},
		{Line: 6, Errors: []orders.FieldError{fe("items.quantity", "must be an integer, not string")}},
		{Line: 7, Errors: []orders.FieldError{fe("items.quantity", "must be an integer, not number 1.5")}},
		{Line: 8, Errors: []orders.FieldError{fe("line", "must be a JSON object, not array")}},
		{Line: 9, Errors: []orders.FieldError{fe("line", "must be a JSON object")}},
		{Line: 10, Errors: []orders.FieldError{fe("line", "invalid JSON: unexpected end of line")}},
		{Line: 11, Errors: []orders.FieldError{fe("line", "must hold one JSON object only")}},
		{Line: 12, Errors: []orders.FieldError{fe("discount", "is not a known field")}},
		{Line: 13, Errors: []orders.FieldError{fe("line", "invalid JSON: invalid character 'o' in literal null (expecting 'u')")}},
	}
	if !reflect.DeepEqual(res.Rejected, wantRejected) {
		t.Errorf("got rejected\n%+v\nwant\n%+v", res.Rejected, wantRejected)
	}
}

// TestParseJSONLNames: encoding/json matches names without regard to case
// and keeps the last of a repeated name; a JSON Lines line may do neither.
func TestParseJSONLNames(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []orders.FieldError // nil: imported
	}{
		{name: "exact names", line: `{"customerId":"c-1","items":[{"sku":"A","quantity":1,"unitPriceCents":1}]}`},
		{name: "exact name written with an escape", line: `{"customer\u0049d":"c-1","items":[{"sku":"A","quantity":1,"unitPriceCents":1}]}`},
		{name: "order name in other case", line: `{"CustomerID":"c-1","items":[{"sku":"A","quantity":1,"unitPriceCents":1}]}`,
			want: []orders.FieldError{fe("CustomerID", `is not a known field (names are case-sensitive: "customerId")`)}},
		{name: "item name in other case", line: `{"customerId":"c-1","items":[{"sku":"A","quantity":1,"unitPriceCents":1},{"sku":"B","Quantity":1,"unitPriceCents":1}]}`,
			want: []orders.FieldError{fe("items[1].Quantity", `is not a known field (names are case-sensitive: "quantity")`)}},
		{name: "name in other case, value of the wrong type", line: `{"customerId":"c-1","ITEMS":"x"}`,
			want: []orders.FieldError{fe("ITEMS", `is not a known field (names are case-sensitive: "items")`)}},
		{name: "order name said twice", line: `{"customerId":"evil","customerId":"c-1","items":[{"sku":"A","quantity":1,"unitPriceCents":1}]}`,
			want: []orders.FieldError{fe("customerId", "appears more than once")}},
		{name: "item name said twice", line: `{"customerId":"c-1","items":[{"sku":"A","quantity":1,"unitPriceCents":1,"unitPriceCents":0}]}`,
			want: []orders.FieldError{fe("items[0].unitPriceCents", "appears more than once")}},
		{name: "items said twice", line: `{"customerId":"c-1","items":[],"items":[{"sku":"A","quantity":1,"unitPriceCents":1}]}`,
			want: []orders.FieldError{fe("items", "appears more than once")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(strings.NewReader(tt.line+"\n"), JSONL)
			if err != nil {
				t.Fatalf("Parse: got error %v, want nil", err)
			}
			var got []orders.FieldError
			if len(res.Rejected) > 0 {
				got = res.Rejected[0].Errors
			}
			if !reflect.DeepEqual(got, tt.want) || len(res.Entries) != map[bool]int{true: 1, false: 0}[tt.want == nil] {
				t.Errorf("got rejected %+v and %d entries, want rejected %+v", got, len(res.Entries), tt.want)
			}
		})
	}
}

func TestOrderID(t *testing.T) {
	base := OrderID("b", "incoming/a.csv", "v1", "line:2")
	tests := []struct {
		name     string
		id       string
		wantSame bool
	}{
		{name: "same inputs", id: OrderID("b", "incoming/a.csv", "v1", "line:2"), wantSame: true},
		{name: "other line", id: OrderID("b", "incoming/a.csv", "v1", "line:3")},
		{name: "other version", id: OrderID("b", "incoming/a.csv", "v2", "line:2")},
		{name: "other key", id: OrderID("b", "incoming/b.csv", "v1", "line:2")},
		{name: "other bucket", id: OrderID("c", "incoming/a.csv", "v1", "line:2")},
		{name: "fields shifted", id: OrderID("b", "incoming/a.csvv", "1", "line:2")},
	}
	if !orders.ValidID(base) {
		t.Fatalf("got ID %q, want one ValidID accepts", base)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if same := tt.id == base; same != tt.wantSame {
				t.Errorf("got %q vs %q same=%v, want %v", tt.id, base, same, tt.wantSame)
			}
		})
	}
}

// FuzzParse checks, for any input in either format, that Parse never panics,
// that every row is either in an order or rejected with reasons, and that
// every order it returns is valid.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"customerId,sku,quantity,unitPriceCents,orderRef\nc-1,A,1,100,g\nc-1,B,2,200,g\nc-2,C,1,1,\n",
		"customerId,sku,quantity,unitPriceCents\nc 2,A,x,100\n\"a,b\n,,,\n",
		"customerId,sku,quantity,unitPriceCents,orderRef\nc,A,1,1,\"g\"x\nc,A,1,1,g\n",
		`{"customerId":"c-1","items":[{"sku":"A","quantity":2,"unitPriceCents":250}]}` + "\n[1]\nnull\n{\"x\":1}\n",
		`{"CustomerID":"c-1","items":[{"sku":"A","SKU":"B","quantity":2,"unitPriceCents":250}],"customerId":"c"}` + "\n",
		"",
		"\n\n\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, csvFormat bool) {
		format := JSONL
		if csvFormat {
			format = CSV
		}
		res, err := Parse(strings.NewReader(string(data)), format)
		if err != nil {
			if !errors.Is(err, ErrBadFile) {
				t.Fatalf("got error %v from a strings.Reader, want only ErrBadFile", err)
			}
			return
		}
		rows := len(res.Rejected)
		lines := strings.Count(string(data), "\n") + 1
		for _, e := range res.Entries {
			if errs := e.Order.Validate(); errs != nil {
				t.Errorf("entry at line %d: got invalid order %v", e.Line, errs)
			}
			if e.Line < 1 || e.Line > lines || e.Ref == "" {
				t.Errorf("got entry line %d ref %q, want line in [1, %d] and a ref", e.Line, e.Ref, lines)
			}
			if format == JSONL {
				rows++
			} else {
				rows += len(e.Order.Items)
			}
		}
		if rows != res.Rows {
			t.Errorf("got %d rows, but %d stored or rejected", res.Rows, rows)
		}
		for _, r := range res.Rejected {
			if len(r.Errors) == 0 || r.Line < 1 || r.Line > lines {
				t.Errorf("got rejection %+v, want a line in [1, %d] and errors", r, lines)
			}
		}
		refs := map[string]bool{}
		for _, e := range res.Entries {
			if refs[e.Ref] {
				t.Errorf("got ref %q twice, want refs unique in a file", e.Ref)
			}
			refs[e.Ref] = true
		}
	})
}
