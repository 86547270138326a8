package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/orderflow/internal/bulkimport"
	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/logging"
	"github.com/example/orderflow/runtime/metrics/metricstest"
)

var testNow = time.Date(2026, 11, 30, 2, 42, 0, 500, time.UTC)

// fakeStore keeps orders as DynamoDB items, so reads go through the same
// marshalling as the real table.
type fakeStore struct {
	items     map[string]map[string]types.AttributeValue
	createErr error
	getErr    error
	panicMsg  string
	creates   int
	gets      int
}

func newFakeStore() *fakeStore {
	return &fakeStore{items: map[string]map[string]types.AttributeValue{}}
}

func (f *fakeStore) Create(_ context.Context, o orders.Order) error {
	f.creates++
	if f.panicMsg != "" {
		panic(f.panicMsg)
	}
	if f.createErr != nil {
		return f.createErr
	}
	if _, ok := f.items[o.OrderID]; ok {
		return fmt.Errorf("create order %s: %w", o.OrderID, orders.ErrAlreadyExists)
	}
	item, err := orders.MarshalItem(o)
	if err != nil {
		return err
	}
	f.items[o.OrderID] = item
	return nil
}

func (f *fakeStore) Get(_ context.Context, id string) (orders.Order, error) {
	f.gets++
	if f.getErr != nil {
		return orders.Order{}, f.getErr
	}
	item, ok := f.items[id]
	if !ok {
		return orders.Order{}, fmt.Errorf("get order %s: %w", id, orders.ErrNotFound)
	}
	return orders.UnmarshalItem(item)
}

func (f *fakeStore) order(t testing.TB, id string) orders.Order {
	t.Helper()
	o, err := orders.UnmarshalItem(f.items[id])
	if err != nil {
		t.Fatalf("stored order %s: %v", id, err)
	}
	return o
}

// newHandler returns a handler whose logs and metrics both go to out, as
// both go to stdout in Lambda.
func newHandler(st *fakeStore, out *bytes.Buffer) *Handler {
	n := 0
	return &Handler{
		Creator: st,
		Getter:  st,
		Log:     logging.New(out),
		Metrics: ordermetrics.New(out, "api", "test"),
		Now:     func() time.Time { return testNow },
		NewID:   func() string { n++; return fmt.Sprintf("ord_TEST%022d", n) },
	}
}

func lambdaCtx() context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-123"})
}

func loadEvent(t testing.TB, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return req
}

func setBody(body string) func(*events.APIGatewayV2HTTPRequest) {
	return func(r *events.APIGatewayV2HTTPRequest) { r.Body, r.IsBase64Encoded = body, false }
}

func setHeader(name, value string) func(*events.APIGatewayV2HTTPRequest) {
	return func(r *events.APIGatewayV2HTTPRequest) { r.Headers[name] = value }
}

// decodeError checks resp carries exactly the one JSON error shape.
func decodeError(t *testing.T, resp events.APIGatewayV2HTTPResponse) errorBody {
	t.Helper()
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("got Content-Type %q, want application/json", ct)
	}
	dec := json.NewDecoder(strings.NewReader(resp.Body))
	dec.DisallowUnknownFields()
	var b errorBody
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("got error body %s, want the JSON error shape: %v", resp.Body, err)
	}
	if b.Error.Code == "" || b.Error.Message == "" {
		t.Errorf("got error body %s, want code and message", resp.Body)
	}
	return b
}

const validBody = `{"customerId":"c1","items":[{"sku":"s1","quantity":1,"unitPriceCents":100}]}`

func TestHandle(t *testing.T) {
	manyItems := `{"customerId":"c1","items":[` + strings.Repeat(`{"sku":"s","quantity":1,"unitPriceCents":1},`, orders.MaxItems) + `{}]}`
	atMax := validBody + strings.Repeat(" ", MaxBodyBytes-len(validBody))
	tests := []struct {
		name        string
		fixture     string
		edit        func(*events.APIGatewayV2HTTPRequest)
		store       func(*fakeStore)
		wantStatus  int
		wantCode    string              // for errors
		wantMessage string              // for errors; "" means not checked
		wantFields  []orders.FieldError // for validation_failed
		wantHeaders map[string]string
		wantLog     string // a substring of the log
		wantNoStore bool   // no store call at all
	}{
		{name: "post, $default route", fixture: "post-order.json", wantStatus: 201,
			wantHeaders: map[string]string{"Location": "/orders/ord_TEST0000000000000000000001"}, wantLog: `"requestId":"req-123"`},
		{name: "post, route key, base64 body", fixture: "post-order-base64.json", wantStatus: 201},
		{name: "post, named stage in raw path", fixture: "post-order-stage.json", wantStatus: 201,
			wantHeaders: map[string]string{"Location": "/prod/orders/ord_TEST0000000000000000000001"}},
		{name: "post, ANY route key", fixture: "post-order.json", wantStatus: 201,
			edit: func(r *events.APIGatewayV2HTTPRequest) { r.RouteKey = "ANY /orders" }},
		{name: "content type with upper case and charset", fixture: "post-order.json", wantStatus: 201,
			edit: setHeader("content-type", "Application/JSON; charset=UTF-8")},
		{name: "content type header in other case", fixture: "post-order.json", wantStatus: 201,
			edit: func(r *events.APIGatewayV2HTTPRequest) {
				delete(r.Headers, "content-type")
				r.Headers["Content-Type"] = "application/json"
			}},
		{name: "content type missing", fixture: "post-order.json", wantStatus: 415, wantCode: CodeUnsupportedMedia, wantNoStore: true,
			edit: func(r *events.APIGatewayV2HTTPRequest) { delete(r.Headers, "content-type") }},
		{name: "content type text", fixture: "post-order.json", wantStatus: 415, wantCode: CodeUnsupportedMedia, wantNoStore: true,
			edit: setHeader("content-type", "text/plain")},
		{name: "content type other charset", fixture: "post-order.json", wantStatus: 415, wantCode: CodeUnsupportedMedia, wantNoStore: true,
			edit: setHeader("content-type", "application/json; charset=latin1")},
		{name: "body at max size", fixture: "post-order.json", wantStatus: 201, edit: setBody(atMax)},
		{name: "body over max size", fixture: "post-order.json", wantStatus: 413, wantCode: CodePayloadTooLarge, wantNoStore: true,
			edit: setBody(atMax + " ")},
		{name: "base64 body over max size", fixture: "post-order-base64.json", wantStatus: 413, wantCode: CodePayloadTooLarge, wantNoStore: true,
			edit: func(r *events.APIGatewayV2HTTPRequest) {
				r.Body = base64.StdEncoding.EncodeToString([]byte(atMax + " "))
			}},
		{name: "base64 body invalid", fixture: "post-order-base64.json", wantStatus: 400, wantCode: CodeInvalidJSON, wantNoStore: true,
			edit: func(r *events.APIGatewayV2HTTPRequest) { r.Body = "not base64!" }},
		{name: "empty body", fixture: "post-order.json", wantStatus: 400, wantCode: CodeInvalidJSON, edit: setBody("")},
		{name: "malformed JSON", fixture: "post-order.json", wantStatus: 400, wantCode: CodeInvalidJSON, edit: setBody(`{"customerId":`)},
		{name: "array body", fixture: "post-order.json", wantStatus: 400, wantCode: CodeInvalidJSON, edit: setBody(`[` + validBody + `]`)},
		{name: "null body", fixture: "post-order.json", wantStatus: 400, wantCode: CodeInvalidJSON, edit: setBody(`null`)},
		{name: "trailing data", fixture: "post-order.json", wantStatus: 400, wantCode: CodeInvalidJSON, edit: setBody(validBody + `{}`)},
		{name: "unknown top-level field", fixture: "post-order.json", wantStatus: 400, wantCode: CodeUnknownField, wantNoStore: true,
			edit: setBody(`{"customerId":"c1","coupon":"FREE","items":[{"sku":"s1","quantity":1,"unitPriceCents":100}]}`)},
		{name: "unknown item field", fixture: "post-order.json", wantStatus: 400, wantCode: CodeUnknownField,
			edit: setBody(`{"customerId":"c1","items":[{"sku":"s1","quantity":1,"unitPriceCents":100,"discount":5}]}`)},
		// encoding/json matches names without regard to case and keeps the
		// last of a repeated name: the API does neither.
		{name: "field name in other case", fixture: "post-order.json", wantStatus: 400, wantCode: CodeUnknownField, wantNoStore: true,
			edit:        setBody(`{"CustomerID":"c1","items":[{"sku":"s1","quantity":1,"unitPriceCents":100}]}`),
			wantMessage: `unknown field "CustomerID" (names are case-sensitive: "customerId")`},
		{name: "item field name in other case", fixture: "post-order.json", wantStatus: 400, wantCode: CodeUnknownField, wantNoStore: true,
			edit:        setBody(`{"customerId":"c1","items":[{"sku":"s1","quantity":1,"unitPriceCents":100},{"SKU":"s1","quantity":1,"unitPriceCents":100}]}`),
			wantMessage: `unknown field "items[1].SKU" (names are case-sensitive: "sku")`},
		{name: "field name in other case, items of the wrong type", fixture: "post-order.json", wantStatus: 400, wantCode: CodeUnknownField,
			edit: setBody(`{"customerId":"c1","ITEMS":{}}`), wantMessage: `unknown field "ITEMS" (names are case-sensitive: "items")`},
		{name: "field said twice", fixture: "post-order.json", wantStatus: 400, wantCode: CodeUnknownField, wantNoStore: true,
			edit:        setBody(`{"customerId":"evil","customerId":"c1","items":[{"sku":"s1","quantity":1,"unitPriceCents":100}]}`),
			wantMessage: `field "customerId" appears more than once`},
		{name: "item field said twice", fixture: "post-order.json", wantStatus: 400, wantCode: CodeUnknownField, wantNoStore: true,
			edit:        setBody(`{"customerId":"c1","items":[{"sku":"s1","quantity":1,"unitPriceCents":100,"quantity":1000}]}`),
			wantMessage: `field "items[0].quantity" appears more than once`},
		{name: "exact name written with an escape", fixture: "post-order.json", wantStatus: 201,
			edit: setBody(`{"customer\u0049d":"c1","items":[{"sku":"s1","quantity":1,"unitPriceCents":100}]}`)},
		{name: "missing and out-of-range fields, each named", fixture: "post-order-invalid.json", wantStatus: 400, wantCode: CodeValidationFailed,
			wantNoStore: true, wantFields: []orders.FieldError{
				{Field: "customerId", Message: "is required"},
				{Field: "items[0].sku", Message: "must contain only letters, digits, '.', '_' and '-'"},
				{Field: "items[0].quantity", Message: "must be between 1 and 1000"},
				{Field: "items[0].unitPriceCents", Message: "is required"},
				{Field: "items[1].sku", Message: "is required"},
				{Field: "items[1].unitPriceCents", Message: "must be between 0 and 10000000"},
			}},
		{name: "wrong types, each named", fixture: "post-order.json", wantStatus: 400, wantCode: CodeValidationFailed,
			edit: setBody(`{"customerId":5,"items":[{"sku":true,"quantity":1.5,"unitPriceCents":"100"},{"sku":"ok","quantity":1e3,"unitPriceCents":null}]}`),
			wantFields: []orders.FieldError{
				{Field: "customerId", Message: "must be a string"},
				{Field: "items[0].sku", Message: "must be a string"},
				{Field: "items[0].quantity", Message: "must be an integer"},
				{Field: "items[0].unitPriceCents", Message: "must be an integer"},
				{Field: "items[1].quantity", Message: "must be an integer"},
				{Field: "items[1].unitPriceCents", Message: "is required"},
			}},
		{name: "numbers beyond int64 are out of range", fixture: "post-order.json", wantStatus: 400, wantCode: CodeValidationFailed,
			edit: setBody(`{"customerId":"c","items":[{"sku":"s","quantity":99999999999999999999,"unitPriceCents":-99999999999999999999}]}`),
			wantFields: []orders.FieldError{
				{Field: "items[0].quantity", Message: "must be between 1 and 1000"},
				{Field: "items[0].unitPriceCents", Message: "must be between 0 and 10000000"},
			}},
		{name: "items missing", fixture: "post-order.json", wantStatus: 400, wantCode: CodeValidationFailed,
			edit: setBody(`{"customerId":"c"}`), wantFields: []orders.FieldError{{Field: "items", Message: "is required"}}},
		{name: "items empty", fixture: "post-order.json", wantStatus: 400, wantCode: CodeValidationFailed,
			edit: setBody(`{"customerId":"c","items":[]}`), wantFields: []orders.FieldError{{Field: "items", Message: "must contain at least 1 item"}}},
		{name: "items not an array", fixture: "post-order.json", wantStatus: 400, wantCode: CodeValidationFailed,
			edit: setBody(`{"customerId":"c","items":{"sku":"s"}}`), wantFields: []orders.FieldError{{Field: "items", Message: "must be an array of objects"}}},
		{name: "too many items: count only", fixture: "post-order.json", wantStatus: 400, wantCode: CodeValidationFailed,
			edit: setBody(manyItems), wantFields: []orders.FieldError{{Field: "items", Message: "must contain at most 100 items"}}},
		{name: "get, route key", fixture: "get-order.json", wantStatus: 200, store: seedOrder},
		{name: "get, $default route", fixture: "get-order-default-route.json", wantStatus: 200, store: seedOrder},
		{name: "get, escaped id", fixture: "get-order-default-route.json", wantStatus: 200, store: seedOrder,
			edit: func(r *events.APIGatewayV2HTTPRequest) { r.RawPath = "/orders/ord%5FKJZG2YLUMVZXIX3PNRSGK4RAMI" }},
		{name: "get missing order", fixture: "get-order.json", wantStatus: 404, wantCode: CodeNotFound},
		{name: "get malformed id: 404 without a read", fixture: "get-order-default-route.json", wantStatus: 404, wantCode: CodeNotFound,
			wantNoStore: true, edit: func(r *events.APIGatewayV2HTTPRequest) { r.RawPath = "/orders/ord%20x" }},
		{name: "get overlong id via route key", fixture: "get-order.json", wantStatus: 404, wantCode: CodeNotFound, wantNoStore: true,
			edit: func(r *events.APIGatewayV2HTTPRequest) {
				r.PathParameters["id"] = strings.Repeat("a", orders.MaxIDLen+1)
			}},
		{name: "unknown path", fixture: "get-order-default-route.json", wantStatus: 404, wantCode: CodeNotFound, wantNoStore: true,
			edit: func(r *events.APIGatewayV2HTTPRequest) { r.RawPath = "/customers" }},
		{name: "path below an order", fixture: "get-order-default-route.json", wantStatus: 404, wantCode: CodeNotFound, wantNoStore: true,
			edit: func(r *events.APIGatewayV2HTTPRequest) { r.RawPath += "/items" }},
		{name: "trailing slash", fixture: "get-order-default-route.json", wantStatus: 404, wantCode: CodeNotFound, wantNoStore: true,
			edit: func(r *events.APIGatewayV2HTTPRequest) { r.RawPath = "/orders/" }},
		{name: "unknown route key", fixture: "get-order.json", wantStatus: 404, wantCode: CodeNotFound, wantNoStore: true,
			edit: func(r *events.APIGatewayV2HTTPRequest) { r.RouteKey = "GET /health" }},
		{name: "wrong method on /orders", fixture: "post-order.json", wantStatus: 405, wantCode: CodeMethodNotAllowed, wantNoStore: true,
			wantHeaders: map[string]string{"Allow": "POST"},
			edit:        func(r *events.APIGatewayV2HTTPRequest) { r.RequestContext.HTTP.Method = "DELETE" }},
		{name: "wrong method on an order", fixture: "get-order-default-route.json", wantStatus: 405, wantCode: CodeMethodNotAllowed,
			wantNoStore: true, wantHeaders: map[string]string{"Allow": "GET"},
			edit: func(r *events.APIGatewayV2HTTPRequest) { r.RequestContext.HTTP.Method = "PUT" }},
		{name: "store fails on create: generic 500, cause logged", fixture: "post-order.json", wantStatus: 500, wantCode: CodeInternal,
			store:   func(s *fakeStore) { s.createErr = errors.New("ProvisionedThroughputExceeded") },
			wantLog: `"error":"ProvisionedThroughputExceeded","requestId":"req-123"`},
		{name: "store fails on get", fixture: "get-order.json", wantStatus: 500, wantCode: CodeInternal,
			store: func(s *fakeStore) { s.getErr = errors.New("AccessDenied") }, wantLog: `"orderId":"ord_KJZG2YLUMVZXIX3PNRSGK4RAMI"`},
		{name: "random ID collides: 500, not a replay", fixture: "post-order.json", wantStatus: 500, wantCode: CodeInternal,
			store: func(s *fakeStore) { s.createErr = orders.ErrAlreadyExists }},
		{name: "panic becomes a JSON 500", fixture: "post-order.json", wantStatus: 500, wantCode: CodeInternal,
			store: func(s *fakeStore) { s.panicMsg = "boom" }, wantLog: `"panic":"boom"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newFakeStore()
			if tt.store != nil {
				tt.store(st)
			}
			var log bytes.Buffer
			h := newHandler(st, &log)
			req := loadEvent(t, tt.fixture)
			if tt.edit != nil {
				tt.edit(&req)
			}
			resp, err := h.Handle(lambdaCtx(), req)
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d (%s), want %d", resp.StatusCode, resp.Body, tt.wantStatus)
			}
			for k, want := range tt.wantHeaders {
				if got := resp.Headers[k]; got != want {
					t.Errorf("got header %s %q, want %q", k, got, want)
				}
			}
			if !strings.Contains(log.String(), tt.wantLog) {
				t.Errorf("got log %s, want it to contain %s", log.String(), tt.wantLog)
			}
			checkLogLines(t, log.Bytes())
			wantCreated := int64(0)
			if resp.StatusCode == 201 {
				wantCreated = 1
			}
			if got := metricstest.Totals(t, log.Bytes())[ordermetrics.OrdersCreated]; got != float64(wantCreated) {
				t.Errorf("OrdersCreated: got %v, want %d", got, wantCreated)
			}
			if tt.wantNoStore && st.creates+st.gets > 0 {
				t.Errorf("got %d creates and %d gets, want no store call", st.creates, st.gets)
			}
			switch {
			case tt.wantCode != "":
				b := decodeError(t, resp)
				if b.Error.Code != tt.wantCode {
					t.Errorf("got code %q (%s), want %q", b.Error.Code, b.Error.Message, tt.wantCode)
				}
				if tt.wantMessage != "" && b.Error.Message != tt.wantMessage {
					t.Errorf("got message %q, want %q", b.Error.Message, tt.wantMessage)
				}
				if !reflect.DeepEqual(b.Error.Fields, tt.wantFields) {
					t.Errorf("got fields %+v, want %+v", b.Error.Fields, tt.wantFields)
				}
				if tt.wantStatus == 500 && b.Error.Message != "internal error; try again later" {
					t.Errorf("got 500 message %q, want the generic one", b.Error.Message)
				}
				if tt.wantStatus != 500 && st.creates > 0 {
					t.Errorf("got %d creates for a rejected request, want 0", st.creates)
				}
			case resp.StatusCode == 201:
				checkCreated(t, st, resp)
			case resp.StatusCode == 200:
				var got orders.Order
				if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
					t.Fatal(err)
				}
				if want := seededOrder(); !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v, want %+v", got, want)
				}
			}
		})
	}
}

// checkCreated checks a 201 answer against the order the store holds.
func checkCreated(t *testing.T, st *fakeStore, resp events.APIGatewayV2HTTPResponse) orders.Order {
	t.Helper()
	var got orders.Order
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatalf("got body %s: %v", resp.Body, err)
	}
	stored := st.order(t, got.OrderID)
	if stored.RequestHash == "" {
		t.Errorf("got stored order without requestHash, want the request fingerprint")
	}
	if strings.Contains(resp.Body, stored.RequestHash) {
		t.Errorf("got body %s, want requestHash kept out of the API", resp.Body)
	}
	stored.RequestHash = ""
	if !reflect.DeepEqual(got, stored) {
		t.Errorf("got body order %+v, want stored %+v", got, stored)
	}
	if got.Status != orders.StatusPending || !got.CreatedAt.Equal(testNow) || got.Source != Source {
		t.Errorf("got status %s, createdAt %v, source %q; want PENDING, %v, api", got.Status, got.CreatedAt, got.Source, testNow)
	}
	if loc := resp.Headers["Location"]; !strings.HasSuffix(loc, "/orders/"+got.OrderID) {
		t.Errorf("got Location %q, want .../orders/%s", loc, got.OrderID)
	}
	return got
}

func seededOrder() orders.Order {
	return orders.Order{OrderID: "ord_KJZG2YLUMVZXIX3PNRSGK4RAMI", CustomerID: "cust-7",
		Items: []orders.Item{{SKU: "tea", Quantity: 3, UnitPriceCents: 250}}, TotalCents: 750,
		Status: orders.StatusReady, CreatedAt: testNow, UpdatedAt: testNow.Add(time.Minute), Source: "api"}
}

func seedOrder(s *fakeStore) {
	item, _ := orders.MarshalItem(seededOrder())
	s.items[seededOrder().OrderID] = item
}

func TestHandleFixtureTotals(t *testing.T) {
	for _, name := range []string{"post-order.json", "post-order-base64.json", "post-order-stage.json"} {
		t.Run(name, func(t *testing.T) {
			st := newFakeStore()
			resp, _ := newHandler(st, &bytes.Buffer{}).Handle(lambdaCtx(), loadEvent(t, name))
			if resp.StatusCode != 201 {
				t.Fatalf("got status %d (%s), want 201", resp.StatusCode, resp.Body)
			}
			o := checkCreated(t, st, resp)
			if o.CustomerID != "cust-1001" || len(o.Items) != 2 || o.TotalCents != 2*1150+300 {
				t.Errorf("got %s with %d items totalling %d, want cust-1001, 2, 2600", o.CustomerID, len(o.Items), o.TotalCents)
			}
		})
	}
}

// TestIdempotencyKeyCannotTakeImportIDs: imported orders' IDs are
// orders.IDFromKey of a printable string (bulkimport.OrderID), which a caller
// could send as an Idempotency-Key; the API's IDs live apart ("api:").
func TestIdempotencyKeyCannotTakeImportIDs(t *testing.T) {
	// The string bulkimport.OrderID hashes for line 2 of s3://uploads/incoming/a.csv, version v1.
	preimage := "import:7:uploads:14:incoming/a.csv:2:v1:6:line:2"
	importID := bulkimport.OrderID("uploads", "incoming/a.csv", "v1", "line:2")
	if orders.IDFromKey(preimage) != importID {
		t.Fatalf("test setup: %q is not the preimage of %s", preimage, importID)
	}
	imported := seededOrder()
	imported.OrderID, imported.Source = importID, "import:incoming/a.csv"
	tests := []struct {
		name   string
		stored []orders.Order // orders in the table before the request
	}{
		{name: "before the import: the import's ID stays free"},
		{name: "after the import: a new order, not the imported one", stored: []orders.Order{imported}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newFakeStore()
			for _, o := range tt.stored {
				item, _ := orders.MarshalItem(o)
				st.items[o.OrderID] = item
			}
			req := loadEvent(t, "post-order-idempotent.json")
			setHeader("idempotency-key", preimage)(&req)
			resp, _ := newHandler(st, &bytes.Buffer{}).Handle(lambdaCtx(), req)
			if resp.StatusCode != 201 || resp.Headers["Idempotent-Replayed"] != "" {
				t.Fatalf("got status %d replayed %q (%s), want 201 not replayed", resp.StatusCode, resp.Headers["Idempotent-Replayed"], resp.Body)
			}
			o := checkCreated(t, st, resp)
			if o.OrderID == importID {
				t.Errorf("got order ID %s, want one other than the import's", o.OrderID)
			}
			if want := orders.IDFromKey("api:" + preimage); o.OrderID != want {
				t.Errorf("got order ID %s, want %s", o.OrderID, want)
			}
			if got := len(st.items); got != len(tt.stored)+1 {
				t.Errorf("got %d stored orders, want %d", got, len(tt.stored)+1)
			}
		})
	}
}

func TestHandleIdempotency(t *testing.T) {
	const key = "6f1c1c3e-8d0e-4b5a-9a55-3f6f0a9b2c11"
	reformatted := `{ "items": [ {"unitPriceCents":1150, "quantity":2, "sku":"PIZZA-MARGHERITA"},
		{"sku":"cola.0_5l","quantity":1,"unitPriceCents":300} ], "customerId": "cust-1001" }`
	otherBody := strings.Replace(reformatted, `"quantity":1,`, `"quantity":3,`, 1)
	type step struct {
		edit        func(*events.APIGatewayV2HTTPRequest)
		wantStatus  int
		wantCode    string
		wantReplay  bool
		wantOrderID string
	}
	tests := []struct {
		name      string
		steps     []step
		wantCount int // orders stored at the end
	}{
		{name: "retry replays the first order", wantCount: 1, steps: []step{
			{wantStatus: 201, wantOrderID: orders.IDFromKey("api:" + key)},
			{wantStatus: 201, wantReplay: true, wantOrderID: orders.IDFromKey("api:" + key)},
		}},
		{name: "retry with reformatted JSON replays", wantCount: 1, steps: []step{
			{wantStatus: 201},
			{edit: setBody(reformatted), wantStatus: 201, wantReplay: true, wantOrderID: orders.IDFromKey("api:" + key)},
		}},
		{name: "same key, different request: 422", wantCount: 1, steps: []step{
			{wantStatus: 201},
			{edit: setBody(otherBody), wantStatus: 422, wantCode: CodeIdempotencyKeyUsed},
		}},
		{name: "different keys: two orders", wantCount: 2, steps: []step{
			{wantStatus: 201},
			{edit: setHeader("idempotency-key", "other"), wantStatus: 201, wantOrderID: orders.IDFromKey("api:other")},
		}},
		{name: "no key: two orders", wantCount: 2, steps: []step{
			{edit: func(r *events.APIGatewayV2HTTPRequest) { delete(r.Headers, "idempotency-key") }, wantStatus: 201},
			{edit: func(r *events.APIGatewayV2HTTPRequest) { delete(r.Headers, "idempotency-key") }, wantStatus: 201},
		}},
		{name: "key at max length", wantCount: 1, steps: []step{
			{edit: setHeader("idempotency-key", strings.Repeat("k", MaxIdempotencyKeyLen)), wantStatus: 201},
		}},
		{name: "invalid keys: 400", steps: []step{
			{edit: setHeader("idempotency-key", ""), wantStatus: 400, wantCode: CodeInvalidKey},
			{edit: setHeader("idempotency-key", strings.Repeat("k", MaxIdempotencyKeyLen+1)), wantStatus: 400, wantCode: CodeInvalidKey},
			{edit: setHeader("idempotency-key", "a\x01b"), wantStatus: 400, wantCode: CodeInvalidKey},
			{edit: setHeader("idempotency-key", "clé"), wantStatus: 400, wantCode: CodeInvalidKey},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newFakeStore()
			var out bytes.Buffer
			h := newHandler(st, &out)
			var first string
			for i, s := range tt.steps {
				req := loadEvent(t, "post-order-idempotent.json")
				if s.edit != nil {
					s.edit(&req)
				}
				resp, _ := h.Handle(lambdaCtx(), req)
				if resp.StatusCode != s.wantStatus {
					t.Fatalf("step %d: got status %d (%s), want %d", i, resp.StatusCode, resp.Body, s.wantStatus)
				}
				if got := resp.Headers["Idempotent-Replayed"] == "true"; got != s.wantReplay {
					t.Errorf("step %d: got replayed %v, want %v", i, got, s.wantReplay)
				}
				if s.wantCode != "" {
					if b := decodeError(t, resp); b.Error.Code != s.wantCode {
						t.Errorf("step %d: got code %q, want %q", i, b.Error.Code, s.wantCode)
					}
					continue
				}
				o := checkCreated(t, st, resp)
				if s.wantOrderID != "" && o.OrderID != s.wantOrderID {
					t.Errorf("step %d: got order ID %s, want %s", i, o.OrderID, s.wantOrderID)
				}
				if s.wantReplay && resp.Body != first {
					t.Errorf("step %d: got replay %s, want the first answer %s", i, resp.Body, first)
				}
				if i == 0 {
					first = resp.Body
				}
			}
			if got := len(st.items); got != tt.wantCount {
				t.Errorf("got %d stored orders, want %d", got, tt.wantCount)
			}
			// A replay is not a new order.
			if got := metricstest.Totals(t, out.Bytes())[ordermetrics.OrdersCreated]; got != float64(tt.wantCount) {
				t.Errorf("OrdersCreated: got %v, want %d (one per stored order)", got, tt.wantCount)
			}
			checkLogLines(t, out.Bytes())
		})
	}
}

// checkLogLines checks every log line of out (EMF lines aside): JSON with
// the requestId, and an orderId on each line about an order, which is every
// line but the one about a panic (whose order is unknown).
func checkLogLines(t *testing.T, out []byte) {
	t.Helper()
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Errorf("log line %s is not JSON: %v", line, err)
			continue
		}
		if rec["_aws"] != nil {
			continue
		}
		if rec["requestId"] != "req-123" {
			t.Errorf("log line %s: requestId %v, want req-123", line, rec["requestId"])
		}
		if id, _ := rec["orderId"].(string); id == "" && rec["msg"] != "panic handling request" {
			t.Errorf("log line %s has no orderId", line)
		}
	}
}

func TestHandleReplayReadFails(t *testing.T) {
	st := newFakeStore()
	var log bytes.Buffer
	h := newHandler(st, &log)
	req := loadEvent(t, "post-order-idempotent.json")
	if resp, _ := h.Handle(lambdaCtx(), req); resp.StatusCode != 201 {
		t.Fatalf("got status %d, want 201", resp.StatusCode)
	}
	st.getErr = errors.New("timeout")
	resp, _ := h.Handle(lambdaCtx(), req)
	if resp.StatusCode != 500 || decodeError(t, resp).Error.Code != CodeInternal {
		t.Errorf("got status %d %s, want 500 internal", resp.StatusCode, resp.Body)
	}
	if !strings.Contains(log.String(), `"error":"timeout"`) {
		t.Errorf("got log %s, want the cause", log.String())
	}
}

// FuzzHandle drives POST /orders bodies through decoding and validation (the
// store is a fake that never fails). Seeds: the bodies of the POST fixtures.
func FuzzHandle(f *testing.F) {
	for _, name := range []string{"post-order.json", "post-order-base64.json", "post-order-invalid.json", "post-order-idempotent.json"} {
		req := loadEvent(f, name)
		body := req.Body
		if req.IsBase64Encoded {
			b, _ := base64.StdEncoding.DecodeString(body)
			body = string(b)
		}
		f.Add(body, req.IsBase64Encoded)
	}
	f.Add(validBody, false)
	f.Add(`{"customerId":"c","items":[{"sku":"s","quantity":1e400,"unitPriceCents":-0}]}`, false)
	f.Add(`{"items":[null,{},[],"x"]}`, true)
	f.Add(`{"CustomerID":"c","items":[{"SKU":"s","quantity":1,"unitPriceCents":1,"sku":"t"}]}`, false)
	f.Add(`{"customerId":"a","customerId":"c","items":[{"sku":"s","quantity":1,"unitPriceCents":1}]}`, false)
	base := loadEvent(f, "post-order.json")
	f.Fuzz(func(t *testing.T, body string, b64 bool) {
		st := newFakeStore()
		h := newHandler(st, &bytes.Buffer{})
		h.Log = slog.New(slog.DiscardHandler)
		req := base
		req.Headers = map[string]string{"content-type": "application/json"}
		req.Body, req.IsBase64Encoded = body, b64
		if b64 {
			req.Body = base64.StdEncoding.EncodeToString([]byte(body))
		}
		resp := h.handle(context.Background(), &req) // no recover: a panic fails the fuzz run
		switch resp.StatusCode {
		case http.StatusCreated:
			o := checkCreated(t, st, resp)
			n := orders.NewOrder{CustomerID: o.CustomerID, Items: o.Items}
			if errs := n.Validate(); errs != nil {
				t.Fatalf("got 201 for %q with invalid order: %v", body, errs)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			b := decodeError(t, resp)
			if (b.Error.Code == CodeValidationFailed) != (len(b.Error.Fields) > 0) {
				t.Fatalf("got code %s with %d fields, want fields exactly for validation_failed", b.Error.Code, len(b.Error.Fields))
			}
			if len(st.items) != 0 {
				t.Fatalf("got a stored order for rejected body %q", body)
			}
		default:
			t.Fatalf("got status %d (%s) for body %q, want 201, 400 or 413", resp.StatusCode, resp.Body, body)
		}
	})
}

// discardStore accepts every order and keeps none, so benchmarks measure the handler.
type discardStore struct{}

func (discardStore) Create(context.Context, orders.Order) error { return nil }
func (discardStore) Get(context.Context, string) (orders.Order, error) {
	return orders.Order{}, orders.ErrNotFound
}

// BenchmarkHandle: decode the POST fixture's event JSON and handle it (the
// full per-invocation cost past the runtime). Compare with BenchmarkDecodeOnly.
func BenchmarkHandle(b *testing.B) {
	raw, err := os.ReadFile("testdata/post-order.json")
	if err != nil {
		b.Fatal(err)
	}
	h := &Handler{Creator: discardStore{}, Getter: discardStore{}, Log: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			b.Fatal(err)
		}
		if resp, _ := h.Handle(ctx, req); resp.StatusCode != 201 {
			b.Fatalf("got status %d, want 201", resp.StatusCode)
		}
	}
}

// BenchmarkDecodeOnly is the floor: decoding the same event JSON, no handling.
func BenchmarkDecodeOnly(b *testing.B) {
	raw, err := os.ReadFile("testdata/post-order.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			b.Fatal(err)
		}
	}
}
