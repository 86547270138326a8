// Command lpfixture_unused is a fixture of the least-privilege test, never
// deployed: a queue consumer whose code reads orders with orders.Store.Get
// (DynamoDB GetItem) and nothing else. The test's role also grants
// dynamodb:PutItem, so the check must report exactly that as unused.
//
// Two things here call PutItem without being reachable, and must not count:
// orders.Store.Create (the Store is passed around, but only through
// orderGetter, which has no Create), and putUnreachable, which nothing calls.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/orderflow/internal/orders"
)

type orderGetter interface {
	Get(ctx context.Context, id string) (orders.Order, error)
}

type handler struct{ orders orderGetter }

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		os.Exit(1)
	}
	store := &orders.Store{Client: dynamodb.NewFromConfig(cfg), Table: os.Getenv(orders.EnvTableName)}
	h := &handler{orders: store}
	lambda.Start(h.handle)
}

func (h *handler) handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		if _, err := h.orders.Get(ctx, m.Body); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

// putUnreachable calls PutItem, but nothing calls it.
func putUnreachable(ctx context.Context, c orders.PutItemAPI) error {
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{})
	return err
}
