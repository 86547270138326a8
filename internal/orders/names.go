package orders

import (
	"encoding/json"
	"strconv"
	"strings"
)

// The JSON names of NewOrder and of Item, as the wire format spells them.
var (
	newOrderNames = []string{"customerId", "items"}
	itemNames     = []string{"sku", "quantity", "unitPriceCents"}
)

// NameError is an object name in the JSON of a NewOrder that encoding/json
// accepts but the wire format does not: one that matches a field only without
// regard to case ("CustomerID", "SKU"), or one said twice in its object
// (encoding/json keeps the last, so {"customerId":"a","customerId":"b"}
// would silently mean "b").
type NameError struct {
	// Path is the object the name is in: "" for the order, "items[2]" for
	// its third item.
	Path string
	// Name is the name as written (its JSON escapes undone).
	Name string
	// Repeated is true for a name said twice; false for a name that is not
	// one of the object's names, exactly.
	Repeated bool
	// Want is the field Name matches without regard to case; "" when
	// Repeated or when it matches none.
	Want string
}

// Field is the name's JSON path: "customerId", "items[2].SKU".
func (e *NameError) Field() string {
	if e.Path == "" {
		return e.Name
	}
	return e.Path + "." + e.Name
}

// Message says what is wrong with Field: `appears more than once`, or `is
// not a known field (names are case-sensitive: "sku")`.
func (e *NameError) Message() string {
	switch {
	case e.Repeated:
		return "appears more than once"
	case e.Want != "":
		return "is not a known field (names are case-sensitive: " + strconv.Quote(e.Want) + ")"
	}
	return "is not a known field"
}

// Error is Field and Message: `field "items[2].SKU" is not a known field (...)`.
func (e *NameError) Error() string {
	return "field " + strconv.Quote(e.Field()) + " " + e.Message()
}

// CheckNewOrderNames returns the first object name in b, the JSON of a
// NewOrder, that is not exactly one of the names of its object (NewOrder's
// at the top, Item's in each element of "items") or that repeats in its
// object; nil when every name is exact and said once. It reads no deeper
// than items' elements: what a leaf holds is a type error, the decoder's to
// report.
//
// It is meant to run after encoding/json decoded b, to add the strictness
// DisallowUnknownFields lacks, and stops without a finding (nil) at anything
// that is not well-formed JSON. It allocates nothing unless it finds a name
// to report or a name written with escapes.
func CheckNewOrderNames(b []byte) *NameError {
	s := nameScanner{b: b}
	s.space()
	if !s.at('{') {
		return nil
	}
	return s.object(-1, newOrderNames)
}

// nameScanner walks JSON names; i is the offset of the next byte.
type nameScanner struct {
	b []byte
	i int
}

func (s *nameScanner) at(c byte) bool { return s.i < len(s.b) && s.b[s.i] == c }

func (s *nameScanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\r' || s.b[s.i] == '\n') {
		s.i++
	}
}

// object checks the object at s.i ('{') whose names are known: the order's
// (item < 0) or those of items[item].
func (s *nameScanner) object(item int, known []string) *NameError {
	s.i++ // '{'
	var seen uint64
	for n := 0; ; n++ {
		s.space()
		if s.at('}') || s.i >= len(s.b) {
			return nil
		}
		if n > 0 {
			if !s.at(',') {
				return nil
			}
			s.i++
			s.space()
		}
		raw, escaped, ok := s.str()
		if !ok {
			return nil
		}
		j := -1
		for k, name := range known {
			if string(raw) == name { // compared without a copy
				j = k
				break
			}
		}
		if j < 0 && escaped {
			var name string
			if json.Unmarshal(s.b[s.i-len(raw)-2:s.i], &name) == nil {
				for k, want := range known {
					if name == want {
						j = k
						break
					}
				}
			}
		}
		if j < 0 || seen&(1<<j) != 0 {
			return s.nameError(item, raw, known, j >= 0)
		}
		seen |= 1 << j
		s.space()
		if !s.at(':') {
			return nil
		}
		s.i++
		s.space()
		if item < 0 && known[j] == "items" && s.at('[') {
			if e := s.items(); e != nil {
				return e
			}
			continue
		}
		if !s.value() {
			return nil
		}
	}
}

// items checks each object element of the array at s.i ('[').
func (s *nameScanner) items() *NameError {
	s.i++ // '['
	for n := 0; ; n++ {
		s.space()
		if s.at(']') {
			s.i++
			return nil
		}
		if s.i >= len(s.b) {
			return nil
		}
		if n > 0 {
			if !s.at(',') {
				s.i = len(s.b)
				return nil
			}
			s.i++
			s.space()
		}
		if s.at('{') {
			if e := s.object(n, itemNames); e != nil {
				return e
			}
			if !s.at('}') {
				s.i = len(s.b)
				return nil
			}
			s.i++
			continue
		}
		if !s.value() {
			s.i = len(s.b)
			return nil
		}
	}
}

// str reads the string at s.i and returns its bytes between the quotes,
// escapes as written.
func (s *nameScanner) str() (raw []byte, escaped, ok bool) {
	if !s.at('"') {
		return nil, false, false
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch s.b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			raw = s.b[s.i+1 : j]
			s.i = j + 1
			return raw, escaped, true
		}
	}
	return nil, false, false
}

// value skips the value at s.i; false when it is not well formed.
func (s *nameScanner) value() bool {
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		_, _, ok := s.str()
		return ok
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if _, _, ok := s.str(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.i++
			if depth == 0 {
				return true
			}
		}
		return false
	}
	start := s.i // a number, true, false or null: up to the next delimiter
	for ; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return s.i > start
		}
	}
	return s.i > start
}

// nameError reports raw, a name of items[item] (or of the order, item < 0).
func (s *nameScanner) nameError(item int, raw []byte, known []string, repeated bool) *NameError {
	name := string(raw)
	// As decoded: escapes undone, invalid UTF-8 as U+FFFD. On error (not
	// expected after a decode) the name is reported as written.
	_ = json.Unmarshal(s.b[s.i-len(raw)-2:s.i], &name)
	e := &NameError{Name: name, Repeated: repeated}
	if item >= 0 {
		e.Path = "items[" + strconv.Itoa(item) + "]"
	}
	if !repeated {
		for _, want := range known {
			if strings.EqualFold(name, want) {
				e.Want = want
			}
		}
	}
	return e
}
