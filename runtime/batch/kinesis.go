package batch

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
)

// KinesisRecord is what a Kinesis record handler gets: one user record and
// the Kinesis record it came in.
type KinesisRecord struct {
	// Record is the Kinesis record as Lambda delivered it. For a KPL
	// aggregate its Kinesis.Data is the whole aggregate and its
	// Kinesis.SequenceNumber the one every user record of it shares.
	Record events.KinesisEventRecord
	// UserRecord is the record its producer put (Data, PartitionKey,
	// ExplicitHashKey, SubSequenceNumber, Aggregated).
	UserRecord
}

// Kinesis processes a Kinesis batch (one shard's records, in order) with
// handle, called once per user record: a KPL aggregate is de-aggregated
// (Deaggregate) unless KeepAggregated is set. A corrupt aggregate
// (*AggregateError) fails its record without a handler call. It returns the
// records that failed by sequence number: a user record's failure is
// reported as its Kinesis record's, which Lambda then delivers again whole
// (its user records before the failed one run again too: handlers must be
// idempotent, as for any stream retry). After the first failure the later
// records are reported failed without being processed: Lambda resumes the
// shard from the lowest sequence number reported. BatchItemFailures is
// never nil.
func (p *Processor) Kinesis(ctx context.Context, ev events.KinesisEvent, handle func(ctx context.Context, r KinesisRecord) error) events.KinesisEventResponse {
	b := p.newRun(ctx, len(ev.Records), sequential)
	slots := b.slots[:0]
	recs := make([]KinesisRecord, 0, len(ev.Records))
	for _, r := range ev.Records {
		seq := r.Kinesis.SequenceNumber
		if p.KeepAggregated {
			slots = append(slots, slot{id: seq})
			recs = append(recs, KinesisRecord{Record: r, UserRecord: UserRecord{Data: r.Kinesis.Data, PartitionKey: r.Kinesis.PartitionKey}})
			continue
		}
		users, err := Deaggregate(r.Kinesis.Data, r.Kinesis.PartitionKey)
		if err != nil {
			p.log().ErrorContext(ctx, "corrupt KPL aggregate: record reported failed",
				"sequenceNumber", seq, "error", err.Error())
			slots = append(slots, slot{id: seq, err: err})
			recs = append(recs, KinesisRecord{Record: r})
			continue
		}
		for _, u := range users {
			slots = append(slots, slot{id: seq})
			recs = append(recs, KinesisRecord{Record: r, UserRecord: u})
		}
	}
	b.slots = slots
	process(b, recs, handle)
	resp := events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{}}
	for _, id := range b.responseIDs() {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: id})
	}
	return resp
}

// Kinesis processes ev with a zero Processor: see Processor.Kinesis.
func Kinesis(ctx context.Context, ev events.KinesisEvent, handle func(ctx context.Context, r KinesisRecord) error) events.KinesisEventResponse {
	var p Processor
	return p.Kinesis(ctx, ev, handle)
}
