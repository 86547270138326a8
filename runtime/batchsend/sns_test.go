package batchsend

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
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
