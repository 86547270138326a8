package orders

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// BatchGetItemAPI is the DynamoDB operation BatchStore uses to find orders
// that are already stored.
type BatchGetItemAPI interface {
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// BatchWriteItemAPI is the DynamoDB operation BatchStore uses to write orders.
type BatchWriteItemAPI interface {
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// DynamoDB's limits on one batch call.
const (
	MaxBatchGetKeys    = 100 // keys in one BatchGetItem call
	MaxBatchWriteItems = 25  // put requests in one BatchWriteItem call
)

// ErrUnprocessed: DynamoDB still returned unprocessed keys or items after
// every retry BatchStore was allowed. The call can be repeated as a whole.
var ErrUnprocessed = errors.New("batch left unprocessed")

// BatchStore writes many new orders to the Orders table without overwriting
// orders already there. The zero value of each optional field means its
// default.
type BatchStore struct {
	// Get reads which orders exist. Required.
	Get BatchGetItemAPI
	// Write stores orders. Required.
	Write BatchWriteItemAPI
	// Table is the Orders table's name. Required.
	Table string
	// MaxAttempts bounds the calls made for one chunk, the first included,
	// while DynamoDB returns unprocessed keys or items. Default: 8.
	MaxAttempts int
	// BaseDelay is the backoff before the first retry; it doubles on each
	// later retry, and each wait is drawn at random from [0, delay) (full
	// jitter). Default: 50ms.
	BaseDelay time.Duration
	// MaxDelay caps the backoff. Default: 2s.
	MaxDelay time.Duration

	sleep func(context.Context, time.Duration) error // nil: batchSleep; tests replace it
}

// BatchResult says what PutNew did with each order ID it was given.
type BatchResult struct {
	// Stored are the IDs of orders PutNew wrote.
	Stored []string
	// Existing are the IDs PutNew skipped because an order with that ID was
	// already stored (or the ID came twice in the input).
	Existing []string
}

// PutNew stores the orders whose IDs are not in the table yet and skips the
// others, so that storing the same orders again (a redelivered event) never
// resets an order that has moved on since. It reads with BatchGetItem
// (MaxBatchGetKeys keys a call, consistent reads of orderId only) and writes
// with BatchWriteItem (MaxBatchWriteItems puts a call), retrying unprocessed
// keys and items with bounded exponential backoff and jitter.
//
// Race: BatchWriteItem takes no condition, so an order that another
// invocation stores between this read and this write, and that the kitchen
// advances in that same window, would be put back to its imported state.
// Both invocations would have to import the same object at the same moment;
// the window is one batch call long.
//
// It fails with an error wrapping ErrUnprocessed when retries run out,
// context.DeadlineExceeded when the next backoff would pass ctx's deadline,
// or the SDK's error. Orders written before a failure stay written; calling
// PutNew again with the same orders completes the work.
func (s *BatchStore) PutNew(ctx context.Context, list []Order) (BatchResult, error) {
	var res BatchResult
	ids := make([]string, 0, len(list))
	seen := make(map[string]bool, len(list))
	unique := make([]Order, 0, len(list))
	for _, o := range list {
		if seen[o.OrderID] {
			res.Existing = append(res.Existing, o.OrderID)
			continue
		}
		seen[o.OrderID] = true
		ids = append(ids, o.OrderID)
		unique = append(unique, o)
	}
	existing, err := s.existing(ctx, ids)
	if err != nil {
		return BatchResult{}, err
	}
	todo := make([]Order, 0, len(unique))
	for _, o := range unique {
		if existing[o.OrderID] {
			res.Existing = append(res.Existing, o.OrderID)
			continue
		}
		todo = append(todo, o)
	}
	for start := 0; start < len(todo); start += MaxBatchWriteItems {
		chunk := todo[start:min(start+MaxBatchWriteItems, len(todo))]
		if err := s.write(ctx, chunk); err != nil {
			return res, err
		}
		for _, o := range chunk {
			res.Stored = append(res.Stored, o.OrderID)
		}
	}
	return res, nil
}

// existing returns the set of ids that are stored in the table.
func (s *BatchStore) existing(ctx context.Context, ids []string) (map[string]bool, error) {
	found := make(map[string]bool)
	for start := 0; start < len(ids); start += MaxBatchGetKeys {
		chunk := ids[start:min(start+MaxBatchGetKeys, len(ids))]
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, id := range chunk {
			keys[i] = map[string]types.AttributeValue{AttrOrderID: &types.AttributeValueMemberS{Value: id}}
		}
		req := map[string]types.KeysAndAttributes{s.Table: {
			Keys:                     keys,
			ProjectionExpression:     aws.String("#id"),
			ExpressionAttributeNames: map[string]string{"#id": AttrOrderID},
			ConsistentRead:           aws.Bool(true),
		}}
		for attempt := 0; ; attempt++ {
			out, err := s.Get.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("batch get %d orders from %s: %w", len(chunk), s.Table, err)
			}
			for _, item := range out.Responses[s.Table] {
				if v, ok := item[AttrOrderID].(*types.AttributeValueMemberS); ok {
					found[v.Value] = true
				}
			}
			left := out.UnprocessedKeys[s.Table]
			if len(left.Keys) == 0 {
				break
			}
			if err := s.backoff(ctx, attempt); err != nil {
				return nil, fmt.Errorf("batch get from %s: %d of %d keys unprocessed: %w", s.Table, len(left.Keys), len(chunk), err)
			}
			req = map[string]types.KeysAndAttributes{s.Table: left}
		}
	}
	return found, nil
}

// write puts at most MaxBatchWriteItems orders, retrying unprocessed ones.
func (s *BatchStore) write(ctx context.Context, chunk []Order) error {
	reqs := make([]types.WriteRequest, len(chunk))
	for i, o := range chunk {
		item, err := MarshalItem(o)
		if err != nil {
			return err
		}
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
	}
	for attempt := 0; ; attempt++ {
		out, err := s.Write.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{s.Table: reqs},
		})
		if err != nil {
			return fmt.Errorf("batch write %d orders to %s: %w", len(reqs), s.Table, err)
		}
		reqs = out.UnprocessedItems[s.Table]
		if len(reqs) == 0 {
			return nil
		}
		if err := s.backoff(ctx, attempt); err != nil {
			return fmt.Errorf("batch write to %s: %d of %d orders unprocessed: %w", s.Table, len(reqs), len(chunk), err)
		}
	}
}

// backoff waits before retry number attempt+1, or fails when attempts are
// used up or the wait would outlast ctx's deadline.
func (s *BatchStore) backoff(ctx context.Context, attempt int) error {
	maxAttempts, base, maxDelay := s.MaxAttempts, s.BaseDelay, s.MaxDelay
	if maxAttempts <= 0 {
		maxAttempts = 8
	}
	if base <= 0 {
		base = 50 * time.Millisecond
	}
	if maxDelay <= 0 {
		maxDelay = 2 * time.Second
	}
	if attempt+1 >= maxAttempts {
		return fmt.Errorf("%w after %d attempts", ErrUnprocessed, attempt+1)
	}
	d := maxDelay
	if attempt < 30 && base<<attempt < maxDelay {
		d = base << attempt
	}
	d = rand.N(d) + 1 // full jitter, never zero
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return fmt.Errorf("backoff of %v passes the deadline: %w", d, context.DeadlineExceeded)
	}
	sleep := s.sleep
	if sleep == nil {
		sleep = batchSleep
	}
	return sleep(ctx, d)
}

// batchSleep waits d or until ctx is done.
func batchSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
