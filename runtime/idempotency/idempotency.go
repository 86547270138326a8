// Package idempotency makes a Lambda handler, or the handling of one record
// of a batch, run once per key however often the same event arrives: a
// replayed EventBridge archive, a redelivered SQS message, a retried
// asynchronous invocation. It has the semantics of the idempotency utility
// of Powertools for AWS Lambda (Python, TypeScript), with its table layout,
// so a table can be shared with those runtimes' functions; where Go idiom
// differs (a key function instead of a JMESPath expression, generics for the
// result), Go wins. Its table is created, and exactly the actions in
// Actions granted, by the idempotencytable construct of
// github.com/example/orderflow/constructs.
//
// For a key seen first, Do writes an INPROGRESS record (one conditional
// PutItem), runs the function, then stores its result as COMPLETED (one
// PutItem). A repeat with the same key gets the stored result without
// running the function (one PutItem whose condition fails and returns the
// record). In detail:
//
//   - the record's id is the key's SHA-256 under a prefix (by default the
//     function's name), so any key fits DynamoDB's 2,048-byte key limit;
//   - the payload (the event, or the part of it that must match) is hashed
//     too: the same key with another payload is refused
//     (*PayloadMismatchError), never answered with the other's result;
//   - an INPROGRESS record expires with the invocation that wrote it (its
//     context's deadline, the Lambda function's remaining time): a crashed
//     or timed-out attempt does not block the key, the next one takes it
//     over. Before that a concurrent attempt gets *InProgressError (and
//     fails, so its event source retries it later);
//   - when the function fails, the record is deleted so that a retry runs
//     it again;
//   - every record carries a TTL attribute (AttrExpiration, epoch seconds;
//     DefaultTTL, 1 hour): DynamoDB's TTL deletes it after that, and a
//     record past it counts as absent even before TTL got to it.
//
// Errors of DynamoDB itself are *PersistenceError.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names of a record: Powertools' defaults, so one table serves
// functions in any of its runtimes.
const (
	// AttrID is the partition key (string): "<prefix>#<hex SHA-256 of the key>".
	AttrID = "id"
	// AttrExpiration (number, epoch seconds) is the record's TTL attribute:
	// the table's TimeToLiveSpecification names it.
	AttrExpiration = "expiration"
	// AttrInProgressExpiration (number, epoch milliseconds) is when an
	// INPROGRESS record stops blocking its key.
	AttrInProgressExpiration = "in_progress_expiration"
	// AttrStatus (string) is StatusInProgress or StatusCompleted.
	AttrStatus = "status"
	// AttrData (string) is the JSON of a COMPLETED record's result.
	AttrData = "data"
	// AttrValidation (string) is the hex SHA-256 of the payload's JSON.
	AttrValidation = "validation"
)

// Record statuses, Powertools' values.
const (
	StatusInProgress = "INPROGRESS"
	StatusCompleted  = "COMPLETED"
)

// Actions are the DynamoDB actions the package calls on its table, all of
// them, on the table only (no index, no stream): PutItem (the conditional
// first write and the COMPLETED write), GetItem (reading the record when a
// conditional write's failure did not return it, as DynamoDB does since
// ReturnValuesOnConditionCheckFailure, 2023, but emulators may not) and
// DeleteItem (after a failed run). The idempotencytable construct grants
// exactly these; a test holds this list to the calls in the code.
var Actions = []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"}

// DefaultTTL is how long a record keeps its key, by default: 1 hour, as
// Powertools' expires_after_seconds.
const DefaultTTL = time.Hour

// DefaultInProgressTimeout is how long an INPROGRESS record blocks its key
// when the context has no deadline (outside Lambda): 15 minutes, Lambda's
// longest function timeout.
const DefaultInProgressTimeout = 15 * time.Minute

// maxAttempts bounds the conditional writes of one Do when the record
// changes between the write and its read (expired, deleted).
const maxAttempts = 3

// PutItemAPI is the DynamoDB PutItem operation (dynamodb.Client).
type PutItemAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// GetItemAPI is the DynamoDB GetItem operation (dynamodb.Client).
type GetItemAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// DeleteItemAPI is the DynamoDB DeleteItem operation (dynamodb.Client).
type DeleteItemAPI interface {
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// Client is the three operations a Guard calls; *dynamodb.Client is one.
type Client interface {
	PutItemAPI
	GetItemAPI
	DeleteItemAPI
}

// Guard is one idempotency table as a function uses it. Its fields are
// read only: one Guard serves concurrent calls.
type Guard struct {
	// Client calls DynamoDB. Required.
	Client Client
	// Table is the table's name (or ARN). Required.
	Table string
	// Prefix goes before every key's hash in AttrID, so functions can share
	// a table. Default: the function's name (AWS_LAMBDA_FUNCTION_NAME), or
	// "local" outside Lambda.
	Prefix string
	// TTL is how long a record keeps its key: a repeat after it runs the
	// function again. Default (0): DefaultTTL.
	TTL time.Duration
	// InProgressTimeout is how long an INPROGRESS record blocks its key
	// when the context has no deadline. Default (0):
	// DefaultInProgressTimeout.
	InProgressTimeout time.Duration
	// Now reads the clock. Default: time.Now.
	Now func() time.Time
}

// ErrInProgress matches (errors.Is) every *InProgressError.
var ErrInProgress = errors.New("idempotency: already in progress")

// ErrPayloadMismatch matches (errors.Is) every *PayloadMismatchError.
var ErrPayloadMismatch = errors.New("idempotency: key reused with another payload")

// ErrNoKey is the error of Do given an empty key, and of a Handler whose
// key function gave one: the event cannot be deduplicated, so it is not
// handled.
var ErrNoKey = errors.New("idempotency: the event has no idempotency key")

// InProgressError says another invocation holds the key: it has not
// finished, and its INPROGRESS record has not expired. Retry later.
type InProgressError struct {
	// Key is the caller's key.
	Key string
	// Until is when the INPROGRESS record stops blocking the key.
	Until time.Time
}

// Error names the key and until when it is held.
func (e *InProgressError) Error() string {
	return fmt.Sprintf("idempotency: key %q is in progress in another invocation until %s", e.Key, e.Until.UTC().Format(time.RFC3339Nano))
}

// Is matches ErrInProgress.
func (e *InProgressError) Is(target error) bool { return target == ErrInProgress }

// PayloadMismatchError says the key was seen with a different payload: the
// stored result belongs to another request, so it is not returned, and the
// function is not run.
type PayloadMismatchError struct {
	// Key is the caller's key.
	Key string
}

// Error names the key.
func (e *PayloadMismatchError) Error() string {
	return fmt.Sprintf("idempotency: key %q was used before with a different payload", e.Key)
}

// Is matches ErrPayloadMismatch.
func (e *PayloadMismatchError) Is(target error) bool { return target == ErrPayloadMismatch }

// PersistenceError is a failure of the table: a DynamoDB call, or a record
// that does not decode.
type PersistenceError struct {
	// Op is the DynamoDB operation ("PutItem", "GetItem", "DeleteItem") or
	// "decode".
	Op string
	// Key is the caller's key.
	Key string
	// Err is the cause.
	Err error
}

// Error names the operation, the key and the cause.
func (e *PersistenceError) Error() string {
	return fmt.Sprintf("idempotency: %s of key %q: %v", e.Op, e.Key, e.Err)
}

// Unwrap returns Err.
func (e *PersistenceError) Unwrap() error { return e.Err }

// ID returns the AttrID value of key: the prefix, "#", and the hex SHA-256
// of key. For finding a key's record in the table.
func (g *Guard) ID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return g.prefix() + "#" + hex.EncodeToString(sum[:])
}

func (g *Guard) prefix() string {
	if g.Prefix != "" {
		return g.Prefix
	}
	if fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); fn != "" {
		return fn
	}
	return "local"
}

func (g *Guard) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

func (g *Guard) ttl() time.Duration {
	if g.TTL > 0 {
		return g.TTL
	}
	return DefaultTTL
}

// Do runs fn once per key: the first call with key runs it and stores its
// result (as JSON: R must survive a json round trip); a later call with the
// same key and payload, within the TTL, returns the stored result without
// running fn. payload is hashed as its JSON (nil: any payload matches); a
// later call with the same key and another payload gets a
// *PayloadMismatchError. A call while another holds the key gets an
// *InProgressError. When fn fails, its error is returned and the record
// deleted, so the next call runs fn again (a failed delete is joined to
// the error as a *PersistenceError). When fn panics, the record is deleted
// the same way (a failed delete is then lost) and the panic goes on, with
// its stack, to whoever recovers it (batch.Processor reports the record
// failed). An empty key gets ErrNoKey without fn running: an empty key
// would make every call one operation. When fn succeeds but its result
// cannot be stored, Do returns the result and a *PersistenceError: the
// INPROGRESS record then blocks the key until it expires, and the next
// call after that runs fn again.
func Do[R any](ctx context.Context, g *Guard, key string, payload any, fn func(ctx context.Context) (R, error)) (R, error) {
	var zero R
	if key == "" {
		return zero, ErrNoKey
	}
	hash, err := hashOf(payload)
	if err != nil {
		return zero, fmt.Errorf("idempotency: hash payload of key %q: %w", key, err)
	}
	id := g.ID(key)
	for attempt := 1; ; attempt++ {
		old, err := g.claim(ctx, key, id, hash)
		if err != nil {
			return zero, err
		}
		if old == nil {
			break // claimed: run fn
		}
		res, retry, err := decide[R](g, key, hash, old)
		if !retry {
			return res, err
		}
		if attempt == maxAttempts {
			return zero, &PersistenceError{Op: "PutItem", Key: key, Err: fmt.Errorf("the record changed %d times while being read", maxAttempts)}
		}
	}
	panicked := true
	defer func() {
		if panicked { // not recovered here: the panic keeps its stack
			_ = g.release(ctx, key, id)
		}
	}()
	res, err := fn(ctx)
	panicked = false
	if err != nil {
		if derr := g.release(ctx, key, id); derr != nil {
			return zero, errors.Join(err, derr)
		}
		return zero, err
	}
	if err := g.complete(ctx, key, id, hash, res); err != nil {
		return res, err
	}
	return res, nil
}

// Handler returns h guarded by g: each event's key and payload come from
// keyOf (a payload of nil hashes the whole event). An error of keyOf, or an
// empty key (ErrNoKey), is returned without running h: an event that
// cannot be deduplicated is not handled.
func Handler[E, R any](g *Guard, keyOf func(ev E) (key string, payload any, err error), h func(ctx context.Context, ev E) (R, error)) func(ctx context.Context, ev E) (R, error) {
	return func(ctx context.Context, ev E) (R, error) {
		var zero R
		key, payload, err := keyOf(ev)
		if err != nil {
			return zero, err
		}
		if payload == nil {
			payload = ev
		}
		return Do(ctx, g, key, payload, func(ctx context.Context) (R, error) { return h(ctx, ev) })
	}
}

// hashOf is the hex SHA-256 of payload's JSON; "" for a nil payload.
func hashOf(payload any) (string, error) {
	if payload == nil {
		return "", nil
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// claim writes the INPROGRESS record unless a live record holds the key:
// nil when claimed, else the record that holds it.
func (g *Guard) claim(ctx context.Context, key, id, hash string) (map[string]types.AttributeValue, error) {
	now := g.now()
	until := now.Add(g.InProgressTimeout)
	if g.InProgressTimeout <= 0 {
		until = now.Add(DefaultInProgressTimeout)
	}
	if deadline, ok := ctx.Deadline(); ok {
		until = deadline
	}
	item := map[string]types.AttributeValue{
		AttrID:                   &types.AttributeValueMemberS{Value: id},
		AttrExpiration:           number(now.Add(g.ttl()).Unix()),
		AttrInProgressExpiration: number(until.UnixMilli()),
		AttrStatus:               &types.AttributeValueMemberS{Value: StatusInProgress},
	}
	if hash != "" {
		item[AttrValidation] = &types.AttributeValueMemberS{Value: hash}
	}
	_, err := g.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(g.Table),
		Item:      item,
		// Powertools' condition: no record, or one past its TTL, or an
		// INPROGRESS one whose invocation is over.
		ConditionExpression: aws.String("attribute_not_exists(#id) OR #expiry < :now OR " +
			"(#status = :inprogress AND attribute_exists(#inprogress_expiry) AND #inprogress_expiry < :now_ms)"),
		ExpressionAttributeNames: map[string]string{
			"#id": AttrID, "#expiry": AttrExpiration, "#status": AttrStatus, "#inprogress_expiry": AttrInProgressExpiration,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now":        number(now.Unix()),
			":now_ms":     number(now.UnixMilli()),
			":inprogress": &types.AttributeValueMemberS{Value: StatusInProgress},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return nil, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, &PersistenceError{Op: "PutItem", Key: key, Err: err}
	}
	if len(ccf.Item) > 0 {
		return ccf.Item, nil
	}
	// An emulator that does not return the item: read it.
	out, err := g.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(g.Table),
		Key:            map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, &PersistenceError{Op: "GetItem", Key: key, Err: err}
	}
	if len(out.Item) == 0 {
		// Deleted since (a failed run released it): claim again.
		return map[string]types.AttributeValue{}, nil
	}
	return out.Item, nil
}

// decide answers a call that found the key held by record old: the stored
// result, an error, or retry (the record is gone or expired since the
// conditional write saw it).
func decide[R any](g *Guard, key, hash string, old map[string]types.AttributeValue) (res R, retry bool, err error) {
	if len(old) == 0 {
		return res, true, nil
	}
	status := str(old[AttrStatus])
	now := g.now()
	if exp, ok := num(old[AttrExpiration]); ok && exp < now.Unix() {
		return res, true, nil // past its TTL: the next write takes it
	}
	until, hasUntil := num(old[AttrInProgressExpiration])
	if status == StatusInProgress && hasUntil && until < now.UnixMilli() {
		return res, true, nil // its invocation is over: the next write takes it
	}
	if stored := str(old[AttrValidation]); hash != "" && stored != hash {
		return res, false, &PayloadMismatchError{Key: key}
	}
	switch status {
	case StatusCompleted:
		if err := json.Unmarshal([]byte(str(old[AttrData])), &res); err != nil {
			return res, false, &PersistenceError{Op: "decode", Key: key, Err: fmt.Errorf("stored result: %w", err)}
		}
		return res, false, nil
	case StatusInProgress:
		return res, false, &InProgressError{Key: key, Until: time.UnixMilli(until)}
	}
	return res, false, &PersistenceError{Op: "decode", Key: key, Err: fmt.Errorf("unknown status %q", status)}
}

// complete stores fn's result.
func (g *Guard) complete(ctx context.Context, key, id, hash string, res any) error {
	data, err := json.Marshal(res)
	if err != nil {
		return &PersistenceError{Op: "PutItem", Key: key, Err: fmt.Errorf("encode result: %w", err)}
	}
	item := map[string]types.AttributeValue{
		AttrID:         &types.AttributeValueMemberS{Value: id},
		AttrExpiration: number(g.now().Add(g.ttl()).Unix()),
		AttrStatus:     &types.AttributeValueMemberS{Value: StatusCompleted},
		AttrData:       &types.AttributeValueMemberS{Value: string(data)},
	}
	if hash != "" {
		item[AttrValidation] = &types.AttributeValueMemberS{Value: hash}
	}
	if _, err := g.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(g.Table), Item: item}); err != nil {
		return &PersistenceError{Op: "PutItem", Key: key, Err: err}
	}
	return nil
}

// release deletes the record after a failed run.
func (g *Guard) release(ctx context.Context, key, id string) error {
	_, err := g.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(g.Table),
		Key:       map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: id}},
	})
	if err != nil {
		return &PersistenceError{Op: "DeleteItem", Key: key, Err: err}
	}
	return nil
}

func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func num(v types.AttributeValue) (int64, bool) {
	n, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(n.Value, 10, 64)
	return i, err == nil
}
