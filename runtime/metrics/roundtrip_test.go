package metrics_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/example/orderflow/runtime/metrics"
	"github.com/example/orderflow/runtime/metrics/metricstest"
)

// What Emit and Flush write, metricstest (the handlers' tests) reads back
// as valid EMF, and log lines between EMF lines are skipped.
func TestEmitRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	e := metrics.New(&buf, "OrderFlow", metrics.Dimension{Name: "Service", Value: "importer"}, metrics.Dimension{Name: "Stage", Value: "dev"})
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-7"})
	e.Emit(ctx, metrics.Count("OrdersCreated", 2), metrics.Count("ImportRowsRejected", 1))
	buf.WriteString(`{"level":"INFO","msg":"file imported"}` + "\n")
	e.Add(metrics.Count("OrdersCreated", 3), metrics.Metric{Name: "ImportMillis", Unit: metrics.UnitMilliseconds, Value: 4.5})
	e.Add(metrics.Count("OrdersCreated", 1))
	e.Flush(ctx)
	lines := metricstest.Lines(t, buf.Bytes())
	if len(lines) != 2 {
		t.Fatalf("got %d EMF lines, want 2", len(lines))
	}
	if got := lines[0].Dimensions; got["Service"] != "importer" || got["Stage"] != "dev" || lines[0].Namespace != "OrderFlow" {
		t.Errorf("got namespace %s dimensions %v, want OrderFlow Service=importer Stage=dev", lines[0].Namespace, got)
	}
	if got := lines[0].Properties["requestId"]; got != "req-7" {
		t.Errorf("requestId: got %q, want req-7", got)
	}
	if got := lines[1].Units["ImportMillis"]; got != metrics.UnitMilliseconds {
		t.Errorf("unit: got %q, want Milliseconds", got)
	}
	totals := metricstest.Totals(t, buf.Bytes())
	if totals["OrdersCreated"] != 6 || totals["ImportRowsRejected"] != 1 || totals["ImportMillis"] != 4.5 {
		t.Errorf("totals: got %v, want OrdersCreated 6, ImportRowsRejected 1, ImportMillis 4.5", totals)
	}
}
