package metrics_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"

	"github.com/example/orderflow/runtime/metrics"
)

func Example() {
	var stdout bytes.Buffer // os.Stdout in a function
	m := metrics.New(&stdout, "OrderFlow", metrics.Dimension{Name: "Service", Value: "kitchen"})
	m.Emit(context.Background(), metrics.Count("OrdersPrepared", 3))
	// The line carries the time of the call; the example shows it as T.
	fmt.Print(regexp.MustCompile(`"Timestamp":\d+`).ReplaceAllString(stdout.String(), `"Timestamp":T`))
	// Output:
	// {"_aws":{"Timestamp":T,"CloudWatchMetrics":[{"Namespace":"OrderFlow","Dimensions":[["Service"]],"Metrics":[{"Name":"OrdersPrepared","Unit":"Count"}]}]},"Service":"kitchen","OrdersPrepared":3}
}
