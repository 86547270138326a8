package orders

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// entrySender sends SQS entries and returns one error per entry
// (batchsend.SQS.Send).
type entrySender interface {
	Send(ctx context.Context, entries []types.SendMessageBatchRequestEntry) []error
}

// KitchenQueue sends KitchenMessages to the kitchen queue, one SQS message
// each whose body is the message's JSON, through a sender that batches and
// retries them (the runtime's batchsend.SQS). It is safe for concurrent use
// when its sender is.
type KitchenQueue struct {
	// Sender sends the entries to the kitchen queue. Required.
	Sender entrySender
}

// Send sends one SQS message per element of msgs and returns one error per
// message, aligned with msgs: nil when SQS accepted it, else the sender's
// error for it wrapped with the order's ID ("send order o-1: ..."; errors.As
// finds a *batchsend.EntryError, errors.Is a context error).
func (q *KitchenQueue) Send(ctx context.Context, msgs []KitchenMessage) []error {
	entries := make([]types.SendMessageBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = KitchenEntry(m)
	}
	errs := q.Sender.Send(ctx, entries)
	out := make([]error, len(msgs))
	for i, m := range msgs {
		var err error = fmt.Errorf("sender returned no result")
		if i < len(errs) {
			err = errs[i]
		}
		if err != nil {
			out[i] = fmt.Errorf("send order %s: %w", m.OrderID, err)
		}
	}
	return out
}

// KitchenEntry is the SQS entry of m: its JSON as the body.
func KitchenEntry(m KitchenMessage) types.SendMessageBatchRequestEntry {
	body, _ := json.Marshal(m) // cannot fail: a struct of one string
	return types.SendMessageBatchRequestEntry{MessageBody: aws.String(string(body))}
}
