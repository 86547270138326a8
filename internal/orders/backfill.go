package orders

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// LegacyStatusIndexName is the index the pending index replaces: partition
// key AttrStatus, sort key AttrCreatedAt, keys only. Every order writes it
// under one of three status values, so at a few hundred orders per second
// its PENDING key takes more than the 1,000 write units per second a
// partition serves. A deployment that has it moves to the pending index in
// two releases (docs/design.md, "Moving to the pending index"); PendingBackfill
// reads it in between.
const LegacyStatusIndexName = "byStatus"

// PendingBackfill gives AttrPendingShard to the PENDING orders stored before
// the writers set it (orders created by an older release), so that they
// enter the pending index and the sweeper can find them. Its zero value is
// not usable: set every field.
type PendingBackfill struct {
	// Query reads LegacyIndex. Required.
	Query dynamodb.QueryAPIClient
	// Update writes the attribute. Required.
	Update UpdateItemAPI
	// Table is the Orders table's name. Required.
	Table string
	// LegacyIndex is the status index (LegacyStatusIndexName). Required.
	LegacyIndex string
}

// BackfillResult counts what PendingBackfill.Run did.
type BackfillResult struct {
	// Read is the number of PENDING orders the legacy index listed.
	Read int
	// Updated orders got AttrPendingShard.
	Updated int
	// Skipped orders had it already, or had left PENDING by the time of
	// the write (the index is eventually consistent).
	Skipped int
}

// Run reads every order under AttrStatus = PENDING in LegacyIndex (Query,
// pages of up to 1 MB) and sets AttrPendingShard = PendingShard(orderId) on
// each with one UpdateItem conditional on the order still being PENDING
// and not having the attribute, so it never puts an order that moved on
// back into the pending index and never writes one twice. Running it again
// is harmless: it skips what it did. It stops at the first error other than
// a failed condition; orders updated before it stay updated.
func (b *PendingBackfill) Run(ctx context.Context) (BackfillResult, error) {
	var res BackfillResult
	p := dynamodb.NewQueryPaginator(b.Query, &dynamodb.QueryInput{
		TableName:                 aws.String(b.Table),
		IndexName:                 aws.String(b.LegacyIndex),
		KeyConditionExpression:    aws.String("#status = :pending"),
		ProjectionExpression:      aws.String("#orderId"),
		ExpressionAttributeNames:  map[string]string{"#status": AttrStatus, "#orderId": AttrOrderID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pending": &types.AttributeValueMemberS{Value: string(StatusPending)}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return res, fmt.Errorf("backfill: read %s: %w", b.LegacyIndex, err)
		}
		for _, item := range page.Items {
			id, ok := item[AttrOrderID].(*types.AttributeValueMemberS)
			if !ok || id.Value == "" {
				continue
			}
			res.Read++
			_, err := b.Update.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName:                aws.String(b.Table),
				Key:                      orderKey(id.Value),
				UpdateExpression:         aws.String("SET #pendingShard = :shard"),
				ConditionExpression:      aws.String("#status = :pending AND attribute_not_exists(#pendingShard)"),
				ExpressionAttributeNames: map[string]string{"#status": AttrStatus, "#pendingShard": AttrPendingShard},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":pending": &types.AttributeValueMemberS{Value: string(StatusPending)},
					":shard":   pendingShardValue(id.Value),
				},
			})
			var ccf *types.ConditionalCheckFailedException
			switch {
			case errors.As(err, &ccf):
				res.Skipped++
			case err != nil:
				return res, fmt.Errorf("backfill: order %s: %w", id.Value, err)
			default:
				res.Updated++
			}
		}
	}
	return res, nil
}
