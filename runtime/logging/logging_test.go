package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestEveryLineCarriesRequestIDAndFunction(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "OrderFlow-dev-Service-Kitchen")
	t.Setenv("AWS_LAMBDA_LOG_LEVEL", "INFO")
	var buf bytes.Buffer
	log := New(&buf)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	log.InfoContext(ctx, "order ready", "orderId", "ord_1")
	log.With("orderId", "ord_2").WarnContext(ctx, "order not found")
	log.DebugContext(ctx, "filtered out at INFO")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (DEBUG filtered at INFO):\n%s", len(lines), buf.String())
	}
	for i, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		// "level" is what Lambda's log-level filter reads.
		for k, want := range map[string]any{"requestId": "req-1", "function": "OrderFlow-dev-Service-Kitchen", "orderId": []string{"ord_1", "ord_2"}[i]} {
			if rec[k] != want {
				t.Errorf("line %d %s: got %v, want %v", i, k, rec[k], want)
			}
		}
		if rec["level"] == nil {
			t.Errorf("line %d has no level", i)
		}
	}
}

func TestLevelFollowsLambdaLogLevel(t *testing.T) {
	tests := []struct {
		env       string
		wantDebug bool
		wantInfo  bool
	}{
		{"DEBUG", true, true},
		{"TRACE", true, true},
		{"", false, true},
		{"INFO", false, true},
		{"WARN", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv("AWS_LAMBDA_LOG_LEVEL", tt.env)
			var buf bytes.Buffer
			log := New(&buf)
			log.Debug("d")
			log.Info("i")
			if got := strings.Contains(buf.String(), `"msg":"d"`); got != tt.wantDebug {
				t.Errorf("debug written: got %v, want %v", got, tt.wantDebug)
			}
			if got := strings.Contains(buf.String(), `"msg":"i"`); got != tt.wantInfo {
				t.Errorf("info written: got %v, want %v", got, tt.wantInfo)
			}
		})
	}
}
