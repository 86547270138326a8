package batchsend

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQS limits (Amazon SQS API Reference, SendMessageBatch): 10 entries per
// call; since August 2025 a message and a whole batch may each hold up to
// 1 MiB (before: 256 KiB). A queue's MaximumMessageSize may be lower: set
// SQS.MaxBytes to it.
const (
	SQSMaxEntries = 10
	SQSMaxBytes   = 1 << 20
)

// SendMessageBatchAPI is the SQS operation an SQS sender calls
// (*sqs.Client has it).
type SendMessageBatchAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// SQS sends messages to one queue. Safe for concurrent use when its Client
// is (the SDK's is).
type SQS struct {
	// Client calls SQS. Required.
	Client SendMessageBatchAPI
	// QueueURL is the queue's URL. Required.
	QueueURL string
	// MaxBytes is the most a message, and a call, may hold, counted as SQS
	// does: the body and each message attribute's name, type and value.
	// Default (0), and the most it can be: SQSMaxBytes.
	MaxBytes int
	// Retry configures sending failed entries again.
	Retry Retry
}

// Send sends one message per entry and returns one error per entry,
// aligned with entries: nil when SQS accepted it; *EntryError (errors.As)
// when SQS listed it as failed (sent again, up to Retry.MaxAttempts, unless
// SenderFault); *TooLargeError when it exceeds MaxBytes (not sent);
// ErrNoResult when the response mentioned it neither way; the call's error
// for every entry of a call that failed as a whole; the context's error
// (wrapped) for entries not sent because ctx was done. Each entry's Id is
// set to its index in its call (SQS requires unique Ids per call): an Id
// given is replaced.
//
// A failed call may still have delivered some messages; callers that retry
// deliver them again (SQS standard queues are at-least-once anyway). On a
// FIFO queue an entry sent again lands after the entries of its message
// group that the same call delivered: where order within a group matters,
// set Retry.MaxAttempts to 1 and fail the record that produced the entry,
// so that its whole group comes again.
func (s *SQS) Send(ctx context.Context, entries []types.SendMessageBatchRequestEntry) []error {
	max := SQSMaxBytes
	if s.MaxBytes > 0 {
		max = min(s.MaxBytes, SQSMaxBytes)
	}
	return send(ctx, entries, limits{entries: SQSMaxEntries, entryBytes: max, callBytes: max}, SQSEntrySize, s.Retry,
		func(ctx context.Context, batch []types.SendMessageBatchRequestEntry) ([]outcome, error) {
			for j := range batch {
				batch[j].Id = aws.String(strconv.Itoa(j))
			}
			out, err := s.Client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(s.QueueURL), Entries: batch})
			if err != nil {
				return nil, fmt.Errorf("send message batch: %w", err)
			}
			out = orEmpty(out)
			return byID("sqs", len(batch), out.Successful, out.Failed,
				func(e types.SendMessageBatchResultEntry) *string { return e.Id },
				func(f types.BatchResultErrorEntry) failedEntry {
					return failedEntry{f.Id, f.Code, f.Message, f.SenderFault}
				}), nil
		})
}

// SQSEntrySize is an entry's size as SQS counts it against its limits: the
// body's bytes and, for each message attribute, its name, data type and
// value.
func SQSEntrySize(e types.SendMessageBatchRequestEntry) int {
	n := len(aws.ToString(e.MessageBody))
	for name, a := range e.MessageAttributes {
		n += len(name) + len(aws.ToString(a.DataType)) + len(aws.ToString(a.StringValue)) + len(a.BinaryValue)
	}
	return n
}
