// Package orderevents defines the order flow's domain events on EventBridge
// and the customer notification made from them:
//
//   - OrderReady: the kitchen (source Source) puts it on the orders event bus
//     (EnvBusName) once an order is READY, with detail-type
//     DetailTypeOrderReady and the JSON of OrderReady as detail;
//   - Notification: what the notifier publishes to the notifications SNS
//     topic (EnvNotificationTopicARN) for each OrderReady it receives.
//
// Delivery is at least once all the way: a redelivered kitchen message puts
// the event again, EventBridge may deliver it twice, the notifier may
// publish twice. Never a different event, though: an OrderReady's detail is
// a function of the order ID alone (the same bytes however often it is put),
// and its EventID, which every Notification carries, is what consumers
// deduplicate on.
//
// The stacks import the constants (source, detail-type, environment
// variable names) for the rule's event pattern and the functions'
// environment. The package imports no AWS SDK, CDK or jsii code.
package orderevents

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/example/orderflow/internal/orders"
)

// Source is the EventBridge source of the kitchen's events. EventBridge
// reserves sources starting with "aws." for AWS services.
const Source = "orderflow.kitchen"

// DetailTypeOrderReady is the EventBridge detail-type of an OrderReady event.
const DetailTypeOrderReady = "OrderReady"

// Environment variables the stack sets and the handlers read at cold start.
const (
	// EnvBusName is the name of the orders event bus (kitchen).
	EnvBusName = "ORDER_EVENTS_BUS_NAME"
	// EnvNotificationTopicARN is the ARN of the customer notifications SNS
	// topic (notifier).
	EnvNotificationTopicARN = "NOTIFICATIONS_TOPIC_ARN"
	// EnvIdempotencyTableName is the name of the table the notifier records
	// the notifications it published in (the idempotencytable construct),
	// so a redelivered or replayed event publishes nothing again.
	EnvIdempotencyTableName = "IDEMPOTENCY_TABLE_NAME"
)

// MaxEventIDLen is the longest event ID Parse accepts, in bytes.
const MaxEventIDLen = 64

// OrderReady is the detail of an OrderReady event: order OrderID is READY.
// Its JSON is {"eventId":"evt_...","orderId":"ord_..."}, fields in that
// order; consumers must ignore fields they do not know (a later version may
// add some, always derived from the order ID alone).
type OrderReady struct {
	// EventID identifies the event, not its delivery: EventID(OrderID),
	// the same every time this order's event is put, so consumers
	// deduplicate on it. (The envelope's "id" is EventBridge's, new for
	// every PutEvents, and so of no use for that.)
	EventID string `json:"eventId"`
	// OrderID is the order that is READY (orders.ValidID).
	OrderID string `json:"orderId"`
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// EventID returns the ID of the OrderReady event of order orderID: "evt_"
// and 26 characters of RFC 4648 base32 (A-Z, 2-7) carrying the first 128
// bits of SHA-256("<Source>/<DetailTypeOrderReady>/<orderID>"). The same
// order always gives the same ID; two orders collide with negligible
// probability.
func EventID(orderID string) string {
	sum := sha256.Sum256([]byte(Source + "/" + DetailTypeOrderReady + "/" + orderID))
	return "evt_" + idEncoding.EncodeToString(sum[:16])
}

// NewOrderReady returns the OrderReady event of order orderID. It does not
// check orderID: callers pass an ID they already checked with orders.ValidID.
func NewOrderReady(orderID string) OrderReady {
	return OrderReady{EventID: EventID(orderID), OrderID: orderID}
}

// Detail returns the event's detail JSON: the same bytes for the same order
// every time (encoding/json writes struct fields in declaration order, and a
// valid order ID has nothing to escape).
func (e OrderReady) Detail() string {
	b, _ := json.Marshal(e) // cannot fail: two strings
	return string(b)
}

// DetailError says what is wrong with an event's detail (or, with Field
// "source" or "detail-type", with its envelope).
type DetailError struct {
	// Field is the JSON path of the bad value: "detail", "detail.orderId".
	Field string
	// Problem says what is wrong, e.g. `is missing`, `must be a string`.
	Problem string
}

// Error is `detail.orderId is missing`.
func (e *DetailError) Error() string { return e.Field + " " + e.Problem }

// ParseOrderReady decodes the detail of an OrderReady event. detail must be
// a JSON object whose "eventId" is a string of 1-MaxEventIDLen characters
// of [A-Za-z0-9._:-] and whose "orderId" is a string that is orders.ValidID;
// names are matched exactly (case-sensitive), other names are ignored. An
// error is a *DetailError naming the first bad field.
//
// The event ID is not checked against EventID(orderId): consumers take it
// as the producer's opaque deduplication key.
func ParseOrderReady(detail []byte) (OrderReady, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(detail, &fields); err != nil || fields == nil {
		return OrderReady{}, &DetailError{Field: "detail", Problem: "must be a JSON object"}
	}
	str := func(name string) (string, error) {
		raw, ok := fields[name]
		if !ok {
			return "", &DetailError{Field: "detail." + name, Problem: "is missing"}
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || string(raw) == "null" {
			return "", &DetailError{Field: "detail." + name, Problem: "must be a string"}
		}
		return s, nil
	}
	var e OrderReady
	var err error
	if e.EventID, err = str("eventId"); err != nil {
		return OrderReady{}, err
	}
	if !validEventID(e.EventID) {
		return OrderReady{}, &DetailError{Field: "detail.eventId",
			Problem: fmt.Sprintf("must be 1-%d characters of [A-Za-z0-9._:-], got %s", MaxEventIDLen, quoteClipped(e.EventID))}
	}
	if e.OrderID, err = str("orderId"); err != nil {
		return OrderReady{}, err
	}
	if !orders.ValidID(e.OrderID) {
		return OrderReady{}, &DetailError{Field: "detail.orderId",
			Problem: fmt.Sprintf("must be 1-%d characters of [A-Za-z0-9._:-], got %s", orders.MaxIDLen, quoteClipped(e.OrderID))}
	}
	return e, nil
}

func validEventID(id string) bool {
	if id == "" || len(id) > MaxEventIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// quoteClipped quotes s, cut to its first 64 bytes, so an error message
// about a huge value stays short.
func quoteClipped(s string) string {
	const limit = 64
	if len(s) <= limit {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:limit]) + "..."
}
