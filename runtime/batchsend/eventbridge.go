package batchsend

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// EventBridge limits (Amazon EventBridge API Reference, PutEvents; User
// Guide, "Calculating PutEvents event entry size"): 10 entries per call,
// and the entries of a call may total 256 KiB, counted by
// EventBridgeEntrySize.
const (
	EventBridgeMaxEntries = 10
	EventBridgeMaxBytes   = 256 * 1024
)

// retryableEventBridgeCodes are the PutEvents entry error codes that can
// pass (PutEventsResultEntry.ErrorCode: "Retryable errors include
// InternalFailure and ThrottlingException"); any other code is final.
var retryableEventBridgeCodes = map[string]bool{"InternalFailure": true, "ThrottlingException": true}

// PutEventsAPI is the EventBridge operation an EventBridge sender calls
// (*eventbridge.Client has it).
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// EventBridge puts events. Safe for concurrent use when its Client is.
type EventBridge struct {
	// Client calls EventBridge. Required.
	Client PutEventsAPI
	// Retry configures sending failed entries again.
	Retry Retry
}

// Send puts one event per entry (each entry names its bus) and returns one
// error per entry, aligned with entries: nil when EventBridge accepted it
// (its result entry has an event ID); *EntryError when its result entry
// has an error code (sent again when the code can pass:
// InternalFailure, ThrottlingException); *TooLargeError for an entry over
// EventBridgeMaxBytes (not sent); ErrNoResult when the response confirmed
// it neither way, or for every entry of a response whose FailedEntryCount
// is more than its entries with an error code (which failed is then
// unknown: all are sent again); the call's error for every entry of a call
// that failed as a whole; the context's error (wrapped) for entries not
// sent because ctx was done.
//
// A failed call or entry may still have put the event; an entry sent again
// may be put twice. That is EventBridge's contract anyway: at least once.
func (s *EventBridge) Send(ctx context.Context, entries []types.PutEventsRequestEntry) []error {
	lim := limits{entries: EventBridgeMaxEntries, entryBytes: EventBridgeMaxBytes, callBytes: EventBridgeMaxBytes}
	return send(ctx, entries, lim, EventBridgeEntrySize, s.Retry,
		func(ctx context.Context, batch []types.PutEventsRequestEntry) ([]outcome, error) {
			out, err := s.Client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: batch})
			if err != nil {
				return nil, fmt.Errorf("put events: %w", err)
			}
			out = orEmpty(out)
			// Result entries are in request order (PutEvents API reference).
			outs := make([]outcome, len(batch))
			var failed int32
			for j := range batch {
				var r types.PutEventsResultEntry
				if j < len(out.Entries) {
					r = out.Entries[j]
				}
				switch code := aws.ToString(r.ErrorCode); {
				case code != "":
					failed++
					retry := retryableEventBridgeCodes[code]
					outs[j] = outcome{err: &EntryError{Service: "events", Code: code, Message: aws.ToString(r.ErrorMessage), Retryable: retry}, retry: retry}
				case aws.ToString(r.EventId) == "":
					outs[j] = outcome{err: ErrNoResult, retry: true}
				}
			}
			// A FailedEntryCount the entries do not account for: which
			// entries failed is unknown, so none of them counts as put.
			if out.FailedEntryCount > failed {
				for j := range outs {
					if outs[j].err == nil {
						outs[j] = outcome{err: fmt.Errorf("FailedEntryCount %d but %d entries with an error code: %w", out.FailedEntryCount, failed, ErrNoResult), retry: true}
					}
				}
			}
			return outs, nil
		})
}

// EventBridgeEntrySize is an entry's size as EventBridge counts it: 14
// bytes for a Time, the UTF-8 bytes of Source, DetailType, Detail and each
// of Resources.
func EventBridgeEntrySize(e types.PutEventsRequestEntry) int {
	n := len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
	if e.Time != nil {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}
