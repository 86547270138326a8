package batchsend_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/orderflow/runtime/batchsend"
)

// fakeSQS stands in for *sqs.Client: it refuses entries whose body is
// "bad", as the sender's fault.
type fakeSQS struct{}

func (fakeSQS) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	fmt.Println("call with", len(in.Entries), "entries")
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		if aws.ToString(e.MessageBody) == "bad" {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InvalidMessageContents"), SenderFault: true})
			continue
		}
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

func Example() {
	q := &batchsend.SQS{Client: fakeSQS{}, QueueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/kitchen"}
	var entries []types.SendMessageBatchRequestEntry
	for i := range 12 {
		body := fmt.Sprintf(`{"orderId":"o-%d"}`, i)
		if i == 11 {
			body = "bad"
		}
		entries = append(entries, types.SendMessageBatchRequestEntry{MessageBody: aws.String(body)})
	}
	for i, err := range q.Send(context.Background(), entries) {
		var ee *batchsend.EntryError
		if errors.As(err, &ee) {
			fmt.Println("entry", i, ee.Code, "retryable:", ee.Retryable)
		}
	}
	// Output:
	// call with 10 entries
	// call with 2 entries
	// entry 11 InvalidMessageContents retryable: false
}
