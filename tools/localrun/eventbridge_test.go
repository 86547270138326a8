package localrun

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"
)

// TestFakeEventBridgeSpeaksTheSDKProtocol drives the fake with the real SDK
// client: accepted, malformed and rejected entries, in order.
func TestFakeEventBridgeSpeaksTheSDKProtocol(t *testing.T) {
	fake := &FakeEventBridge{Reject: func(e PutEvent) string {
		if e.DetailType == "Reject" {
			return "InternalFailure"
		}
		return ""
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := eventbridge.NewFromConfig(SDKConfig("us-east-1"), func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	ctx := context.Background()
	entry := func(detailType, detail string) types.PutEventsRequestEntry {
		return types.PutEventsRequestEntry{EventBusName: aws.String("orders"), Source: aws.String("orderflow.kitchen"),
			DetailType: aws.String(detailType), Detail: aws.String(detail)}
	}
	out, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		entry("OrderReady", `{"orderId":"a"}`),
		entry("OrderReady", `not json`),
		entry("Reject", `{"orderId":"b"}`),
		{Source: aws.String("s"), DetailType: aws.String("OrderReady"), Detail: aws.String(`{"orderId":"c"}`)}, // default bus
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 2 || len(out.Entries) != 4 {
		t.Fatalf("got %d entries, %d failed; want 4, 2", len(out.Entries), out.FailedEntryCount)
	}
	codes := []string{}
	for _, e := range out.Entries {
		codes = append(codes, aws.ToString(e.ErrorCode))
	}
	if codes[0] != "" || codes[1] != "MalformedDetail" || codes[2] != "InternalFailure" || codes[3] != "" ||
		aws.ToString(out.Entries[0].EventId) == "" || aws.ToString(out.Entries[1].EventId) != "" {
		t.Errorf("result entries: got codes %q, want \"\", MalformedDetail, InternalFailure, \"\" with event IDs on the accepted", codes)
	}
	got := fake.Events()
	if len(got) != 2 || got[0].EventBusName != "orders" || got[0].Detail != `{"orderId":"a"}` || got[0].EventID != aws.ToString(out.Entries[0].EventId) ||
		got[1].EventBusName != "default" {
		t.Errorf("recorded: got %+v, want the two accepted events", got)
	}

	_, err = c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: make([]types.PutEventsRequestEntry, 11)})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" {
		t.Errorf("11 entries: got %v, want a ValidationException", err)
	}
	if _, err := c.ListRules(ctx, &eventbridge.ListRulesInput{}); err == nil {
		t.Error("ListRules: got no error, want an unknown operation")
	}
}
