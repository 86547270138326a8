package metrics_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
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

// Metrics named as a line's own members and dimensions named twice leave
// every member written once: metricstest.Lines, which fails a test on a
// member written twice, reads the lines back.
func TestCollidingNamesStayValidEMF(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	var buf bytes.Buffer
	e := metrics.New(&buf, "NS", metrics.Dimension{Name: "Service", Value: "a"}, metrics.Dimension{Name: "Service", Value: "b"},
		metrics.Dimension{Name: "_aws", Value: "x"}, metrics.Dimension{Name: "requestId", Value: "r"})
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	e.Emit(ctx, metrics.Count("Service", 1), metrics.Count("_aws", 1), metrics.Count("function", 1),
		metrics.Count("requestId", 1), metrics.Count("Orders", 1), metrics.Count("Orders", 2))
	e.Add(metrics.Count("Service", 1), metrics.Count("Orders", 3))
	e.Flush(ctx)
	if totals := metricstest.Totals(t, buf.Bytes()); len(totals) != 1 || totals["Orders"] != 6 {
		t.Errorf("got totals %v, want only Orders 6", totals)
	}
}

// fatalTB records a Fatalf and ends the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// metricstest.Lines fails on what CloudWatch would misread: a member
// written twice, an unknown unit.
func TestLinesRejects(t *testing.T) {
	for name, line := range map[string]string{
		"member twice": `{"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"NS","Dimensions":[["Service"]],"Metrics":[{"Name":"Service","Unit":"Count"}]}]},"Service":"a","Service":1}`,
		"unknown unit": `{"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"NS","Dimensions":[[]],"Metrics":[{"Name":"D","Unit":"Furlongs"}]}]},"D":1}`,
	} {
		tb := &fatalTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			metricstest.Lines(tb, []byte(line+"\n"))
		}()
		<-done
		if tb.msg == "" {
			t.Errorf("%s: Lines accepted %s, want a failure", name, line)
		}
	}
}
