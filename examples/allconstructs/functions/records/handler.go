package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/orderflow/runtime/batch"
	"github.com/example/orderflow/runtime/metrics"
)

// RecordsAudited is the metric Handle emits per batch: the records (user
// records, for KPL aggregates) it audited successfully.
const RecordsAudited = "RecordsAudited"

// Handler audits the records of a batch: each must hold a JSON object (an
// SQS message body, a Kinesis user record's data: a KPL-aggregated record
// is de-aggregated first); a DynamoDB stream record is audited by its keys,
// converted without losing a number. A record that fails goes back to its
// source as a batch item failure (the event source mappings report them:
// the queue redelivers the message, the stream retries from the record),
// and after the source's retries to the construct's dead-letter queue. The
// handler runtime's batch package does the record-by-record work.
type Handler struct {
	// Log receives a line per record. Required.
	Log *slog.Logger
	// Metrics receives RecordsAudited per batch. Default (nil): none.
	Metrics *metrics.Emitter
}

// Handle decodes the batch by the eventSource of its first record and
// answers in the source's batch response shape. An empty or unknown batch
// is an error.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var b struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("decode batch: %w", err)
	}
	if len(b.Records) == 0 {
		return nil, fmt.Errorf("batch has no records")
	}
	p := &batch.Processor{Log: h.Log}
	var audited int64
	defer func() { h.Metrics.Emit(ctx, metrics.Count(RecordsAudited, audited)) }()
	ok := func(err error) error {
		if err == nil {
			audited++
		}
		return err
	}
	switch source := b.Records[0].EventSource; source {
	case "aws:sqs":
		var e events.SQSEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("decode SQS batch: %w", err)
		}
		return p.SQS(ctx, e, func(ctx context.Context, m events.SQSMessage) error {
			return ok(h.audit(ctx, source, m.MessageId, []byte(m.Body)))
		}), nil
	case "aws:kinesis":
		var e events.KinesisEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("decode Kinesis batch: %w", err)
		}
		// Ordered per shard: Lambda retries from the first failure.
		return p.Kinesis(ctx, e, func(ctx context.Context, r batch.KinesisRecord) error {
			id := fmt.Sprintf("%s/%d", r.Record.Kinesis.SequenceNumber, r.SubSequenceNumber)
			return ok(h.audit(ctx, source, id, r.Data))
		}), nil
	case "aws:dynamodb":
		var e events.DynamoDBEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("decode DynamoDB stream batch: %w", err)
		}
		return p.DynamoDB(ctx, e, func(ctx context.Context, r events.DynamoDBEventRecord) error {
			keys, err := batch.Image(r.Change.Keys)
			if err != nil {
				return err
			}
			h.Log.InfoContext(ctx, "record", "source", source, "id", r.Change.SequenceNumber, "eventName", r.EventName, "keys", len(keys))
			return ok(nil)
		}), nil
	default:
		return nil, fmt.Errorf("batch from %q: want aws:sqs, aws:kinesis or aws:dynamodb", source)
	}
}

// audit logs a record whose payload is a JSON object, or reports why not.
func (h *Handler) audit(ctx context.Context, source, id string, payload []byte) error {
	var fields map[string]any
	if err := json.Unmarshal(payload, &fields); err != nil {
		h.Log.WarnContext(ctx, "record is not a JSON object", "source", source, "id", id, "error", err.Error())
		return err
	}
	h.Log.InfoContext(ctx, "record", "source", source, "id", id, "fields", len(fields))
	return nil
}
