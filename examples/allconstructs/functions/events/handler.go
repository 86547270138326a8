package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
)

// Handler audits each event it is invoked with, asynchronously: an
// EventBridge event (S3 "Object Created", a scheduled event, an event of the
// custom bus) or an SNS message batch. An event it cannot read is an error:
// Lambda retries it, then sends it to the on-failure destination (a
// dead-letter queue), with the error.
type Handler struct {
	Log *slog.Logger
}

// Handle tells SNS batches (Records[].EventSource "aws:sns") from
// EventBridge events (id, source, detail-type).
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) error {
	var probe struct {
		Records []struct {
			EventSource string `json:"EventSource"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return fmt.Errorf("decode event: %w", err)
	}
	if len(probe.Records) > 0 {
		if probe.Records[0].EventSource != "aws:sns" {
			return fmt.Errorf("records from %q: want aws:sns", probe.Records[0].EventSource)
		}
		var e events.SNSEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("decode SNS event: %w", err)
		}
		for _, r := range e.Records {
			h.Log.InfoContext(ctx, "event", "source", "sns", "id", r.SNS.MessageID, "topic", r.SNS.TopicArn, "subject", r.SNS.Subject)
		}
		return nil
	}
	var e events.EventBridgeEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("decode EventBridge event: %w", err)
	}
	if e.ID == "" || e.Source == "" || e.DetailType == "" {
		return fmt.Errorf("event without id, source or detail-type: neither EventBridge nor SNS")
	}
	attrs := []any{"source", e.Source, "id", e.ID, "detailType", e.DetailType}
	if e.Source == "aws.s3" && e.DetailType == "Object Created" {
		var d struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key string `json:"key"`
			} `json:"object"`
		}
		if err := json.Unmarshal(e.Detail, &d); err != nil || d.Object.Key == "" {
			return fmt.Errorf("event %s: S3 detail without an object key", e.ID)
		}
		attrs = append(attrs, "bucket", d.Bucket.Name, "key", d.Object.Key)
	}
	h.Log.InfoContext(ctx, "event", attrs...)
	return nil
}
