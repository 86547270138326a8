// Package kitchenqueue sends orders.KitchenMessage bodies to the kitchen SQS
// queue in batches and reports, per message, whether SQS accepted it, so
// batch handlers can turn failures into batch item failures.
package kitchenqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/orderflow/internal/orders"
)

// MaxBatch is the most entries SQS accepts in one SendMessageBatch call.
const MaxBatch = 10

// SendMessageBatchAPI is the one SQS operation a Sender calls.
type SendMessageBatchAPI interface {
	SendMessageBatch(ctx context.Context, params *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// EntryError is SQS's report that it did not accept one entry of a batch
// (an element of SendMessageBatchOutput.Failed).
type EntryError struct {
	// Code is SQS's error code for the entry, e.g. "InternalError".
	Code string
	// Message is SQS's description, possibly empty.
	Message string
	// SenderFault is true when the request was at fault (retrying the same
	// entry fails again) and false when SQS was.
	SenderFault bool
}

// Error describes the rejection: code, message and whether the sender was at fault.
func (e *EntryError) Error() string {
	return fmt.Sprintf("sqs rejected entry: %s: %s (sender fault: %t)", e.Code, e.Message, e.SenderFault)
}

// errNoResult: SQS listed the entry neither as successful nor as failed.
var errNoResult = errors.New("sqs returned no result for entry")

// Sender sends kitchen messages to one queue. It is safe for concurrent use
// when its client is (the SDK's *sqs.Client is).
type Sender struct {
	client   SendMessageBatchAPI
	queueURL string
}

// New returns a Sender that sends to the queue at queueURL through client.
func New(client SendMessageBatchAPI, queueURL string) *Sender {
	return &Sender{client: client, queueURL: queueURL}
}

// Send sends one message per element of msgs, in SendMessageBatch calls of at
// most MaxBatch entries, one call after another. It returns one error per
// message, aligned with msgs: nil when SQS accepted the message; an
// *EntryError (wrapped, errors.As) when SQS listed it as failed; the wrapped
// call error for every entry of a call that failed as a whole; the context's
// error for messages not sent because ctx was done before their call. Entry
// IDs are the messages' indexes in msgs, so results map back exactly.
//
// A failed call may still have delivered some messages; callers that retry
// deliver them again (the kitchen queue is at-least-once anyway).
func (s *Sender) Send(ctx context.Context, msgs []orders.KitchenMessage) []error {
	errs := make([]error, len(msgs))
	for start := 0; start < len(msgs); start += MaxBatch {
		end := min(start+MaxBatch, len(msgs))
		s.sendBatch(ctx, msgs[start:end], start, errs[start:end])
	}
	return errs
}

// sendBatch sends msgs (at most MaxBatch), whose first element is msgs[base]
// of the caller's slice, and records each result in errs (aligned with msgs).
func (s *Sender) sendBatch(ctx context.Context, msgs []orders.KitchenMessage, base int, errs []error) {
	if err := ctx.Err(); err != nil {
		for i, m := range msgs {
			errs[i] = fmt.Errorf("send order %s: not sent: %w", m.OrderID, err)
		}
		return
	}
	entries := make([]types.SendMessageBatchRequestEntry, 0, len(msgs))
	for i, m := range msgs {
		body, err := json.Marshal(m)
		if err != nil { // cannot happen for a struct of one string, kept for safety
			errs[i] = fmt.Errorf("send order %s: encode: %w", m.OrderID, err)
			continue
		}
		entries = append(entries, types.SendMessageBatchRequestEntry{
			Id:          aws.String(strconv.Itoa(base + i)),
			MessageBody: aws.String(string(body)),
		})
	}
	if len(entries) == 0 {
		return
	}
	out, err := s.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{
		QueueUrl: aws.String(s.queueURL),
		Entries:  entries,
	})
	if err != nil {
		for i, m := range msgs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("send order %s: send message batch: %w", m.OrderID, err)
			}
		}
		return
	}

	// Every entry must come back as successful or failed; anything SQS did not
	// mention is reported as failed rather than assumed delivered.
	done := make([]bool, len(msgs))
	index := func(id *string) (int, bool) {
		n, err := strconv.Atoi(aws.ToString(id))
		if err != nil || n < base || n >= base+len(msgs) {
			return 0, false
		}
		return n - base, true
	}
	for _, ok := range out.Successful {
		if i, found := index(ok.Id); found {
			done[i] = true
		}
	}
	for _, f := range out.Failed {
		if i, found := index(f.Id); found {
			errs[i] = fmt.Errorf("send order %s: %w", msgs[i].OrderID, &EntryError{
				Code:        aws.ToString(f.Code),
				Message:     aws.ToString(f.Message),
				SenderFault: f.SenderFault,
			})
		}
	}
	for i, m := range msgs {
		if !done[i] && errs[i] == nil {
			errs[i] = fmt.Errorf("send order %s: %w", m.OrderID, errNoResult)
		}
	}
}
