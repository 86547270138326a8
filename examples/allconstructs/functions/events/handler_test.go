package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
)

func TestEvents(t *testing.T) {
	tests := []struct {
		fixture string
		want    []string // in the log line
	}{
		{"sns-event.json", []string{`"source":"sns"`, `"topic":"arn:aws:sns:us-east-1:123456789012:acme-orders"`}},
		{"object-created.json", []string{`"source":"aws.s3"`, `"key":"inbox/report.csv"`}},
		{"scheduled-event.json", []string{`"source":"aws.events"`, `"detailType":"Scheduled Event"`}},
		{"custom-bus-event.json", []string{`"source":"acme.orders"`, `"detailType":"OrderPlaced"`}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/" + tt.fixture)
			if err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			h := &Handler{Log: slog.New(slog.NewJSONHandler(&log, nil))}
			if err := h.Handle(context.Background(), raw); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(log.String(), w) {
					t.Errorf("got log %s, want it to contain %s", log.String(), w)
				}
			}
		})
	}
}

func TestUnreadableEventsAreErrors(t *testing.T) {
	h := &Handler{Log: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))}
	for _, raw := range []string{
		`{"Records":[{"EventSource":"aws:sqs"}]}`,
		`{"id":"1","source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"}}}`,
		`{"hello":"world"}`,
		`[]`,
	} {
		if err := h.Handle(context.Background(), json.RawMessage(raw)); err == nil {
			t.Errorf("%s: got no error, want one", raw)
		}
	}
}
