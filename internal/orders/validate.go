package orders

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Limits on a new order, checked by NewOrder.Validate.
const (
	MaxNameLen        = 64         // longest customerId or sku, in characters
	MaxItems          = 100        // most lines in one order
	MinQuantity       = 1          // smallest Item.Quantity
	MaxQuantity       = 1000       // largest Item.Quantity
	MaxUnitPriceCents = 10_000_000 // largest Item.UnitPriceCents (100,000.00); the smallest is 0
	MaxIDLen          = 128        // longest order ID ValidID accepts
)

// NewOrder is a request to place an order: the body of POST /orders, or one
// order of a bulk import. The server chooses the ID, status and timestamps.
type NewOrder struct {
	// CustomerID names the customer: 1-64 characters of [A-Za-z0-9._-].
	CustomerID string `json:"customerId"`
	// Items are the order's lines: 1-100 of them.
	Items []Item `json:"items"`
}

// FieldError says what is wrong with one field of a request. Field is a path
// in the request's JSON: "customerId", "items", "items[2].quantity".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError is the error NewOrder.Build returns for a request that
// breaks a rule: it lists every bad field, in request order.
type ValidationError struct {
	Fields []FieldError
}

// Error lists the bad fields: "invalid order: customerId: is required; ...".
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid order: " + strings.Join(parts, "; ")
}

// Validate checks n against the rules documented on NewOrder and Item and
// returns one FieldError per bad field, in request order; nil when n is valid.
// With more than MaxItems items only the count is reported, so the list stays
// short (at most 2 + 3*MaxItems entries).
func (n NewOrder) Validate() []FieldError {
	var errs []FieldError
	if msg := checkName(n.CustomerID); msg != "" {
		errs = append(errs, FieldError{"customerId", msg})
	}
	switch {
	case len(n.Items) == 0:
		return append(errs, FieldError{"items", "must contain at least 1 item"})
	case len(n.Items) > MaxItems:
		return append(errs, FieldError{"items", fmt.Sprintf("must contain at most %d items", MaxItems)})
	}
	for i, it := range n.Items {
		if msg := checkName(it.SKU); msg != "" {
			errs = append(errs, FieldError{fmt.Sprintf("items[%d].sku", i), msg})
		}
		if it.Quantity < MinQuantity || it.Quantity > MaxQuantity {
			errs = append(errs, FieldError{fmt.Sprintf("items[%d].quantity", i),
				fmt.Sprintf("must be between %d and %d", MinQuantity, MaxQuantity)})
		}
		if it.UnitPriceCents < 0 || it.UnitPriceCents > MaxUnitPriceCents {
			errs = append(errs, FieldError{fmt.Sprintf("items[%d].unitPriceCents", i),
				fmt.Sprintf("must be between 0 and %d", MaxUnitPriceCents)})
		}
	}
	return errs
}

// checkName returns what is wrong with a customerId or sku, or "".
func checkName(s string) string {
	switch {
	case s == "":
		return "is required"
	case len(s) > MaxNameLen:
		return fmt.Sprintf("must be at most %d characters", MaxNameLen)
	case strings.IndexFunc(s, func(r rune) bool { return !isNameRune(r) }) >= 0:
		return "must contain only letters, digits, '.', '_' and '-'"
	}
	return ""
}

func isNameRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-'
}

// Build returns the order n places: ID id, status PENDING, TotalCents the sum
// of quantity x unit price, CreatedAt and UpdatedAt both now() in UTC, Source
// source, and a copy of n's items. It returns a *ValidationError when n breaks
// a rule or its total does not fit in an int64, and a plain error when id is
// not ValidID (a caller bug).
func (n NewOrder) Build(id, source string, now func() time.Time) (Order, error) {
	if !ValidID(id) {
		return Order{}, fmt.Errorf("build order: invalid order ID %q", id)
	}
	if errs := n.Validate(); errs != nil {
		return Order{}, &ValidationError{Fields: errs}
	}
	total, ok := sumCents(n.Items)
	if !ok {
		return Order{}, &ValidationError{Fields: []FieldError{{"items", "order total is too large"}}}
	}
	t := now().UTC()
	return Order{
		OrderID:    id,
		CustomerID: n.CustomerID,
		Items:      append([]Item(nil), n.Items...),
		TotalCents: total,
		Status:     StatusPending,
		CreatedAt:  t,
		UpdatedAt:  t,
		Source:     source,
	}, nil
}

// sumCents adds quantity x unit price over items; ok is false when a
// product or the sum overflows int64 or a term is negative.
func sumCents(items []Item) (total int64, ok bool) {
	for _, it := range items {
		q, p := int64(it.Quantity), it.UnitPriceCents
		if q < 0 || p < 0 || (p != 0 && q > math.MaxInt64/p) {
			return 0, false
		}
		line := q * p
		if total > math.MaxInt64-line {
			return 0, false
		}
		total += line
	}
	return total, true
}

// Fingerprint returns the hex SHA-256 of n's normalized JSON (fixed field
// order, no insignificant space): two requests that decode to the same
// NewOrder have the same fingerprint however their JSON was written.
func (n NewOrder) Fingerprint() string {
	b, _ := json.Marshal(n) // cannot fail: strings and integers only
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

const idPrefix = "ord_"

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns a random order ID: "ord_" and 26 characters of RFC 4648
// base32 (A-Z, 2-7) carrying 128 bits from crypto/rand.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24+: crashes the program instead)
	return idPrefix + idEncoding.EncodeToString(b[:])
}

// IDFromKey returns the order ID for an idempotency key: the same shape as
// NewID, from the first 128 bits of SHA-256(key). The same key always gives
// the same ID; different keys collide with negligible probability. Each
// caller starts its keys with its own prefix ("api:", "import:"), so that
// keys from one source can never name the orders of another.
func IDFromKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return idPrefix + idEncoding.EncodeToString(sum[:16])
}

// ValidID reports whether id can name an order: 1-128 characters of
// [A-Za-z0-9._:-]. IDs from NewID and IDFromKey always pass; callers check
// IDs from outside (a URL, a queue message) with it before using them as a key.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLen {
		return false
	}
	for _, r := range id {
		if !isNameRune(r) && r != ':' {
			return false
		}
	}
	return true
}
