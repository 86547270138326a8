package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/metrics"
)

// MaxBodyBytes is the largest request body POST /orders accepts, in bytes
// after base64 decoding: 64 KiB, ample for MaxItems lines. Larger bodies get 413.
const MaxBodyBytes = 64 << 10

// MaxIdempotencyKeyLen is the longest Idempotency-Key accepted, in bytes; a
// key is 1-128 printable ASCII characters (0x20-0x7E).
const MaxIdempotencyKeyLen = 128

// internalMessage is the message of every 500 answer; the cause is logged.
const internalMessage = "internal error; try again later"

// Source is the Order.Source of orders placed through this API.
const Source = "api"

// Error codes of the API's JSON error body.
const (
	CodeInvalidJSON        = "invalid_json"            // 400: body is not one JSON object
	CodeUnknownField       = "unknown_field"           // 400: body has a field the API does not know (names are case-sensitive), or one twice
	CodeValidationFailed   = "validation_failed"       // 400: fields lists each bad field
	CodeInvalidKey         = "invalid_idempotency_key" // 400: Idempotency-Key header malformed
	CodeNotFound           = "not_found"               // 404: no such route or order
	CodeMethodNotAllowed   = "method_not_allowed"      // 405: see the Allow header
	CodePayloadTooLarge    = "payload_too_large"       // 413: body over MaxBodyBytes
	CodeUnsupportedMedia   = "unsupported_media_type"  // 415: Content-Type is not application/json
	CodeIdempotencyKeyUsed = "idempotency_key_reused"  // 422: key already used for a different request
	CodeInternal           = "internal"                // 500: details are in the log, not the response
)

// orderCreator stores a new order; the error wraps orders.ErrAlreadyExists
// when its ID is taken.
type orderCreator interface {
	Create(ctx context.Context, o orders.Order) error
}

// orderGetter reads an order; the error wraps orders.ErrNotFound when there is none.
type orderGetter interface {
	Get(ctx context.Context, id string) (orders.Order, error)
}

// Handler serves the orders HTTP API (API Gateway HTTP API, payload format 2.0):
//
//	POST /orders       201 + the order + Location; with an Idempotency-Key a
//	                   retry returns the first order (201, Idempotent-Replayed: true)
//	GET  /orders/{id}  200 + the order, or 404 (also for IDs not orders.ValidID)
//
// Every error answer is JSON: {"error":{"code":"...","message":"...","fields":[...]}}
// with a code from the Code* constants; fields only for validation_failed.
type Handler struct {
	// Creator stores new orders (orders.Store). Required.
	Creator orderCreator
	// Getter reads orders (orders.Store). Required.
	Getter orderGetter
	// Log receives one line per failed or created order, each with its
	// orderId. Required.
	Log *slog.Logger
	// Metrics receives ordermetrics.OrdersCreated (1 per order created; an
	// idempotent replay creates none). Default (nil): no metrics.
	Metrics *metrics.Emitter
	// Now stamps new orders. Default: time.Now.
	Now func() time.Time
	// NewID mints IDs of orders posted without an Idempotency-Key. Default: orders.NewID.
	NewID func() string
}

// Handle answers one API Gateway request. It never returns an error: a bug
// (even a panic) becomes a logged 500 with the JSON error body.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			h.Log.ErrorContext(ctx, "panic handling request", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			resp, err = errorResponse(http.StatusInternalServerError, CodeInternal, internalMessage, nil), nil
		}
	}()
	return h.handle(ctx, &req), nil
}

func (h *Handler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	rt, id := match(req)
	method := req.RequestContext.HTTP.Method
	switch {
	case rt == routeOrders && method == http.MethodPost:
		return h.create(ctx, req)
	case rt == routeOrder && method == http.MethodGet:
		return h.get(ctx, id)
	case rt == routeOrders:
		return methodNotAllowed(http.MethodPost)
	case rt == routeOrder:
		return methodNotAllowed(http.MethodGet)
	}
	return errorResponse(http.StatusNotFound, CodeNotFound, "no such route", nil)
}

type route int

const (
	routeNone   route = iota
	routeOrders       // /orders
	routeOrder        // /orders/{id}
)

// match finds the route and, for /orders/{id}, the (unescaped) ID. A specific
// route key ("POST /orders", "GET /orders/{id}", "ANY /orders/{id}") is
// trusted with its path parameter; under the $default route (or none) the
// raw path is parsed, without the stage name API Gateway puts in front of it
// for a named stage.
func match(req *events.APIGatewayV2HTTPRequest) (route, string) {
	rk := cmp.Or(req.RouteKey, req.RequestContext.RouteKey)
	if rk != "" && rk != "$default" {
		_, pattern, _ := strings.Cut(rk, " ")
		switch pattern {
		case "/orders":
			return routeOrders, ""
		case "/orders/{id}":
			return routeOrder, req.PathParameters["id"]
		}
		return routeNone, ""
	}
	path := cmp.Or(req.RawPath, req.RequestContext.HTTP.Path)
	if st := req.RequestContext.Stage; st != "" && st != "$default" {
		if rest, ok := strings.CutPrefix(path, "/"+st); ok && (rest == "" || rest[0] == '/') {
			path = rest
		}
	}
	if path == "/orders" {
		return routeOrders, ""
	}
	raw, ok := strings.CutPrefix(path, "/orders/")
	if !ok || raw == "" || strings.Contains(raw, "/") {
		return routeNone, ""
	}
	id, err := url.PathUnescape(raw)
	if err != nil {
		return routeNone, ""
	}
	return routeOrder, id
}

// get answers GET /orders/{id}. An ID that is not orders.ValidID cannot name
// an order, so it gets the same 404 as a missing order, without a read.
func (h *Handler) get(ctx context.Context, id string) events.APIGatewayV2HTTPResponse {
	if !orders.ValidID(id) {
		return errorResponse(http.StatusNotFound, CodeNotFound, "order not found", nil)
	}
	o, err := h.Getter.Get(ctx, id)
	switch {
	case errors.Is(err, orders.ErrNotFound):
		return errorResponse(http.StatusNotFound, CodeNotFound, "order not found", nil)
	case err != nil:
		return h.internalError(ctx, "get order", id, err)
	}
	return jsonResponse(http.StatusOK, o, nil)
}

// create answers POST /orders. Checks run in this order: Content-Type (415),
// size (413), Idempotency-Key (400), JSON (400), fields (400).
func (h *Handler) create(ctx context.Context, req *events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	if !isJSON(header(req.Headers, "content-type")) {
		return errorResponse(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Content-Type must be application/json", nil)
	}
	body, resp, ok := readBody(req)
	if !ok {
		return resp
	}
	key, hasKey := lookupHeader(req.Headers, "idempotency-key")
	if hasKey && !validKey(key) {
		return errorResponse(http.StatusBadRequest, CodeInvalidKey,
			fmt.Sprintf("Idempotency-Key must be 1-%d printable ASCII characters", MaxIdempotencyKeyLen), nil)
	}
	n, resp, ok := decodeNewOrder(body)
	if !ok {
		return resp
	}

	id := h.newID()
	if hasKey {
		id = IDFromIdempotencyKey(key)
	}
	o, err := n.Build(id, Source, h.now)
	var ve *orders.ValidationError
	switch {
	case errors.As(err, &ve):
		return errorResponse(http.StatusBadRequest, CodeValidationFailed, "the order is invalid", ve.Fields)
	case err != nil:
		return h.internalError(ctx, "build order", id, err)
	}
	o.RequestHash = n.Fingerprint()
	location := strings.TrimSuffix(cmp.Or(req.RawPath, "/orders"), "/") + "/" + url.PathEscape(id)

	err = h.Creator.Create(ctx, o)
	switch {
	case err == nil:
		h.Log.InfoContext(ctx, "order created", "orderId", id, "totalCents", o.TotalCents, "items", len(o.Items))
		h.Metrics.Emit(ctx, metrics.Count(ordermetrics.OrdersCreated, 1))
		return jsonResponse(http.StatusCreated, o, map[string]string{"Location": location})
	case !hasKey || !errors.Is(err, orders.ErrAlreadyExists):
		return h.internalError(ctx, "create order", id, err)
	}

	// The key was used before: replay the first answer if this is the same request.
	stored, err := h.Getter.Get(ctx, id)
	if err != nil {
		return h.internalError(ctx, "get order for idempotent replay", id, err)
	}
	if stored.RequestHash != o.RequestHash {
		h.Log.WarnContext(ctx, "idempotency key reused for a different request", "orderId", id)
		return errorResponse(http.StatusUnprocessableEntity, CodeIdempotencyKeyUsed,
			"this Idempotency-Key was already used with a different request body; use a new key for a new order", nil)
	}
	h.Log.InfoContext(ctx, "order replayed", "orderId", id)
	return jsonResponse(http.StatusCreated, stored, map[string]string{"Location": location, "Idempotent-Replayed": "true"})
}

// IDFromIdempotencyKey returns the ID of the order posted with
// Idempotency-Key key: orders.IDFromKey("api:" + key). The prefix keeps the
// IDs of the API's keys apart from those of imported orders
// (bulkimport.OrderID hashes "import:..."), so that no caller can choose a
// key that takes the ID a bulk import will give one of its orders.
func IDFromIdempotencyKey(key string) string {
	return orders.IDFromKey("api:" + key)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) newID() string {
	if h.NewID != nil {
		return h.NewID()
	}
	return orders.NewID()
}

// readBody returns the request body, base64-decoded if API Gateway encoded
// it, or the 413/400 answer when it is too large or not valid base64.
func readBody(req *events.APIGatewayV2HTTPRequest) ([]byte, events.APIGatewayV2HTTPResponse, bool) {
	tooLarge := errorResponse(http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
		fmt.Sprintf("request body must be at most %d bytes", MaxBodyBytes), nil)
	if !req.IsBase64Encoded {
		if len(req.Body) > MaxBodyBytes {
			return nil, tooLarge, false
		}
		return []byte(req.Body), events.APIGatewayV2HTTPResponse{}, true
	}
	// Valid base64 longer than this decodes to more than MaxBodyBytes.
	if len(req.Body) > base64.StdEncoding.EncodedLen(MaxBodyBytes) {
		return nil, tooLarge, false
	}
	body, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, errorResponse(http.StatusBadRequest, CodeInvalidJSON, "request body is not valid base64", nil), false
	}
	if len(body) > MaxBodyBytes {
		return nil, tooLarge, false
	}
	return body, events.APIGatewayV2HTTPResponse{}, true
}

// createBody is the wire form of orders.NewOrder. Leaves stay raw so a
// missing field, a wrong type and an out-of-range number are each reported
// against their own field, all at once.
type createBody struct {
	CustomerID json.RawMessage `json:"customerId"`
	Items      []createItem    `json:"items"`
}

type createItem struct {
	SKU            json.RawMessage `json:"sku"`
	Quantity       json.RawMessage `json:"quantity"`
	UnitPriceCents json.RawMessage `json:"unitPriceCents"`
}

// decodeNewOrder parses and validates a POST /orders body: one JSON object
// with no unknown fields (names match exactly, case included), no name
// twice in one object, and nothing after it. It returns the order request,
// or the 400 answer naming every bad field.
func decodeNewOrder(body []byte) (orders.NewOrder, events.APIGatewayV2HTTPResponse, bool) {
	invalid := func(code, msg string) (orders.NewOrder, events.APIGatewayV2HTTPResponse, bool) {
		return orders.NewOrder{}, errorResponse(http.StatusBadRequest, code, msg, nil), false
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] != '{' {
		return invalid(CodeInvalidJSON, "request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var b createBody
	err := dec.Decode(&b)
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if err == nil || errors.As(err, &typeErr) {
		// encoding/json matches names without regard to case and keeps the
		// last of a repeated name; the API's names are exact and said once.
		if ne := orders.CheckNewOrderNames(body); ne != nil {
			return invalid(CodeUnknownField, nameMessage(ne))
		}
	}
	switch {
	case err == io.EOF:
		return invalid(CodeInvalidJSON, "request body is empty")
	case errors.As(err, &syntaxErr):
		return invalid(CodeInvalidJSON, fmt.Sprintf("request body is not valid JSON (at byte %d)", syntaxErr.Offset))
	case errors.As(err, &typeErr) && typeErr.Field == "items":
		return orders.NewOrder{}, errorResponse(http.StatusBadRequest, CodeValidationFailed, "the order is invalid",
			[]orders.FieldError{{Field: "items", Message: "must be an array of objects"}}), false
	case errors.As(err, &typeErr):
		return invalid(CodeInvalidJSON, "request body must be a JSON object")
	case err != nil && strings.HasPrefix(err.Error(), "json: unknown field "):
		return invalid(CodeUnknownField, strings.TrimPrefix(err.Error(), "json: "))
	case err != nil:
		return invalid(CodeInvalidJSON, "request body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid(CodeInvalidJSON, "request body must hold one JSON object and nothing after it")
	}

	var n orders.NewOrder
	var errs []orders.FieldError
	bad := func(field, msg string) { errs = append(errs, orders.FieldError{Field: field, Message: msg}) }
	n.CustomerID = stringField(b.CustomerID, "customerId", bad)
	if b.Items != nil {
		n.Items = make([]orders.Item, len(b.Items))
	}
	if len(b.Items) <= orders.MaxItems { // beyond that only the count is reported
		for i, it := range b.Items {
			p := "items[" + strconv.Itoa(i) + "]."
			n.Items[i] = orders.Item{
				SKU:            stringField(it.SKU, p+"sku", bad),
				Quantity:       int(intField(it.Quantity, p+"quantity", bad)),
				UnitPriceCents: intField(it.UnitPriceCents, p+"unitPriceCents", bad),
			}
		}
	}
	if b.Items == nil {
		bad("items", "is required")
	}
	// Rule violations of fields already reported as missing or mistyped are noise.
	for _, fe := range n.Validate() {
		if !slices.ContainsFunc(errs, func(e orders.FieldError) bool { return e.Field == fe.Field }) {
			errs = append(errs, fe)
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b orders.FieldError) int { return cmp.Compare(fieldRank(a.Field), fieldRank(b.Field)) })
		return orders.NewOrder{}, errorResponse(http.StatusBadRequest, CodeValidationFailed, "the order is invalid", errs), false
	}
	return n, events.APIGatewayV2HTTPResponse{}, true
}

// nameMessage words a NameError as the message of an unknown_field answer:
// `unknown field "CustomerID" (names are case-sensitive: "customerId")`, or
// `field "customerId" appears more than once`.
func nameMessage(e *orders.NameError) string {
	if e.Repeated {
		return e.Error()
	}
	msg := "unknown field " + strconv.Quote(e.Field())
	if e.Want != "" {
		msg += " (names are case-sensitive: " + strconv.Quote(e.Want) + ")"
	}
	return msg
}

// stringField decodes a JSON string leaf, reporting a missing, null or
// non-string value through bad.
func stringField(raw json.RawMessage, field string, bad func(field, msg string)) string {
	if len(raw) == 0 || string(raw) == "null" {
		bad(field, "is required")
		return ""
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		bad(field, "must be a string")
	}
	return s
}

// intField decodes a JSON integer leaf, reporting a missing, null or
// non-integer value (1.5, 1e3, "5") through bad. A value beyond int64 comes
// back clamped, for the range rules to report.
func intField(raw json.RawMessage, field string, bad func(field, msg string)) int64 {
	if len(raw) == 0 || string(raw) == "null" {
		bad(field, "is required")
		return 0
	}
	v, err := strconv.ParseInt(string(raw), 10, strconv.IntSize)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		bad(field, "must be an integer")
	}
	return v
}

// fieldRank orders field paths as they appear in a request.
func fieldRank(field string) int {
	switch field {
	case "customerId":
		return 0
	case "items":
		return 1
	}
	idx, name, _ := strings.Cut(strings.TrimPrefix(field, "items["), "].")
	i, _ := strconv.Atoi(idx)
	return 2 + 3*i + slices.Index([]string{"sku", "quantity", "unitPriceCents"}, name)
}

// isJSON reports whether a Content-Type is application/json, with no charset
// or a UTF-8 one.
func isJSON(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8")
}

func validKey(k string) bool {
	if k == "" || len(k) > MaxIdempotencyKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// lookupHeader finds a header by case-insensitive name (API Gateway sends
// lower-case names; repeated headers arrive comma-joined).
func lookupHeader(hs map[string]string, name string) (string, bool) {
	if v, ok := hs[name]; ok {
		return v, true
	}
	for k, v := range hs {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func header(hs map[string]string, name string) string {
	v, _ := lookupHeader(hs, name)
	return v
}

// errorBody is the one JSON shape of every error answer.
type errorBody struct {
	Error struct {
		Code    string              `json:"code"`
		Message string              `json:"message"`
		Fields  []orders.FieldError `json:"fields,omitempty"`
	} `json:"error"`
}

func errorResponse(status int, code, msg string, fields []orders.FieldError) events.APIGatewayV2HTTPResponse {
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.Fields = code, msg, fields
	return jsonResponse(status, b, nil)
}

func methodNotAllowed(allow string) events.APIGatewayV2HTTPResponse {
	r := errorResponse(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "method not allowed; allowed: "+allow, nil)
	r.Headers["Allow"] = allow
	return r
}

// internalError logs the cause and answers 500 without it.
func (h *Handler) internalError(ctx context.Context, what, id string, err error) events.APIGatewayV2HTTPResponse {
	h.Log.ErrorContext(ctx, what+" failed", "orderId", id, "error", err.Error())
	return errorResponse(http.StatusInternalServerError, CodeInternal, internalMessage, nil)
}

// jsonResponse answers status with v as JSON and the given extra headers.
// Should v not marshal (an Order with a time beyond year 9999), it answers 500.
func jsonResponse(status int, v any, headers map[string]string) events.APIGatewayV2HTTPResponse {
	h := map[string]string{"Content-Type": "application/json"}
	b, err := json.Marshal(v)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusInternalServerError, Headers: h,
			Body: `{"error":{"code":"` + CodeInternal + `","message":"` + internalMessage + `"}}`}
	}
	for k, v := range headers {
		h[k] = v
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: h, Body: string(b)}
}
