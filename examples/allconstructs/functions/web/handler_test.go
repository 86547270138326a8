package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func handle(t *testing.T, fixture string) any {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + fixture)
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	resp, err := h.Handle(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestHTTPAPIRequest(t *testing.T) {
	resp, ok := handle(t, "apigw-v2-request.json").(events.APIGatewayV2HTTPResponse)
	if !ok {
		t.Fatalf("got %T, want an HTTP API response", resp)
	}
	if resp.StatusCode != 200 || resp.Body != `{"via":"api","method":"GET","path":"/my/path"}` {
		t.Errorf("got %d %s, want 200 and the summary", resp.StatusCode, resp.Body)
	}
}

func TestALBRequests(t *testing.T) {
	tests := []struct {
		name, fixture string
		multiValue    bool
	}{
		{"single-value headers", "alb-request.json", false},
		{"multi-value headers", "alb-request-multivalue.json", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, ok := handle(t, tt.fixture).(events.ALBTargetGroupResponse)
			if !ok {
				t.Fatalf("got %T, want an ALB response", resp)
			}
			if resp.StatusCode != 200 || resp.StatusDescription != "200 OK" || resp.Body != `{"via":"alb","method":"GET","path":"/"}` {
				t.Errorf("got %d %q %s, want 200 OK and the summary", resp.StatusCode, resp.StatusDescription, resp.Body)
			}
			if got := resp.MultiValueHeaders != nil; got != tt.multiValue {
				t.Errorf("got multi-value headers %v, want %v", got, tt.multiValue)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	raw, _ := json.Marshal(map[string]any{"rawPath": "/health", "requestContext": map[string]any{"http": map[string]any{"method": "GET"}}})
	h := &Handler{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	resp, err := h.Handle(context.Background(), raw)
	if err != nil || resp.(events.APIGatewayV2HTTPResponse).Body != `{"status":"ok"}` {
		t.Errorf("got %v, %v; want the health answer", resp, err)
	}
}

func TestNeitherShapeIsAnError(t *testing.T) {
	h := &Handler{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	for _, raw := range []string{`{"Records":[]}`, `[1]`} {
		if _, err := h.Handle(context.Background(), json.RawMessage(raw)); err == nil {
			t.Errorf("%s: got no error, want one", raw)
		}
	}
}
