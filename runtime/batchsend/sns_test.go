package batchsend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

type snsFunc func(*sns.PublishBatchInput) (*sns.PublishBatchOutput, error)

func (f snsFunc) PublishBatch(_ context.Context, in *sns.PublishBatchInput, _ ...func(*sns.Options)) (*sns.PublishBatchOutput, error) {
	return f(in)
}

func TestSNSSend(t *testing.T) {
	var calls []int
	attempts := map[string]int{}
	s := &SNS{TopicARN: "arn:aws:sns:us-east-1:123456789012:notifications", Retry: Retry{Sleep: noWait},
		Client: snsFunc(func(in *sns.PublishBatchInput) (*sns.PublishBatchOutput, error) {
			if aws.ToString(in.TopicArn) != "arn:aws:sns:us-east-1:123456789012:notifications" {
				t.Errorf("got topic %s", aws.ToString(in.TopicArn))
			}
			calls = append(calls, len(in.PublishBatchRequestEntries))
			out := &sns.PublishBatchOutput{}
			for _, e := range in.PublishBatchRequestEntries {
				m := aws.ToString(e.Message)
				attempts[m]++
				switch {
				case m == "n-3" && attempts[m] == 1: // passes
					out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("Throttled")})
				case m == "n-7": // the sender's fault
					out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InvalidParameter"), SenderFault: true})
				default:
					out.Successful = append(out.Successful, types.PublishBatchResultEntry{Id: e.Id, MessageId: aws.String("x")})
				}
			}
			return out, nil
		})}
	var in []types.PublishBatchRequestEntry
	for i := range 12 {
		in = append(in, types.PublishBatchRequestEntry{Message: aws.String(fmt.Sprint("n-", i))})
	}
	errs := s.Send(context.Background(), in)
	if fmt.Sprint(calls) != "[10 2 1]" {
		t.Errorf("got calls of %v entries, want [10 2 1]", calls)
	}
	for i, err := range errs {
		var ee *EntryError
		switch {
		case i == 7 && (!errors.As(err, &ee) || !ee.SenderFault || ee.Retryable || ee.Service != "sns"):
			t.Errorf("entry 7: got %v, want a final sender-fault *EntryError", err)
		case i != 7 && err != nil:
			t.Errorf("entry %d: got %v, want nil", i, err)
		}
	}
	if attempts["n-7"] != 1 || attempts["n-3"] != 2 {
		t.Errorf("got attempts n-3 %d, n-7 %d; want 2 and 1", attempts["n-3"], attempts["n-7"])
	}
}

// A client that answers neither an error nor a response (a fake, a
// middleware that swallowed it) leaves every entry unconfirmed: ErrNoResult,
// never a panic. Likewise for SQS and EventBridge.
func TestNilOutputIsNoResult(t *testing.T) {
	sendsNil := map[string]func() []error{
		"sqs": func() []error {
			s := &SQS{QueueURL: "q", Retry: Retry{MaxAttempts: 1}, Client: sqsFunc(func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) { return nil, nil })}
			return s.Send(context.Background(), bodies(2, "o-"))
		},
		"sns": func() []error {
			s := &SNS{TopicARN: "t", Retry: Retry{MaxAttempts: 1}, Client: snsFunc(func(*sns.PublishBatchInput) (*sns.PublishBatchOutput, error) { return nil, nil })}
			return s.Send(context.Background(), []types.PublishBatchRequestEntry{{Message: aws.String("a")}, {Message: aws.String("b")}})
		},
		"eventbridge": func() []error {
			s := &EventBridge{Retry: Retry{MaxAttempts: 1}, Client: putFunc(func(*eventbridge.PutEventsInput) (*eventbridge.PutEventsOutput, error) { return nil, nil })}
			return s.Send(context.Background(), evs(2))
		},
	}
	for name, send := range sendsNil {
		errs := send()
		if len(errs) != 2 || !errors.Is(errs[0], ErrNoResult) || !errors.Is(errs[1], ErrNoResult) {
			t.Errorf("%s: got %v, want ErrNoResult for both entries", name, errs)
		}
	}
}

// MaxBytes above the service's limit counts as the limit: a message over
// it is refused before the call, never sent along with others that the
// call's failure would then fail too.
func TestMaxBytesCappedAtTheServiceLimit(t *testing.T) {
	var calls [][]string
	s := &SQS{QueueURL: "q", MaxBytes: 4 << 20, Client: sqsFunc(func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		out := &sqs.SendMessageBatchOutput{}
		var got []string
		for _, e := range in.Entries {
			got = append(got, fmt.Sprint(len(aws.ToString(e.MessageBody))))
			out.Successful = append(out.Successful, sqstypes.SendMessageBatchResultEntry{Id: e.Id})
		}
		calls = append(calls, got)
		return out, nil
	})}
	big := strings.Repeat("x", SQSMaxBytes+1)
	errs := s.Send(context.Background(), []sqstypes.SendMessageBatchRequestEntry{{MessageBody: aws.String(big)}, {MessageBody: aws.String("small")}})
	var tl *TooLargeError
	if !errors.As(errs[0], &tl) || errs[1] != nil {
		t.Errorf("got %v, want *TooLargeError for the big one and nil for the small one", errs)
	}
	if len(calls) != 1 || len(calls[0]) != 1 || calls[0][0] != "5" {
		t.Errorf("got calls %v, want one call with the small message only", calls)
	}
}
