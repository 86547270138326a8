package logging_test

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/example/orderflow/runtime/logging"
)

func Example() {
	log := logging.New(os.Stdout, slog.String("service", "kitchen"))
	// Lambda gives the handler this context; here it is made by hand.
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	log = slog.New(noTime{log.Handler()}) // for a stable output; not in a function

	log.InfoContext(ctx, "order ready", "orderId", "o-1")
	// Output:
	// {"level":"INFO","msg":"order ready","service":"kitchen","orderId":"o-1","requestId":"req-1","coldStart":true}
}

// noTime drops the record's time: slog's JSON handler leaves a zero time
// out, and the example's output must not change from run to run.
type noTime struct{ slog.Handler }

func (h noTime) Handle(ctx context.Context, r slog.Record) error {
	r.Time = time.Time{}
	return h.Handler.Handle(ctx, r)
}
