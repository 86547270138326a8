package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/example/orderflow/runtime/internal/coldstart"
)

// orderFlow makes an Emitter as the order flow's functions do: namespace
// OrderFlow, dimensions Service and Stage.
func orderFlow(w *bytes.Buffer, service, stage string) *Emitter {
	return New(w, "OrderFlow", Dimension{"Service", service}, Dimension{"Stage", stage})
}

func TestEmitWritesOneEMFLine(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "OrderFlow-dev-Service-Api")
	var buf bytes.Buffer
	e := orderFlow(&buf, "api", "dev")
	e.now = func() time.Time { return time.UnixMilli(1767225600123) }
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	if err := e.Emit(ctx, Count("OrdersCreated", 1)); err != nil {
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
		ms      []Metric
		want    map[string]any // decoded line; nil: nothing written
	}{
		{name: "two metrics in one line", service: "importer", stage: "prod",
			ms: []Metric{Count("OrdersCreated", 7), Count("ImportRowsRejected", 0)},
			want: map[string]any{"Service": "importer", "Stage": "prod", "OrdersCreated": 7.0, "ImportRowsRejected": 0.0,
				"metrics": []any{"OrdersCreated", "ImportRowsRejected"}, "units": []any{"Count", "Count"}}},
		{name: "unnamed metrics are skipped", service: "sweeper", stage: "dev",
			ms:   []Metric{Count("", 4), Count("StaleOrdersResent", 2)},
			want: map[string]any{"Service": "sweeper", "Stage": "dev", "StaleOrdersResent": 2.0, "metrics": []any{"StaleOrdersResent"}}},
		{name: "NaN and infinities are skipped", service: "api", stage: "dev",
			ms:   []Metric{{Name: "a", Value: math.NaN()}, {Name: "b", Value: math.Inf(1)}, {Name: "c", Unit: UnitMilliseconds, Value: 1.5}},
			want: map[string]any{"c": 1.5, "metrics": []any{"c"}, "units": []any{"Milliseconds"}}},
		{name: "unit defaults to Count", service: "api", stage: "dev",
			ms:   []Metric{{Name: "n", Value: 3}},
			want: map[string]any{"n": 3.0, "units": []any{"Count"}}},
		{name: "nothing to write", service: "api", stage: "dev", ms: []Metric{Count("", 1)}},
		{name: "strings are escaped", service: "a\"b\\c\n\xff", stage: "dév",
			ms:   []Metric{Count("OrdersCreated", -1)},
			want: map[string]any{"Service": "a\"b\\c\n\ufffd", "Stage": "dév", "OrdersCreated": -1.0, "metrics": []any{"OrdersCreated"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := orderFlow(&buf, tt.service, tt.stage).Emit(context.Background(), tt.ms...); err != nil {
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
			doc := decodeLine(t, buf.Bytes())
			for k, v := range tt.want {
				if got := doc[k]; mustJSON(got) != mustJSON(v) {
					t.Errorf("%s: got %s, want %s", k, mustJSON(got), mustJSON(v))
				}
			}
			if _, ok := doc["requestId"]; ok {
				t.Errorf("requestId %v without a Lambda context, want none", doc["requestId"])
			}
		})
	}
}

// decodeLine decodes one EMF line and adds "metrics" and "units": the
// declared names and units, in order.
func decodeLine(t *testing.T, line []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatalf("line %s is not JSON: %v", line, err)
	}
	aws := doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
	var names, units []any
	for _, m := range aws["Metrics"].([]any) {
		names = append(names, m.(map[string]any)["Name"])
		units = append(units, m.(map[string]any)["Unit"])
	}
	doc["metrics"], doc["units"] = names, units
	return doc
}

// More than 100 metrics make several documents, each within the limit.
func TestEmitSplitsAt100(t *testing.T) {
	var ms []Metric
	for i := range 250 {
		ms = append(ms, Count(fmt.Sprint("m", i), int64(i)))
	}
	var buf bytes.Buffer
	if err := orderFlow(&buf, "api", "dev").Emit(context.Background(), ms...); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3 (100, 100, 50)", len(lines))
	}
	for i, want := range []int{100, 100, 50} {
		if got := len(decodeLine(t, []byte(lines[i]))["metrics"].([]any)); got != want {
			t.Errorf("line %d: got %d metrics, want %d", i, got, want)
		}
	}
}

func TestAddFlush(t *testing.T) {
	var buf bytes.Buffer
	e := orderFlow(&buf, "api", "dev")
	e.Add(Metric{Name: "Latency", Unit: UnitMilliseconds, Value: 12}, Count("Orders", 1))
	e.Add(Metric{Name: "Latency", Unit: UnitMilliseconds, Value: 30}, Count("Orders", 1))
	for range 150 {
		e.Add(Count("Many", 1))
	}
	if err := e.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (150 values of Many: 100 + 50)", len(lines))
	}
	first := decodeLine(t, []byte(lines[0]))
	if got := mustJSON(first["Latency"]); got != "[12,30]" {
		t.Errorf("Latency: got %s, want [12,30]", got)
	}
	if got := mustJSON(first["Orders"]); got != "[1,1]" {
		t.Errorf("Orders: got %s, want [1,1]", got)
	}
	if got := len(first["Many"].([]any)); got != 100 {
		t.Errorf("Many in line 1: got %d values, want 100", got)
	}
	if second := decodeLine(t, []byte(lines[1])); len(second["Many"].([]any)) != 50 || second["Latency"] != nil {
		t.Errorf("line 2: got %s, want only Many with 50 values", lines[1])
	}
	buf.Reset()
	if err := e.Flush(context.Background()); err != nil || buf.Len() != 0 {
		t.Errorf("second Flush: got %q (%v), want nothing: Flush forgets", buf.String(), err)
	}
}

// A metric CloudWatch could not take is left out with a *MetricError; the
// line's other metrics are written, and every top-level member once.
func TestEmitInvalidMetrics(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	tests := []struct {
		name      string
		ms        []Metric
		wantErrs  []string // metric names with a *MetricError
		wantWrote map[string]any
	}{
		{name: "named as a dimension", ms: []Metric{Count("Service", 1), Count("Orders", 2)},
			wantErrs: []string{"Service"}, wantWrote: map[string]any{"Service": "kitchen", "Orders": 2.0, "metrics": []any{"Orders"}}},
		{name: "named _aws", ms: []Metric{Count("_aws", 1), Count("Orders", 2)},
			wantErrs: []string{"_aws"}, wantWrote: map[string]any{"Orders": 2.0, "metrics": []any{"Orders"}}},
		{name: "named as a property", ms: []Metric{Count("requestId", 1), Count("function", 1), Count("Orders", 2)},
			wantErrs: []string{"requestId", "function"}, wantWrote: map[string]any{"requestId": "req-1", "function": "fn", "metrics": []any{"Orders"}}},
		{name: "unknown unit", ms: []Metric{{Name: "Distance", Unit: "Furlongs", Value: 3}, {Name: "Speed", Unit: UnitMegabitsPerSec, Value: 4}},
			wantErrs: []string{"Distance"}, wantWrote: map[string]any{"Speed": 4.0, "metrics": []any{"Speed"}, "units": []any{"Megabits/Second"}}},
		{name: "a name twice: one metric, its values an array", ms: []Metric{Count("Orders", 1), Count("Other", 5), Count("Orders", 2)},
			wantWrote: map[string]any{"Orders": []any{1.0, 2.0}, "Other": 5.0, "metrics": []any{"Orders", "Other"}}},
		{name: "a name twice with two units: the second left out", ms: []Metric{Count("Latency", 1), {Name: "Latency", Unit: UnitSeconds, Value: 2}},
			wantErrs: []string{"Latency"}, wantWrote: map[string]any{"Latency": 1.0, "units": []any{"Count"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
			err := orderFlow(&buf, "kitchen", "dev").Emit(ctx, tt.ms...)
			for _, name := range tt.wantErrs {
				if !errors.Is(err, ErrInvalidMetric) || !strings.Contains(fmt.Sprint(err), fmt.Sprintf("metric %q left out", name)) {
					t.Errorf("got error %v, want a *MetricError for %s", err, name)
				}
			}
			if len(tt.wantErrs) == 0 && err != nil {
				t.Errorf("got error %v, want nil", err)
			}
			doc := decodeLine(t, buf.Bytes())
			for k, v := range tt.wantWrote {
				if got := doc[k]; mustJSON(got) != mustJSON(v) {
					t.Errorf("%s: got %s, want %s", k, mustJSON(got), mustJSON(v))
				}
			}
		})
	}
}

// Flush leaves out what Emit does.
func TestFlushInvalidMetrics(t *testing.T) {
	var buf bytes.Buffer
	e := orderFlow(&buf, "kitchen", "dev")
	e.Add(Count("Stage", 1), Count("Orders", 1), Metric{Name: "Orders", Unit: UnitBytes, Value: 9}, Count("Orders", 2))
	err := e.Flush(context.Background())
	if !errors.Is(err, ErrInvalidMetric) || strings.Count(err.Error(), "left out") != 2 {
		t.Errorf("got error %v, want two *MetricError (Stage, the Bytes value of Orders)", err)
	}
	if doc := decodeLine(t, buf.Bytes()); mustJSON(doc["Orders"]) != "[1,2]" || doc["Stage"] != "dev" {
		t.Errorf("got %s, want Orders [1,2] and the Stage dimension kept", buf.String())
	}
}

// A dimension named "_aws" or as an earlier one is left out; one named
// "function" or "requestId" takes the property's place.
func TestNewDimensionNames(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	var buf bytes.Buffer
	e := New(&buf, "NS", Dimension{"_aws", "x"}, Dimension{"Service", "a"}, Dimension{"Service", "b"}, Dimension{"function", "api"}, Dimension{"requestId", "r"})
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	if err := e.Emit(ctx, Count("Orders", 1)); err != nil {
		t.Fatal(err)
	}
	doc := decodeLine(t, buf.Bytes())
	dims := doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)["Dimensions"]
	if got := mustJSON(dims); got != `[["Service","function","requestId"]]` {
		t.Errorf("dimensions: got %s, want Service, function, requestId", got)
	}
	if doc["Service"] != "a" || doc["function"] != "api" || doc["requestId"] != "r" {
		t.Errorf("got %s, want Service a, function api, requestId r", buf.String())
	}
}

func TestUnitValid(t *testing.T) {
	for _, u := range []Unit{"", UnitCount, UnitTerabitsPerSec, UnitGigabytes, UnitNone} {
		if !u.Valid() {
			t.Errorf("%q: got invalid, want valid", u)
		}
	}
	for _, u := range []Unit{"count", "Furlongs", "Bytes/Sec"} {
		if u.Valid() {
			t.Errorf("%q: got valid, want invalid", u)
		}
	}
}

func TestEmitColdStart(t *testing.T) {
	coldstart.Reset()
	var buf bytes.Buffer
	e := orderFlow(&buf, "api", "dev")
	for _, id := range []string{"req-1", "req-2"} {
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: id})
		if err := e.EmitColdStart(ctx); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1 (the first invocation only)", len(lines))
	}
	if doc := decodeLine(t, []byte(lines[0])); doc["ColdStart"] != 1.0 || doc["requestId"] != "req-1" {
		t.Errorf("got %s, want ColdStart 1 of req-1", lines[0])
	}
}

func TestNilEmitterWritesNothing(t *testing.T) {
	var e *Emitter
	if err := e.Emit(context.Background(), Count("OrdersCreated", 1)); err != nil {
		t.Errorf("got %v, want nil", err)
	}
	e.Add(Count("x", 1))
	if err := e.Flush(context.Background()); err != nil {
		t.Errorf("got %v, want nil", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestEmitReturnsTheWritersError(t *testing.T) {
	if err := New(failingWriter{}, "OrderFlow").Emit(context.Background(), Count("OrdersCreated", 1)); err == nil || err.Error() != "closed" {
		t.Errorf("got %v, want the writer's error", err)
	}
}

// Emitting is one line per call and no allocation once the buffer has grown:
// cheap enough for every invocation.
func TestEmitAllocatesNothing(t *testing.T) {
	var buf bytes.Buffer
	e := orderFlow(&buf, "kitchen", "dev")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	ms := []Metric{Count("OrdersPrepared", 10), Count("OrdersCreated", 1)}
	e.Emit(ctx, ms...)
	allocs := testing.AllocsPerRun(100, func() {
		buf.Reset()
		e.Emit(ctx, ms...)
	})
	if allocs != 0 {
		t.Errorf("got %v allocations per Emit, want 0", allocs)
	}
}

func BenchmarkEmit(b *testing.B) {
	var buf bytes.Buffer
	e := New(&buf, "OrderFlow", Dimension{"Service", "kitchen"}, Dimension{"Stage", "dev"})
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	ms := []Metric{Count("OrdersPrepared", 10)}
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		e.Emit(ctx, ms...)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
