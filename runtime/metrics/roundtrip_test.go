package metrics_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/example/orderflow/internal/metrics"
	"github.com/example/orderflow/internal/metrics/metricstest"
)

// What Emit writes, metricstest (the handlers' tests) reads back as valid EMF,
// and log lines between EMF lines are skipped.
func TestEmitRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	e := metrics.New(&buf, "importer", "dev")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-7"})
	e.Emit(ctx, metrics.Count{Name: metrics.OrdersCreated, Value: 2}, metrics.Count{Name: metrics.ImportRowsRejected, Value: 1})
	buf.WriteString(`{"level":"INFO","msg":"file imported"}` + "\n")
	e.Emit(ctx, metrics.Count{Name: metrics.OrdersCreated, Value: 3})
	lines := metricstest.Lines(t, buf.Bytes())
	if len(lines) != 2 {
		t.Fatalf("got %d EMF lines, want 2", len(lines))
	}
	if got := lines[0].Dimensions; got["Service"] != "importer" || got["Stage"] != "dev" {
		t.Errorf("dimensions: got %v, want Service=importer Stage=dev", got)
	}
	if got := lines[0].Properties["requestId"]; got != "req-7" {
		t.Errorf("requestId: got %q, want req-7", got)
	}
	totals := metricstest.Totals(t, buf.Bytes())
	if totals[metrics.OrdersCreated] != 5 || totals[metrics.ImportRowsRejected] != 1 {
		t.Errorf("totals: got %v, want OrdersCreated 5, ImportRowsRejected 1", totals)
	}
}
