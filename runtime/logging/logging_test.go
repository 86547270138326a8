package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/example/orderflow/runtime/internal/coldstart"
)

// withTrace puts a trace header where aws-lambda-go puts it.
func withTrace(ctx context.Context, h string) context.Context {
	//lint:ignore SA1029 aws-lambda-go stores the trace header under this string key
	return context.WithValue(ctx, "x-amzn-trace-id", h)
}

func TestEveryLineCarriesTheInvocation(t *testing.T) {
	coldstart.Reset()
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "OrderFlow-dev-Service-Kitchen")
	t.Setenv("AWS_LAMBDA_LOG_LEVEL", "INFO")
	var buf bytes.Buffer
	log := New(&buf, slog.String("service", "kitchen"))
	first := withTrace(lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"}),
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	second := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-2"})
	log.InfoContext(first, "order ready", "orderId", "ord_1")
	log.With("orderId", "ord_2").WarnContext(second, "order not found")
	log.DebugContext(first, "filtered out at INFO")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (DEBUG filtered at INFO):\n%s", len(lines), buf.String())
	}
	want := []map[string]any{
		{"requestId": "req-1", "function": "OrderFlow-dev-Service-Kitchen", "service": "kitchen", "orderId": "ord_1",
			"coldStart": true, "xrayTraceId": "1-5759e988-bd862e3fe1be46a994272793"},
		{"requestId": "req-2", "function": "OrderFlow-dev-Service-Kitchen", "service": "kitchen", "orderId": "ord_2",
			"coldStart": false, "xrayTraceId": nil},
	}
	for i, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		for k, w := range want[i] {
			if rec[k] != w {
				t.Errorf("line %d %s: got %v, want %v", i, k, rec[k], w)
			}
		}
		// "level" is what Lambda's log-level filter reads.
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
		{"error", false, false},
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

func TestTraceID(t *testing.T) {
	tests := []struct{ name, header, want string }{
		{"root first", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "1-5759e988-bd862e3fe1be46a994272793"},
		{"root later", "Parent=53995c3f42cd8ad8; Root=1-abc;Sampled=0", "1-abc"},
		{"no root", "Parent=53995c3f42cd8ad8", ""},
		{"none", "", ""},
	}
	for _, tt := range tests {
		if got := TraceID(withTrace(context.Background(), tt.header)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
