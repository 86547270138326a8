package batchsend

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// SNS limits (Amazon SNS API Reference, PublishBatch): 10 entries per call;
// a message, and all messages of a call together, may hold the topic's
// MaximumMessageSize: 256 KiB by default, up to 1 MiB when the topic is set
// so (SNS.MaxBytes).
const (
	SNSMaxEntries = 10
	SNSMaxBytes   = 256 * 1024
)

// PublishBatchAPI is the SNS operation an SNS sender calls (*sns.Client
// has it).
type PublishBatchAPI interface {
	PublishBatch(ctx context.Context, in *sns.PublishBatchInput, optFns ...func(*sns.Options)) (*sns.PublishBatchOutput, error)
}

// SNS publishes to one topic. Safe for concurrent use when its Client is.
type SNS struct {
	// Client calls SNS. Required.
	Client PublishBatchAPI
	// TopicARN is the topic's ARN. Required.
	TopicARN string
	// MaxBytes is the topic's MaximumMessageSize. Default (0), and the most
	// it can be: SNSMaxBytes.
	MaxBytes int
	// Retry configures sending failed entries again.
	Retry Retry
}

// Send publishes one message per entry and returns one error per entry,
// as SQS.Send does (SNS's BatchResultErrorEntry has SenderFault too): nil,
// *EntryError, *TooLargeError, ErrNoResult, the call's error, or the
// context's. Each entry's Id is set to its index in its call.
func (s *SNS) Send(ctx context.Context, entries []types.PublishBatchRequestEntry) []error {
	max := SNSMaxBytes
	if s.MaxBytes > 0 {
		max = min(s.MaxBytes, SNSMaxBytes)
	}
	return send(ctx, entries, limits{entries: SNSMaxEntries, entryBytes: max, callBytes: max}, SNSEntrySize, s.Retry,
		func(ctx context.Context, batch []types.PublishBatchRequestEntry) ([]outcome, error) {
			for j := range batch {
				batch[j].Id = aws.String(strconv.Itoa(j))
			}
			out, err := s.Client.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(s.TopicARN), PublishBatchRequestEntries: batch})
			if err != nil {
				return nil, fmt.Errorf("publish batch: %w", err)
			}
			out = orEmpty(out)
			return byID("sns", len(batch), out.Successful, out.Failed,
				func(e types.PublishBatchResultEntry) *string { return e.Id },
				func(f types.BatchResultErrorEntry) failedEntry {
					return failedEntry{f.Id, f.Code, f.Message, f.SenderFault}
				}), nil
		})
}

// SNSEntrySize is an entry's size as SNS counts it: the message's bytes
// and, for each message attribute, its name, data type and value.
func SNSEntrySize(e types.PublishBatchRequestEntry) int {
	n := len(aws.ToString(e.Message))
	for name, a := range e.MessageAttributes {
		n += len(name) + len(aws.ToString(a.DataType)) + len(aws.ToString(a.StringValue)) + len(a.BinaryValue)
	}
	return n
}
