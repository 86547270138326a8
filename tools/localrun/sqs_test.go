package localrun

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// TestFakeSQSSpeaksTheSDKProtocol drives the fake with the real SDK client,
// whose MD5 checks of message bodies stay on.
func TestFakeSQSSpeaksTheSDKProtocol(t *testing.T) {
	fake := &FakeSQS{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := sqs.NewFromConfig(SDKConfig("us-east-1"), func(o *sqs.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	ctx := context.Background()
	url := QueueURL(srv.URL, "Kitchen")

	out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("0"), MessageBody: aws.String(`{"orderId":"a"}`)},
		{Id: aws.String("1"), MessageBody: aws.String(`{"orderId":"b"}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || len(out.Failed) != 0 {
		t.Errorf("batch: got %d successful, %d failed; want 2, 0", len(out.Successful), len(out.Failed))
	}
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	got := fake.Messages()
	want := []struct{ action, id, body string }{
		{"SendMessageBatch", "0", `{"orderId":"a"}`}, {"SendMessageBatch", "1", `{"orderId":"b"}`}, {"SendMessage", "", "plain"},
	}
	if len(got) != len(want) {
		t.Fatalf("recorded: got %d messages, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Action != w.action || got[i].ID != w.id || got[i].Body != w.body || got[i].QueueURL != url || got[i].MessageID == "" {
			t.Errorf("message %d: got %+v, want %v to %s", i, got[i], w, url)
		}
	}

	if _, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); err == nil {
		t.Error("ReceiveMessage: got no error, want UnsupportedOperation")
	}
}
