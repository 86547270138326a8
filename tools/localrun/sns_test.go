package localrun

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"
)

// TestFakeSNSSpeaksTheSDKProtocol drives the fake with the real SDK client:
// a publish with a JSON message structure and attributes, and the
// rejections SNS would give.
func TestFakeSNSSpeaksTheSDKProtocol(t *testing.T) {
	const topic = "arn:aws:sns:us-east-1:000000000000:Notifications"
	fake := &FakeSNS{Topics: []string{topic}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := sns.NewFromConfig(SDKConfig("us-east-1"), func(o *sns.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	ctx := context.Background()
	str := func(s string) types.MessageAttributeValue {
		return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(s)}
	}
	in := func() *sns.PublishInput {
		return &sns.PublishInput{
			TopicArn:          aws.String(topic),
			Message:           aws.String(`{"default":"{\"orderId\":\"a\"}","email":"Order a is <ready> & waiting"}`),
			MessageStructure:  aws.String("json"),
			Subject:           aws.String("Your order is ready"),
			MessageAttributes: map[string]types.MessageAttributeValue{"eventType": str("OrderReady"), "eventId": str("evt_1")},
		}
	}
	out, err := c.Publish(ctx, in())
	if err != nil {
		t.Fatal(err)
	}
	got := fake.Messages()
	if len(got) != 1 || got[0].MessageID != aws.ToString(out.MessageId) || got[0].TopicARN != topic ||
		got[0].Message != aws.ToString(in().Message) || got[0].Subject != "Your order is ready" || got[0].MessageStructure != "json" ||
		got[0].Attributes["eventType"] != "OrderReady" || got[0].Attributes["eventId"] != "evt_1" || len(got[0].Attributes) != 2 {
		t.Errorf("recorded: got %+v, want the message as published with ID %s", got, aws.ToString(out.MessageId))
	}

	tests := []struct {
		name   string
		edit   func(*sns.PublishInput)
		want   string
		wantIn string
	}{
		{"no default in the JSON structure", func(p *sns.PublishInput) { p.Message = aws.String(`{"email":"x"}`) }, "InvalidParameter", "No default entry"},
		{"JSON structure that is not JSON", func(p *sns.PublishInput) { p.Message = aws.String(`hello`) }, "InvalidParameter", "failed to parse"},
		{"subject with a line break", func(p *sns.PublishInput) { p.Subject = aws.String("a\nb") }, "InvalidParameter", "Subject"},
		{"attribute without a value", func(p *sns.PublishInput) { p.MessageAttributes["eventId"] = str("") }, "ParameterValueInvalid", "eventId"},
		{"unknown topic", func(p *sns.PublishInput) { p.TopicArn = aws.String(topic + "2") }, "NotFound", "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := in()
			tt.edit(p)
			_, err := c.Publish(ctx, p)
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tt.want || !strings.Contains(api.ErrorMessage(), tt.wantIn) {
				t.Errorf("got %v, want %s mentioning %q", err, tt.want, tt.wantIn)
			}
		})
	}
	if n := len(fake.Messages()); n != 1 {
		t.Errorf("got %d messages recorded, want only the accepted one", n)
	}
}
