// Package batch processes the batches Lambda reads from SQS queues, Kinesis
// data streams and DynamoDB streams record by record, and returns the
// partial batch response each source expects, so that only the records that
// failed are retried. It serves the event-source constructs of
// github.com/example/orderflow/constructs: queueworker (SQS, with
// ReportBatchItemFailures), kinesisconsumer and streamconsumer (both with
// ReportBatchItemFailures and bisect-on-error): with their defaults, a
// response from this package is what their event source mappings read.
//
// A Processor calls a handler per record, func(ctx, record) error, and:
//
//   - reports a record whose handler returned an error, or panicked (the
//     panic is recovered and logged with its stack: one bad record never
//     crashes the batch), by its identifier: the SQS message ID
//     (events.SQSEventResponse), the Kinesis or DynamoDB stream sequence
//     number (events.KinesisEventResponse, events.DynamoDBEventResponse);
//   - starts no record once less than Margin is left before the context's
//     deadline: those records are reported failed, never half-done;
//   - keeps order where the source has one. A stream batch comes from one
//     shard and is processed in order; Lambda resumes a shard from the
//     lowest sequence number reported, so after a failure the later records
//     are reported failed without being processed (processing them would
//     only do their work twice). On a FIFO queue (an eventSourceARN ending
//     in ".fifo") the records of a message group are processed in order,
//     and after a failure the rest of that group is reported failed without
//     being processed; other groups go on. (Powertools' SqsFifoPartialProcessor
//     stops every group by default; its skip_group_on_error is this
//     behaviour.) On a standard queue every record stands alone;
//   - runs up to Concurrency records at once where order allows: any records
//     of a standard queue, different message groups of a FIFO queue, never
//     a stream's;
//   - de-aggregates Kinesis records written by the Kinesis Producer Library
//     (KPL aggregated format, MD5 digest checked): the handler sees every
//     user record, and a failure is reported by the outer record's sequence
//     number (Deaggregate);
//   - converts DynamoDB stream images to aws-sdk-go-v2 attribute values
//     without losing a number (Image).
//
// Handlers that batch their output (send a queue message or put an event
// per record, ten at a time) use an Outbox: entries added while handling a
// record belong to that record, and a record whose entries were not sent is
// reported failed, however many records share one send call.
//
// The zero Processor is ready to use; the package functions SQS, Kinesis
// and DynamoDB use one.
package batch
