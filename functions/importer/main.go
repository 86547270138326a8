// Command importer imports bulk order files (CSV or JSON Lines) uploaded to
// the Uploads bucket under incoming/, triggered by an S3 event notification or
// an EventBridge "Object Created" event, and writes a summary of each file
// under reports/. See Handler.
//
// Environment: ORDERS_TABLE_NAME (orders.EnvTableName) and UPLOADS_BUCKET_NAME
// (orders.EnvUploadsBucket), required; MAX_IMPORT_BYTES
// (orders.EnvMaxImportBytes), optional, default 1 MiB (DefaultMaxImportBytes);
// ORDERFLOW_STAGE (ordermetrics.EnvStage), the Stage dimension of its metrics.
// S3 operations: GetObject on incoming/*, PutObject on reports/* of the
// Uploads bucket. DynamoDB operations: BatchGetItem, BatchWriteItem on the
// Orders table.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/startup"
)

func main() {
	rt := startup.Start(ordermetrics.Startup("importer", orders.EnvTableName, orders.EnvUploadsBucket))
	maxBytes, err := ParseMaxBytes(os.Getenv(orders.EnvMaxImportBytes))
	if err != nil {
		rt.Fatal("bad environment variable "+orders.EnvMaxImportBytes, err)
	}
	s3c := s3.NewFromConfig(rt.AWS)
	ddb := dynamodb.NewFromConfig(rt.AWS)
	h := &Handler{
		Objects:  s3c,
		Reports:  s3c,
		Orders:   &orders.BatchStore{Get: ddb, Write: ddb, Table: rt.Env(orders.EnvTableName)},
		Bucket:   rt.Env(orders.EnvUploadsBucket),
		MaxBytes: maxBytes,
		Log:      rt.Log,
		Metrics:  rt.Metrics,
		Now:      time.Now,
	}
	lambda.Start(h.Handle)
}
