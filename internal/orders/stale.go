package orders

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// AttrResentAt is the attribute a sweeper claim writes: when the order was
// last claimed for a resend to the kitchen, a string in TimeLayout.
const AttrResentAt = "resentAt"

// Bounds of the stale-after duration (EnvStaleAfter), checked by
// ParseStaleAfter.
const (
	DefaultStaleAfter = 15 * time.Minute // used when EnvStaleAfter is unset or empty
	MinStaleAfter     = time.Minute
	MaxStaleAfter     = 24 * time.Hour
)

// ParseStaleAfter parses the stale-after duration from its environment
// value: a Go duration ("15m", "1h30m") in [MinStaleAfter, MaxStaleAfter].
// Empty means DefaultStaleAfter. The error names the variable and the value.
func ParseStaleAfter(s string) (time.Duration, error) {
	if s == "" {
		return DefaultStaleAfter, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a Go duration such as 15m", EnvStaleAfter, s)
	}
	if d < MinStaleAfter || d > MaxStaleAfter {
		return 0, fmt.Errorf("%s %q is outside %v..%v", EnvStaleAfter, s, MinStaleAfter, MaxStaleAfter)
	}
	return d, nil
}

// stalePageSize is the Limit of each Query page Find reads.
const stalePageSize = 100

// findConcurrency bounds the Queries Find has in flight when it reads the
// first page of every shard.
const findConcurrency = 8

// StaleOrders finds orders stuck in PENDING and claims them for a resend, so
// that concurrent or late sweeper runs never resend one order twice within
// After. Its zero value is not usable: set every required field.
//
// Each method calls one kind of DynamoDB operation: Find Query (on Index,
// once per shard and page), Claim and Unclaim UpdateItem (on Table).
type StaleOrders struct {
	// Query reads the pending index. Required.
	Query dynamodb.QueryAPIClient
	// Update writes claims. Required.
	Update UpdateItemAPI
	// Table is the Orders table's name (EnvTableName). Required.
	Table string
	// Index is the name of the pending index, keyed by AttrPendingShard and
	// AttrCreatedAt (EnvPendingIndexName). Required.
	Index string
	// Shards is the number of pending-index shards Find queries, 0 to
	// Shards-1. Default (zero): PendingShards.
	Shards int
	// After is how long an order may stay PENDING before it is stale, and
	// how long a claim keeps other runs from claiming it again. Required:
	// from ParseStaleAfter.
	After time.Duration
}

// staleEntry is one order read from the pending index.
type staleEntry struct {
	id, createdAt string
}

// shardReader pages through one shard's stale orders.
type shardReader struct {
	shard int
	pages *dynamodb.QueryPaginator
	buf   []staleEntry
}

// next reads the shard's next page into buf; false when the shard is done.
func (r *shardReader) next(ctx context.Context) (bool, error) {
	for r.pages.HasMorePages() {
		page, err := r.pages.NextPage(ctx)
		if err != nil {
			return false, fmt.Errorf("shard %d: %w", r.shard, err)
		}
		r.buf = r.buf[:0]
		for _, item := range page.Items {
			id, ok := item[AttrOrderID].(*types.AttributeValueMemberS)
			if !ok || id.Value == "" {
				continue
			}
			var created string
			if c, ok := item[AttrCreatedAt].(*types.AttributeValueMemberS); ok {
				created = c.Value
			}
			r.buf = append(r.buf, staleEntry{id: id.Value, createdAt: created})
		}
		if len(r.buf) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// Find returns an iterator over the IDs of the orders in the pending index
// (so PENDING, or leaving it a moment ago) that were created before
// now-After, oldest first across all shards. It queries every shard of the
// index (AttrPendingShard = 0..Shards-1, AttrCreatedAt < cutoff, pages of
// 100): the first page of each shard up front, at most 8 Queries at a time,
// then a shard's next page only when the loop has taken every ID of the one
// before, so a loop that breaks reads no further than it must.
//
// The index is eventually consistent and is not filtered on AttrResentAt (a
// KEYS_ONLY index does not project it): orders another run claimed recently,
// or that moved on a moment ago, are yielded too, and Claim turns them away.
// A caller that bounds its work must therefore count claims, not IDs.
//
// A shard whose Query fails is left out; the iterator goes on with the
// others and, after their last ID, yields ("", err) once, err naming every
// shard that failed, so a caller can still work on what it read.
func (s *StaleOrders) Find(ctx context.Context, now time.Time) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		shards := s.Shards
		if shards <= 0 {
			shards = PendingShards
		}
		cutoff := FormatTime(now.Add(-s.After))
		readers := make([]*shardReader, shards)
		for i := range readers {
			readers[i] = &shardReader{shard: i, pages: dynamodb.NewQueryPaginator(s.Query, &dynamodb.QueryInput{
				TableName:              aws.String(s.Table),
				IndexName:              aws.String(s.Index),
				KeyConditionExpression: aws.String("#shard = :shard AND #createdAt < :cutoff"),
				ProjectionExpression:   aws.String("#orderId, #createdAt"),
				ExpressionAttributeNames: map[string]string{
					"#shard": AttrPendingShard, "#createdAt": AttrCreatedAt, "#orderId": AttrOrderID,
				},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":shard":  &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
					":cutoff": &types.AttributeValueMemberS{Value: cutoff},
				},
				ScanIndexForward: aws.Bool(true),
				Limit:            aws.Int32(stalePageSize),
			})}
		}

		// The first page of every shard, a few Queries at a time.
		errs := make([]error, shards)
		live := make([]bool, shards)
		sem := make(chan struct{}, findConcurrency)
		var wg sync.WaitGroup
		for i, r := range readers {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				live[i], errs[i] = r.next(ctx)
			}()
		}
		wg.Wait()

		// Merge: the oldest head of all shards first.
		h := &staleHeap{}
		for i, r := range readers {
			if live[i] {
				heap.Push(h, r)
			}
		}
		for h.Len() > 0 {
			r := (*h)[0]
			e := r.buf[0]
			r.buf = r.buf[1:]
			if len(r.buf) > 0 {
				heap.Fix(h, 0)
			} else {
				heap.Pop(h)
			}
			if !yield(e.id, nil) {
				return
			}
			if len(r.buf) == 0 {
				more, err := r.next(ctx)
				if err != nil {
					errs[r.shard] = err
				} else if more {
					heap.Push(h, r)
				}
			}
		}
		if err := errors.Join(errs...); err != nil {
			yield("", fmt.Errorf("find stale orders in %s: %w", s.Index, err))
		}
	}
}

// staleHeap orders shard readers by their first entry: createdAt, then ID.
type staleHeap []*shardReader

func (h staleHeap) Len() int { return len(h) }
func (h staleHeap) Less(i, j int) bool {
	a, b := h[i].buf[0], h[j].buf[0]
	if a.createdAt != b.createdAt {
		return a.createdAt < b.createdAt
	}
	return a.id < b.id
}
func (h staleHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *staleHeap) Push(x any)   { *h = append(*h, x.(*shardReader)) }
func (h *staleHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}

// Claim marks order id as being resent at now, with one UpdateItem that sets
// AttrResentAt to now on condition that the order is PENDING and no run
// claimed it within After (no AttrResentAt, or one before now-After). Only
// the caller whose Claim succeeds may resend the order.
//
// When the condition fails (the order moved on, was claimed within After,
// or is gone) the error wraps ErrWrongState. A Claim that fails otherwise
// may or may not have been written; if it was, the order is claimed but not
// resent, and a run After later claims and resends it.
func (s *StaleOrders) Claim(ctx context.Context, id string, now time.Time) error {
	_, err := s.Update.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.Table),
		Key:                      orderKey(id),
		UpdateExpression:         aws.String("SET #resentAt = :now"),
		ConditionExpression:      aws.String("#status = :pending AND (attribute_not_exists(#resentAt) OR #resentAt < :cutoff)"),
		ExpressionAttributeNames: map[string]string{"#status": AttrStatus, "#resentAt": AttrResentAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pending": &types.AttributeValueMemberS{Value: string(StatusPending)},
			":now":     &types.AttributeValueMemberS{Value: FormatTime(now)},
			":cutoff":  &types.AttributeValueMemberS{Value: FormatTime(now.Add(-s.After))},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return fmt.Errorf("claim order %s: not pending or claimed within %v: %w", id, s.After, ErrWrongState)
	case err != nil:
		return fmt.Errorf("claim order %s: %w", id, err)
	}
	return nil
}

// Unclaim undoes a Claim made at claimedAt whose resend failed, so the next
// run can claim the order again, with one UpdateItem that removes
// AttrResentAt on condition that it still equals claimedAt. When it does not
// (no claim of ours to undo) the error wraps ErrWrongState. If Unclaim fails,
// the claim simply expires: a run After later resends the order.
func (s *StaleOrders) Unclaim(ctx context.Context, id string, claimedAt time.Time) error {
	_, err := s.Update.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.Table),
		Key:                      orderKey(id),
		UpdateExpression:         aws.String("REMOVE #resentAt"),
		ConditionExpression:      aws.String("#resentAt = :claimedAt"),
		ExpressionAttributeNames: map[string]string{"#resentAt": AttrResentAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":claimedAt": &types.AttributeValueMemberS{Value: FormatTime(claimedAt)},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return fmt.Errorf("unclaim order %s: claim of %s not found: %w", id, FormatTime(claimedAt), ErrWrongState)
	case err != nil:
		return fmt.Errorf("unclaim order %s: %w", id, err)
	}
	return nil
}
