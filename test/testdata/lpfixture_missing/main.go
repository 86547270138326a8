// Command lpfixture_missing is a fixture of the least-privilege test, never
// deployed: a queue consumer whose code calls DynamoDB GetItem, Scan (through
// a paginator) and DeleteItem. The test's role grants GetItem and Scan only,
// so the check must report exactly dynamodb:DeleteItem as missing.
package main

import (
	"context"
	"iter"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// itemAPI is the part of *dynamodb.Client the handler calls directly.
type itemAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

type handler struct {
	items itemAPI
	scan  dynamodb.ScanAPIClient
	table string
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		os.Exit(1)
	}
	db := dynamodb.NewFromConfig(cfg)
	h := &handler{items: db, scan: db, table: os.Getenv("TABLE_NAME")}
	lambda.Start(h.handle)
}

func (h *handler) handle(ctx context.Context, ev events.SQSEvent) error {
	// A range-over-func loop: its body is a closure the iterator calls,
	// which the analysis must read like any other code.
	for key := range keys(ev) {
		out, err := h.items.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(h.table), Key: key})
		if err != nil {
			return err
		}
		if out.Item != nil {
			// The call the role does not allow.
			if _, err := h.items.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(h.table), Key: key}); err != nil {
				return err
			}
		}
	}
	p := dynamodb.NewScanPaginator(h.scan, &dynamodb.ScanInput{TableName: aws.String(h.table)})
	for p.HasMorePages() {
		if _, err := p.NextPage(ctx); err != nil {
			return err
		}
	}
	return nil
}

// keys yields the item key each message names.
func keys(ev events.SQSEvent) iter.Seq[map[string]types.AttributeValue] {
	return func(yield func(map[string]types.AttributeValue) bool) {
		for _, m := range ev.Records {
			if !yield(map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: m.Body}}) {
				return
			}
		}
	}
}
