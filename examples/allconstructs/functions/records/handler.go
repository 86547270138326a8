package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
)

// Handler audits the records of a batch: each must hold a JSON object (an
// SQS message body, a Kinesis record's data); a DynamoDB stream record is
// audited by its keys. A record that fails goes back to its source as a
// batch item failure (the event source mappings report them: the queue
// redelivers the message, the stream retries from the record), and after
// the source's retries to the construct's dead-letter queue.
type Handler struct {
	Log *slog.Logger
}

// Handle decodes the batch by the eventSource of its first record and
// answers in the source's batch response shape. An empty or unknown batch
// is an error.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var batch struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(raw, &batch); err != nil {
		return nil, fmt.Errorf("decode batch: %w", err)
	}
	if len(batch.Records) == 0 {
		return nil, fmt.Errorf("batch has no records")
	}
	switch source := batch.Records[0].EventSource; source {
	case "aws:sqs":
		var e events.SQSEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("decode SQS batch: %w", err)
		}
		var resp events.SQSEventResponse
		for _, m := range e.Records {
			if err := h.audit(ctx, source, m.MessageId, []byte(m.Body)); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return resp, nil
	case "aws:kinesis":
		var e events.KinesisEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("decode Kinesis batch: %w", err)
		}
		var resp events.KinesisEventResponse
		for _, r := range e.Records {
			if err := h.audit(ctx, source, r.Kinesis.SequenceNumber, r.Kinesis.Data); err != nil {
				// Ordered per shard: Lambda retries from the first failure.
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: r.Kinesis.SequenceNumber})
				break
			}
		}
		return resp, nil
	case "aws:dynamodb":
		var e events.DynamoDBEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("decode DynamoDB stream batch: %w", err)
		}
		for _, r := range e.Records {
			h.Log.InfoContext(ctx, "record", "source", source, "id", r.Change.SequenceNumber, "eventName", r.EventName, "keys", len(r.Change.Keys))
		}
		return events.DynamoDBEventResponse{}, nil
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
