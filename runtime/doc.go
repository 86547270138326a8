// Package runtime is the root of the handler runtime module: what a Go
// Lambda function imports to handle events the way the constructs of
// github.com/example/orderflow/constructs deliver them. The packages:
//
//   - batch: SQS, Kinesis (KPL de-aggregation) and DynamoDB stream batches
//     record by record, with partial batch responses (queueworker,
//     kinesisconsumer, streamconsumer);
//   - idempotency: once per key, on a DynamoDB table (idempotencytable);
//   - batchsend: SQS, EventBridge and SNS batch calls with per-entry results
//     and retries (the queues, buses and topics functions send to);
//   - metrics and logging: EMF metrics and JSON logs with the invocation's
//     request ID, cold start and trace (gofunction);
//   - startup: environment, logger, metrics and AWS configuration, once per
//     cold start.
//
// This package itself holds no code; README.md has one example per package.
package runtime
