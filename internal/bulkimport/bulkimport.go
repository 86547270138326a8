// Package bulkimport parses bulk order files (CSV or JSON Lines) into new
// orders, reporting each bad row with its line number and the fields at fault,
// and names the orders so that importing the same file twice yields the same
// order IDs.
//
// Files are read as a stream (encoding/csv, bufio.Scanner): the caller bounds
// the reader (the importer wraps it in an io.LimitReader); Parse keeps the
// orders it found, nothing more of the file.
//
// # CSV
//
// The first record is a header naming the columns, in any order, matched
// without regard to case: customerId, sku, quantity, unitPriceCents (all
// required) and orderRef (optional). Every later record is one item:
//
//	customerId,sku,quantity,unitPriceCents,orderRef
//	c-1,ESPRESSO,2,250,breakfast-1
//	c-1,CROISSANT,1,300,breakfast-1
//	c-2,TEA,1,200,
//
// A row with an empty (or absent) orderRef is an order of its own. Rows that
// share an orderRef, wherever they are in the file, are the items of one
// order, in file order; they must name the same customer. Such an order is
// imported whole or not at all: when one of its rows is bad, its other rows
// are reported too (field "orderRef"), so every row of the file is either
// stored or listed as rejected. A record that is not valid CSV (a stray
// quote) is rejected on its own (field "line"): its orderRef cannot be read,
// so it cannot hold back the rest of its group. A record with a different
// number of fields than the header is rejected likewise. Blank lines are
// skipped. Field names in errors are the column names.
//
// A quote left open (`c-2,"B,1,100`) makes one record of the lines after it,
// up to the next quote or the end of the file. No field of an order may hold
// a line break, so such a record is always rejected: its first line with a
// message naming its last ("the record runs from line 3 to line 9, none of
// which is imported"), and each later line it ran over on its own (field
// "line"), so that every line of the file is stored, rejected or blank. The
// orderRefs of those later lines cannot be read: they hold back no group.
//
// # JSON Lines (.jsonl, .ndjson)
//
// Every non-blank line is one JSON object shaped like orders.NewOrder:
//
//	{"customerId":"c-1","items":[{"sku":"ESPRESSO","quantity":2,"unitPriceCents":250}]}
//
// Unknown fields, names in another case than these ("CustomerID"), a name
// said twice in one object, a second value on the line, and JSON that is not
// an object reject the line. Field names in errors are JSON paths:
// "items[0].quantity" for a rule broken, "items.quantity" for a value of the
// wrong JSON type (the decoder does not give the index).
// Lines may end in "\n" or "\r\n"; a line longer than MaxLineBytes rejects the
// whole file.
package bulkimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/example/orderflow/internal/orders"
)

// Format is the layout of a bulk file.
type Format string

// The formats Parse reads.
const (
	CSV   Format = "csv"   // comma-separated values with a header row
	JSONL Format = "jsonl" // one JSON object a line (JSON Lines / NDJSON)
)

// MaxLineBytes is the longest JSON Lines line Parse reads, in bytes without
// the line end. An order of MaxItems items with the longest SKUs takes about
// 12 KiB; the rest is room for whitespace.
const MaxLineBytes = 256 << 10

// MaxRefLen is the longest CSV orderRef, in bytes.
const MaxRefLen = 128

// Column names of the CSV header.
const (
	ColCustomerID     = "customerId"
	ColSKU            = "sku"
	ColQuantity       = "quantity"
	ColUnitPriceCents = "unitPriceCents"
	ColOrderRef       = "orderRef"
)

// FieldLine is the Field of an error about a row as a whole (a CSV record
// with the wrong number of fields, a JSON Lines line that is not JSON).
const FieldLine = "line"

// ErrBadFile: the file cannot be imported at all (a CSV file without a valid
// header, a line longer than MaxLineBytes). Parse's error wraps it and says why.
var ErrBadFile = errors.New("bad file")

// FormatOf returns the format of a file from its key's suffix, ignoring case:
// ".csv" is CSV, ".jsonl" and ".ndjson" are JSONL. ok is false for any other.
func FormatOf(key string) (f Format, ok bool) {
	switch strings.ToLower(path.Ext(key)) {
	case ".csv":
		return CSV, true
	case ".jsonl", ".ndjson":
		return JSONL, true
	}
	return "", false
}

// Entry is one order of a file whose rows are all valid.
type Entry struct {
	// Line is the 1-based line the order starts on (its first row for a CSV
	// orderRef group).
	Line int
	// Ref names the order within its file: "line:<n>" for an order of one
	// row or JSON line, "ref:<orderRef>" for a CSV group. With the file's
	// identity it makes the order ID (OrderID).
	Ref string
	// Order is the order to place; it passes orders.NewOrder.Validate.
	Order orders.NewOrder
}

// Rejection is a row that is not imported, and why.
type Rejection struct {
	// Line is the 1-based line of the row in the file (for a CSV record
	// spanning lines, the first).
	Line int `json:"line"`
	// Errors says what is wrong, one entry per bad field; never empty.
	Errors []orders.FieldError `json:"errors"`
}

// Result is what Parse found in a file.
type Result struct {
	// Rows counts the data rows read: CSV records after the header (plus,
	// for a rejected record that runs over several lines, each line after
	// its first), or non-blank JSON Lines lines.
	Rows int
	// Entries are the valid orders, in the order of their first line.
	Entries []Entry
	// Rejected are the bad rows, by line.
	Rejected []Rejection
}

// Parse reads a bulk file of format f from r and returns its valid orders and
// its bad rows. It fails with an error wrapping ErrBadFile when the file as a
// whole is unusable, and with the reader's error (wrapped) when r fails.
func Parse(r io.Reader, f Format) (Result, error) {
	switch f {
	case CSV:
		return parseCSV(r)
	case JSONL:
		return parseJSONL(r)
	}
	return Result{}, fmt.Errorf("%w: unknown format %q", ErrBadFile, f)
}

func parseJSONL(r io.Reader) (Result, error) {
	var res Result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes+1) // +1: room for a final '\r'
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\ufeff")) // a byte order mark some editors write
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		res.Rows++
		n, errs := decodeLine(b)
		if errs == nil {
			errs = n.Validate()
		}
		if errs != nil {
			res.Rejected = append(res.Rejected, Rejection{Line: line, Errors: errs})
			continue
		}
		res.Entries = append(res.Entries, Entry{Line: line, Ref: "line:" + strconv.Itoa(line), Order: n})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Result{}, fmt.Errorf("%w: line %d is longer than %d bytes", ErrBadFile, line+1, MaxLineBytes)
		}
		return Result{}, fmt.Errorf("read line %d: %w", line+1, err)
	}
	return res, nil
}

// decodeLine decodes one JSON Lines line into a NewOrder, strictly.
func decodeLine(b []byte) (orders.NewOrder, []orders.FieldError) {
	var n orders.NewOrder
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(&n)
	var typeErr *json.UnmarshalTypeError
	if err == nil || errors.As(err, &typeErr) {
		// encoding/json matches names without regard to case and keeps the
		// last of a repeated name; the names are exact and said once.
		if ne := orders.CheckNewOrderNames(b); ne != nil {
			return n, []orders.FieldError{{Field: ne.Field(), Message: ne.Message()}}
		}
	}
	if err != nil {
		return n, []orders.FieldError{jsonFieldError(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return n, []orders.FieldError{{Field: FieldLine, Message: "must hold one JSON object only"}}
	}
	if bytes.Equal(b, []byte("null")) {
		return n, []orders.FieldError{{Field: FieldLine, Message: "must be a JSON object"}}
	}
	return n, nil
}

// jsonFieldError turns a decoding error into the field it concerns.
func jsonFieldError(err error) orders.FieldError {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return orders.FieldError{Field: FieldLine, Message: "must be a JSON object, not " + typeErr.Value}
	case errors.As(err, &typeErr):
		return orders.FieldError{Field: typeErr.Field, Message: fmt.Sprintf("must be %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)}
	case errors.As(err, &syntaxErr):
		return orders.FieldError{Field: FieldLine, Message: "invalid JSON: " + syntaxErr.Error()}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return orders.FieldError{Field: FieldLine, Message: "invalid JSON: unexpected end of line"}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if s, uerr := strconv.Unquote(name); uerr == nil {
			name = s
		}
		return orders.FieldError{Field: name, Message: "is not a known field"}
	}
	return orders.FieldError{Field: FieldLine, Message: "invalid JSON: " + err.Error()}
}

// jsonKind names a Go kind as the JSON value it decodes from.
func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "an integer"
	case kind == "string":
		return "a string"
	case kind == "slice":
		return "an array"
	case kind == "struct":
		return "an object"
	}
	return "a " + kind
}

// group collects the rows of one CSV order.
type group struct {
	ref        string // orderRef; "" for a one-row order
	lines      []int  // lines of its rows, in file order
	customerID string
	items      []orders.Item
	badLines   []int // lines of its rows that are rejected
}

func parseCSV(r io.Reader) (Result, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked against the header below, per row
	cr.ReuseRecord = true
	header, err := cr.Read()
	switch {
	case err == io.EOF:
		return Result{}, fmt.Errorf("%w: empty file: want a header row %s,%s,%s,%s[,%s]", ErrBadFile, ColCustomerID, ColSKU, ColQuantity, ColUnitPriceCents, ColOrderRef)
	case isParseError(err):
		return Result{}, fmt.Errorf("%w: header: %v", ErrBadFile, err)
	case err != nil:
		return Result{}, fmt.Errorf("read csv header: %w", err)
	}
	cols, err := columns(header)
	if err != nil {
		return Result{}, err
	}
	nfields := len(header)

	var (
		res    Result
		groups []*group
		byRef  = map[string]*group{}
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			res.Rows++
			msg := pe.Err.Error()
			if pe.Line > pe.StartLine { // a quote left open ran on over later lines
				msg += ": " + spanMessage(pe.StartLine, pe.Line)
			}
			res.Rejected = append(res.Rejected, Rejection{Line: pe.StartLine, Errors: []orders.FieldError{{Field: FieldLine, Message: msg}}})
			res.rejectSpan(pe.StartLine, pe.Line)
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("read csv: %w", err)
		}
		res.Rows++
		line, _ := cr.FieldPos(0)
		end, _ := cr.FieldPos(len(rec) - 1)
		end += strings.Count(rec[len(rec)-1], "\n") // a quoted last field may hold line breaks
		var span []orders.FieldError
		if end > line { // a quote left open until a later line
			span = []orders.FieldError{{Field: FieldLine, Message: spanMessage(line, end) + " (a quoted field holds a line break)"}}
			res.rejectSpan(line, end)
		}
		if len(rec) != nfields {
			res.Rejected = append(res.Rejected, Rejection{Line: line, Errors: append([]orders.FieldError{{Field: FieldLine,
				Message: fmt.Sprintf("has %d fields, want %d as in the header", len(rec), nfields)}}, span...)})
			continue
		}
		field := func(col string) string {
			if i, ok := cols[col]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		ref := field(ColOrderRef)
		item, errs := csvItem(field)
		errs = append(errs, span...)
		if msg := checkRef(ref); msg != "" {
			errs = append(errs, orders.FieldError{Field: ColOrderRef, Message: msg})
			ref = "" // keep a bad ref from joining or naming a group
		}
		g := byRef[ref]
		if ref == "" || g == nil {
			g = &group{ref: ref, customerID: field(ColCustomerID)}
			groups = append(groups, g)
			if ref != "" {
				byRef[ref] = g
			}
		} else if c := field(ColCustomerID); c != g.customerID {
			errs = append(errs, orders.FieldError{Field: ColCustomerID,
				Message: fmt.Sprintf("is %q, but line %d of orderRef %q has %q", c, g.lines[0], ref, g.customerID)})
		}
		g.lines = append(g.lines, line)
		if errs != nil {
			g.badLines = append(g.badLines, line)
			res.Rejected = append(res.Rejected, Rejection{Line: line, Errors: errs})
			continue
		}
		g.items = append(g.items, item)
	}

	for _, g := range groups {
		switch {
		case len(g.badLines) > 0:
			for _, l := range g.lines {
				if !slices.Contains(g.badLines, l) {
					res.Rejected = append(res.Rejected, Rejection{Line: l, Errors: []orders.FieldError{{Field: ColOrderRef,
						Message: fmt.Sprintf("order %q not imported: it has bad rows on lines %s", g.ref, joinInts(g.badLines))}}})
				}
			}
		case len(g.items) > orders.MaxItems:
			for _, l := range g.lines {
				res.Rejected = append(res.Rejected, Rejection{Line: l, Errors: []orders.FieldError{{Field: ColOrderRef,
					Message: fmt.Sprintf("order %q has %d rows, at most %d allowed", g.ref, len(g.items), orders.MaxItems)}}})
			}
		default:
			ref := "line:" + strconv.Itoa(g.lines[0])
			if g.ref != "" {
				ref = "ref:" + g.ref
			}
			res.Entries = append(res.Entries, Entry{Line: g.lines[0], Ref: ref,
				Order: orders.NewOrder{CustomerID: g.customerID, Items: g.items}})
		}
	}
	slices.SortStableFunc(res.Rejected, func(a, b Rejection) int { return a.Line - b.Line })
	return res, nil
}

// spanMessage says that a CSV record ran from line from to line to.
func spanMessage(from, to int) string {
	return fmt.Sprintf("the record runs from line %d to line %d, none of which is imported", from, to)
}

// rejectSpan lists each line after from up to to, the lines a rejected CSV
// record ran over, as a rejected row of its own, so that the summary accounts
// for every line.
func (res *Result) rejectSpan(from, to int) {
	if to <= from {
		return
	}
	errs := []orders.FieldError{{Field: FieldLine, // shared by the lines of the span: read-only
		Message: fmt.Sprintf("inside the record that starts on line %d (a quote there is not closed on its line): not imported", from)}}
	for l := from + 1; l <= to; l++ {
		res.Rows++
		res.Rejected = append(res.Rejected, Rejection{Line: l, Errors: errs})
	}
}

// columns maps the header's column names to their indexes.
func columns(header []string) (map[string]int, error) {
	known := []string{ColCustomerID, ColSKU, ColQuantity, ColUnitPriceCents, ColOrderRef}
	cols := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		j := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, h) })
		if j < 0 {
			return nil, fmt.Errorf("%w: header: unknown column %q: want %s", ErrBadFile, h, strings.Join(known, ", "))
		}
		if _, dup := cols[known[j]]; dup {
			return nil, fmt.Errorf("%w: header: column %q appears twice", ErrBadFile, known[j])
		}
		cols[known[j]] = i
	}
	for _, k := range known[:4] {
		if _, ok := cols[k]; !ok {
			return nil, fmt.Errorf("%w: header: missing column %q: want %s,%s,%s,%s[,%s]", ErrBadFile, k, ColCustomerID, ColSKU, ColQuantity, ColUnitPriceCents, ColOrderRef)
		}
	}
	return cols, nil
}

// csvItem parses and checks the item of one CSV row. Errors name CSV columns.
func csvItem(field func(string) string) (orders.Item, []orders.FieldError) {
	var errs []orders.FieldError
	item := orders.Item{SKU: field(ColSKU)}
	q, err := strconv.Atoi(field(ColQuantity))
	if err != nil {
		errs = append(errs, orders.FieldError{Field: ColQuantity, Message: numberMessage(field(ColQuantity))})
	}
	p, err := strconv.ParseInt(field(ColUnitPriceCents), 10, 64)
	if err != nil {
		errs = append(errs, orders.FieldError{Field: ColUnitPriceCents, Message: numberMessage(field(ColUnitPriceCents))})
	}
	item.Quantity, item.UnitPriceCents = q, p
	n := orders.NewOrder{CustomerID: field(ColCustomerID), Items: []orders.Item{item}}
	for _, fe := range n.Validate() {
		col := strings.TrimPrefix(fe.Field, "items[0].")
		if slices.ContainsFunc(errs, func(e orders.FieldError) bool { return e.Field == col }) {
			continue // already said it is not a number
		}
		fe.Field = col
		errs = append(errs, fe)
	}
	return item, errs
}

func numberMessage(s string) string {
	if s == "" {
		return "is required"
	}
	return "must be an integer"
}

// checkRef returns what is wrong with an orderRef, or "".
func checkRef(ref string) string {
	switch {
	case len(ref) > MaxRefLen:
		return fmt.Sprintf("must be at most %d bytes", MaxRefLen)
	case !utf8.ValidString(ref):
		return "must be valid UTF-8"
	case strings.IndexFunc(ref, unicode.IsControl) >= 0:
		return "must not contain control characters"
	}
	return ""
}

func isParseError(err error) bool {
	var pe *csv.ParseError
	return errors.As(err, &pe)
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
