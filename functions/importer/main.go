// Command importer imports bulk order files (CSV or JSON Lines) uploaded to
// the Uploads bucket under incoming/, triggered by an S3 event notification or
// an EventBridge "Object Created" event, and writes a summary of each file
// under reports/. See Handler.
//
// Environment: ORDERS_TABLE_NAME (orders.EnvTableName) and UPLOADS_BUCKET_NAME
// (orders.EnvUploadsBucket), required; MAX_IMPORT_BYTES
// (orders.EnvMaxImportBytes), optional, default 1 MiB (DefaultMaxImportBytes);
// ORDERFLOW_STAGE (metrics.EnvStage), the Stage dimension of its metrics.
// S3 operations: GetObject on incoming/*, PutObject on reports/* of the
// Uploads bucket. DynamoDB operations: BatchGetItem, BatchWriteItem on the
// Orders table.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/orderflow/internal/logging"
	"github.com/example/orderflow/internal/metrics"
	"github.com/example/orderflow/internal/orders"
)

func main() {
	log := logging.New(os.Stdout)
	table, bucket := os.Getenv(orders.EnvTableName), os.Getenv(orders.EnvUploadsBucket)
	for name, v := range map[string]string{orders.EnvTableName: table, orders.EnvUploadsBucket: bucket} {
		if v == "" {
			log.Error("missing environment variable", "name", name)
			os.Exit(1)
		}
	}
	maxBytes, err := ParseMaxBytes(os.Getenv(orders.EnvMaxImportBytes))
	if err != nil {
		log.Error("bad environment variable", "name", orders.EnvMaxImportBytes, "error", err.Error())
		os.Exit(1)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", "error", err.Error())
		os.Exit(1)
	}
	s3c := s3.NewFromConfig(cfg)
	ddb := dynamodb.NewFromConfig(cfg)
	h := &Handler{
		Objects:  s3c,
		Reports:  s3c,
		Orders:   &orders.BatchStore{Get: ddb, Write: ddb, Table: table},
		Bucket:   bucket,
		MaxBytes: maxBytes,
		Log:      log,
		Metrics:  metrics.New(os.Stdout, "importer", os.Getenv(metrics.EnvStage)),
		Now:      time.Now,
	}
	lambda.Start(h.Handle)
}
