// Command pendingbackfill gives the PENDING orders an older release stored
// their pendingShard attribute, so they enter the pending index and the
// sweeper finds them (orders.PendingBackfill). It is step 2 of moving a
// deployment from the status index to the pending index (docs/design.md,
// "Moving to the pending index"): run it after deploying with -c
// legacyStatusIndex=true, before deploying without. Running it again is
// harmless.
//
//	go run ./tools/cmd/pendingbackfill -table <Orders table name> [-legacy-index byStatus]
//
// It uses the default AWS credential chain and region (AWS_PROFILE,
// AWS_REGION, ...). DynamoDB operations: Query on the legacy index,
// UpdateItem on the table (conditional).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/orderflow/internal/orders"
)

func main() {
	table := flag.String("table", "", "name of the Orders table (required)")
	legacy := flag.String("legacy-index", orders.LegacyStatusIndexName, "the status index to read PENDING orders from")
	flag.Parse()
	if *table == "" {
		fmt.Fprintln(os.Stderr, "pendingbackfill: -table is required")
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pendingbackfill: load AWS config:", err)
		os.Exit(1)
	}
	db := dynamodb.NewFromConfig(cfg)
	b := &orders.PendingBackfill{Query: db, Update: db, Table: *table, LegacyIndex: *legacy}
	res, err := b.Run(ctx)
	fmt.Printf("read %d PENDING orders from %s: %d given their shard, %d already had it or moved on\n", res.Read, *legacy, res.Updated, res.Skipped)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pendingbackfill:", err)
		os.Exit(1)
	}
}
