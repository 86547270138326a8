package orders

import (
	"context"
	"errors"
	"fmt"
	"iter"
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

// StaleOrders finds orders stuck in PENDING and claims them for a resend, so
// that concurrent or late sweeper runs never resend one order twice within
// After. Its zero value is not usable: set every field.
//
// Each method calls exactly one DynamoDB operation: Find Query (on
// StatusIndex), Claim and Unclaim UpdateItem (on Table).
type StaleOrders struct {
	// Query reads the status index. Required.
	Query dynamodb.QueryAPIClient
	// Update writes claims. Required.
	Update UpdateItemAPI
	// Table is the Orders table's name (EnvTableName). Required.
	Table string
	// StatusIndex is the name of the GSI keyed by status and createdAt
	// (EnvStatusIndexName). Required.
	StatusIndex string
	// After is how long an order may stay PENDING before it is stale, and
	// how long a claim keeps other runs from claiming it again. Required:
	// from ParseStaleAfter.
	After time.Duration
}

// Find returns an iterator over the IDs of the orders that were created
// before now-After and are PENDING in the status index, oldest first. It
// pages with dynamodb.NewQueryPaginator (pages of 100) and reads a page only
// when the loop has taken every ID of the one before, so a loop that breaks
// reads no further.
//
// The index is eventually consistent and is not filtered on AttrResentAt (a
// KEYS_ONLY index does not project it): orders another run claimed recently,
// or that moved on a moment ago, are yielded too, and Claim turns them away.
// A caller that bounds its work must therefore count claims, not IDs.
//
// On a Query error the iterator yields ("", err) once and stops, after the
// IDs of the pages read before it, so a caller can still work on them.
func (s *StaleOrders) Find(ctx context.Context, now time.Time) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		p := dynamodb.NewQueryPaginator(s.Query, &dynamodb.QueryInput{
			TableName:              aws.String(s.Table),
			IndexName:              aws.String(s.StatusIndex),
			KeyConditionExpression: aws.String("#status = :pending AND #createdAt < :cutoff"),
			ProjectionExpression:   aws.String("#orderId"),
			ExpressionAttributeNames: map[string]string{
				"#status": AttrStatus, "#createdAt": AttrCreatedAt, "#orderId": AttrOrderID,
			},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pending": &types.AttributeValueMemberS{Value: string(StatusPending)},
				":cutoff":  &types.AttributeValueMemberS{Value: FormatTime(now.Add(-s.After))},
			},
			ScanIndexForward: aws.Bool(true),
			Limit:            aws.Int32(stalePageSize),
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield("", fmt.Errorf("find stale orders in %s: %w", s.StatusIndex, err))
				return
			}
			for _, item := range page.Items {
				if id, ok := item[AttrOrderID].(*types.AttributeValueMemberS); ok && id.Value != "" {
					if !yield(id.Value, nil) {
						return
					}
				}
			}
		}
	}
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
