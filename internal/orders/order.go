// Package orders holds the order flow's domain model: an order, its life cycle
// (PENDING -> PREPARING -> READY), validation of new orders, and the messages
// that carry an order from the producer (api, importer) to the consumer (kitchen).
//
// It imports no CDK or jsii code: Lambda binaries link only what they run.
package orders

import (
	"errors"
	"time"
)

// Status is an order's place in its life cycle.
type Status string

// The life cycle of an order. An order only ever moves forward:
// PENDING -> PREPARING -> READY.
const (
	StatusPending   Status = "PENDING"
	StatusPreparing Status = "PREPARING"
	StatusReady     Status = "READY"
)

// Attribute names of an order item in the Orders table. The table's partition
// key is AttrOrderID; the pending index (PendingIndexName) has partition key
// AttrPendingShard and sort key AttrCreatedAt (RFC 3339 UTC with fixed
// nanoseconds, so strings sort as times).
const (
	AttrOrderID   = "orderId"
	AttrStatus    = "status"
	AttrCreatedAt = "createdAt"
)

// Environment variables the stack sets on functions and the handlers read at
// cold start.
const (
	EnvTableName       = "ORDERS_TABLE_NAME"   // name of the Orders table
	EnvKitchenQueueURL = "KITCHEN_QUEUE_URL"   // URL of the kitchen SQS queue
	EnvUploadsBucket   = "UPLOADS_BUCKET_NAME" // name of the Uploads bucket
	EnvStaleAfter      = "STALE_AFTER"         // Go duration after which a PENDING order is stale, e.g. "15m"
	EnvMaxImportBytes  = "MAX_IMPORT_BYTES"    // largest bulk file the importer reads, in bytes
)

// TimeLayout formats AttrCreatedAt and AttrUpdatedAt: RFC 3339 in UTC with a
// fixed-width fraction, so lexical order is time order in DynamoDB.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// Sentinel errors. Adapters wrap them with context; callers test with errors.Is.
var (
	// ErrNotFound: no order with that ID.
	ErrNotFound = errors.New("order not found")
	// ErrAlreadyExists: an order with that ID is already stored.
	ErrAlreadyExists = errors.New("order already exists")
	// ErrWrongState: the order is not in the state a transition starts from.
	ErrWrongState = errors.New("order in wrong state")
)

// Item is one line of an order.
type Item struct {
	// SKU identifies the product: 1-64 characters of [A-Za-z0-9._-].
	SKU string `json:"sku" dynamodbav:"sku"`
	// Quantity ordered, 1-1000.
	Quantity int `json:"quantity" dynamodbav:"quantity"`
	// UnitPriceCents is the price of one unit in cents, 0-10,000,000.
	UnitPriceCents int64 `json:"unitPriceCents" dynamodbav:"unitPriceCents"`
}

// Order is one order as stored in the Orders table and returned by the API.
type Order struct {
	OrderID    string    `json:"orderId" dynamodbav:"orderId"`
	CustomerID string    `json:"customerId" dynamodbav:"customerId"`
	Items      []Item    `json:"items" dynamodbav:"items"`
	TotalCents int64     `json:"totalCents" dynamodbav:"totalCents"`
	Status     Status    `json:"status" dynamodbav:"status"`
	CreatedAt  time.Time `json:"createdAt" dynamodbav:"-"`
	UpdatedAt  time.Time `json:"updatedAt" dynamodbav:"-"`
	// Source says where the order came from: "api" or "import:<object key>".
	Source string `json:"source,omitempty" dynamodbav:"source,omitempty"`
	// RequestHash fingerprints the request that created the order (hex SHA-256
	// of its normalized JSON, see NewOrder.Fingerprint), so a retry under the
	// same Idempotency-Key can be told from a different request. Stored as
	// attribute requestHash; never part of the API's JSON.
	RequestHash string `json:"-" dynamodbav:"requestHash,omitempty"`
}

// KitchenMessage is the body of a message on the kitchen queue: JSON
// {"orderId":"..."}. Senders: publisher (new orders) and sweeper (stale ones).
type KitchenMessage struct {
	OrderID string `json:"orderId"`
}
