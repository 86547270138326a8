package batch

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
)

// DynamoDB processes a DynamoDB stream batch (one shard's records, in
// order) with handle and returns the records that failed by sequence
// number. After the first failure the later records are reported failed
// without being processed: Lambda resumes the shard from the lowest
// sequence number reported, so they come again. Records before the failure
// that succeeded are not retried. BatchItemFailures is never nil.
func (p *Processor) DynamoDB(ctx context.Context, ev events.DynamoDBEvent, handle func(ctx context.Context, r events.DynamoDBEventRecord) error) events.DynamoDBEventResponse {
	r := p.newRun(ctx, len(ev.Records), sequential)
	for i, rec := range ev.Records {
		r.slots[i].id = rec.Change.SequenceNumber
	}
	process(r, ev.Records, handle)
	resp := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	for _, id := range r.responseIDs() {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: id})
	}
	return resp
}

// DynamoDB processes ev with a zero Processor: see Processor.DynamoDB.
func DynamoDB(ctx context.Context, ev events.DynamoDBEvent, handle func(ctx context.Context, r events.DynamoDBEventRecord) error) events.DynamoDBEventResponse {
	var p Processor
	return p.DynamoDB(ctx, ev, handle)
}
