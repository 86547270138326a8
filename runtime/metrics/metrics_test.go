package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestEmitWritesOneEMFLine(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "OrderFlow-dev-Service-Api")
	var buf bytes.Buffer
	e := New(&buf, "api", "dev")
	e.now = func() time.Time { return time.UnixMilli(1767225600123) }
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	if err := e.Emit(ctx, Count{Name: OrdersCreated, Value: 1}); err != nil {
		t.Fatal(err)
	}
	want := `{"_aws":{"Timestamp":1767225600123,"CloudWatchMetrics":[{"Namespace":"OrderFlow","Dimensions":[["Service","Stage"]],` +
		`"Metrics":[{"Name":"OrdersCreated","Unit":"Count"}]}]},"Service":"api","Stage":"dev",` +
		`"function":"OrderFlow-dev-Service-Api","requestId":"req-1","OrdersCreated":1}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestEmit(t *testing.T) {
	tests := []struct {
		name    string
		service string
		stage   string
		counts  []Count
		want    map[string]any // decoded line; nil: nothing written
	}{
		{name: "two metrics in one line", service: "importer", stage: "prod",
			counts: []Count{{OrdersCreated, 7}, {ImportRowsRejected, 0}},
			want: map[string]any{"Service": "importer", "Stage": "prod", "OrdersCreated": 7.0, "ImportRowsRejected": 0.0,
				"metrics": []any{"OrdersCreated", "ImportRowsRejected"}}},
		{name: "empty stage is DefaultStage", service: "kitchen",
			counts: []Count{{OrdersPrepared, 3}},
			want:   map[string]any{"Service": "kitchen", "Stage": DefaultStage, "OrdersPrepared": 3.0, "metrics": []any{"OrdersPrepared"}}},
		{name: "unnamed counts are skipped", service: "sweeper", stage: "dev",
			counts: []Count{{"", 4}, {StaleOrdersResent, 2}},
			want:   map[string]any{"Service": "sweeper", "Stage": "dev", "StaleOrdersResent": 2.0, "metrics": []any{"StaleOrdersResent"}}},
		{name: "nothing to write", service: "api", stage: "dev", counts: []Count{{"", 1}}},
		{name: "strings are escaped", service: "a\"b\\c\n\xff", stage: "dév",
			counts: []Count{{OrdersCreated, -1}},
			want:   map[string]any{"Service": "a\"b\\c\n\ufffd", "Stage": "dév", "OrdersCreated": -1.0, "metrics": []any{"OrdersCreated"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := New(&buf, tt.service, tt.stage).Emit(context.Background(), tt.counts...); err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if buf.Len() != 0 {
					t.Errorf("got %q, want nothing written", buf.String())
				}
				return
			}
			if n := strings.Count(buf.String(), "\n"); n != 1 || !strings.HasSuffix(buf.String(), "\n") {
				t.Fatalf("got %q, want exactly one line", buf.String())
			}
			var doc map[string]any
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatalf("line %s is not JSON: %v", buf.String(), err)
			}
			aws := doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
			var names []any
			for _, m := range aws["Metrics"].([]any) {
				names = append(names, m.(map[string]any)["Name"])
			}
			for k, v := range tt.want {
				got := doc[k]
				if k == "metrics" {
					got = names
				}
				if mustJSON(got) != mustJSON(v) {
					t.Errorf("%s: got %s, want %s", k, mustJSON(got), mustJSON(v))
				}
			}
			if _, ok := doc["requestId"]; ok {
				t.Errorf("requestId %v without a Lambda context, want none", doc["requestId"])
			}
		})
	}
}

func TestNilEmitterWritesNothing(t *testing.T) {
	var e *Emitter
	if err := e.Emit(context.Background(), Count{OrdersCreated, 1}); err != nil {
		t.Errorf("got %v, want nil", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestEmitReturnsTheWritersError(t *testing.T) {
	if err := New(failingWriter{}, "api", "dev").Emit(context.Background(), Count{OrdersCreated, 1}); err == nil || err.Error() != "closed" {
		t.Errorf("got %v, want the writer's error", err)
	}
}

// Emitting is one line per call and no allocation once the buffer has grown:
// cheap enough for every invocation.
func TestEmitDoesNotAllocate(t *testing.T) {
	var buf bytes.Buffer
	e := New(&buf, "kitchen", "dev")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	e.Emit(ctx, Count{OrdersPrepared, 10})
	buf.Grow(1 << 16)
	allocs := testing.AllocsPerRun(100, func() {
		buf.Reset()
		e.Emit(ctx, Count{OrdersPrepared, 10}, Count{OrdersCreated, 1})
	})
	if allocs != 0 {
		t.Errorf("got %v allocations per Emit, want 0", allocs)
	}
}

func BenchmarkEmit(b *testing.B) {
	var buf bytes.Buffer
	e := New(&buf, "kitchen", "dev")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		e.Emit(ctx, Count{OrdersPrepared, 10})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
