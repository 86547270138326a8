// Package metrics writes business metrics as CloudWatch embedded metric
// format (EMF) lines: one JSON object per line on the function's stdout,
// which CloudWatch Logs turns into metrics. No CloudWatch API call, no IAM
// permission (the lines travel with the function's logs), no latency.
//
// A line, for Emit(ctx, Count{Name: OrdersCreated, Value: 1}) by the api
// function of the dev stage:
//
//	{"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"OrderFlow",
//	"Dimensions":[["Service","Stage"]],"Metrics":[{"Name":"OrdersCreated","Unit":"Count"}]}]},
//	"Service":"api","Stage":"dev","function":"...","requestId":"...","OrdersCreated":1}
//
// Stage is a dimension besides Service because stages may share an account:
// without it dev traffic would show in prod's metrics.
//
// With Lambda's JSON log format (the gofunction construct sets it), Lambda
// does not encode a line that already is a JSON object a second time: the
// line reaches CloudWatch Logs as written, and EMF extraction sees it. (The
// metric loss known from older EMF libraries under the JSON format came from
// Node's console.log wrapping the document into a "message" string; a Go
// binary on provided.al2023 writes stdout directly.) Lambda's log-level
// filter reads a line's "level" key and takes a line without one as INFO, so
// an EMF line is kept at application log levels TRACE, DEBUG and INFO and
// dropped at WARN, ERROR and FATAL: keep functions that emit metrics at INFO
// or below.
package metrics

import (
	"context"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Namespace is the CloudWatch namespace of every metric written here.
const Namespace = "OrderFlow"

// Dimension names of every metric: the set [["Service","Stage"]].
const (
	DimensionService = "Service" // the function's short name: "api", "kitchen", ...
	DimensionStage   = "Stage"   // the deployment stage: "dev", "prod"
)

// EnvStage is the environment variable holding the stage, the value of the
// Stage dimension. The service stack sets it on every function.
const EnvStage = "ORDERFLOW_STAGE"

// DefaultStage is the Stage dimension's value when the stage is unknown
// (EnvStage unset, as in local runs).
const DefaultStage = "local"

// The business metrics, all of unit Count.
const (
	// OrdersCreated counts orders stored for the first time: by the api
	// (POST /orders, not idempotent replays) and by the importer (rows of a
	// bulk file, not duplicates of earlier imports).
	OrdersCreated = "OrdersCreated"
	// OrdersPrepared counts orders the kitchen moved to READY.
	OrdersPrepared = "OrdersPrepared"
	// StaleOrdersResent counts stale PENDING orders the sweeper sent to the
	// kitchen again.
	StaleOrdersResent = "StaleOrdersResent"
	// ImportRowsRejected counts rows of bulk files the importer rejected.
	ImportRowsRejected = "ImportRowsRejected"
)

// Count is one value of a metric of unit Count.
type Count struct {
	// Name of the metric, e.g. OrdersCreated.
	Name string
	// Value to add; CloudWatch sums the values of a period.
	Value int64
}

// Emitter writes EMF lines for one service and stage. Its methods are safe
// for concurrent use; a nil *Emitter writes nothing.
type Emitter struct {
	w     io.Writer
	props []byte // `"Service":"api","Stage":"dev","function":"..."` (function only when known)
	now   func() time.Time
	mu    sync.Mutex
	buf   []byte // reused line buffer: Emit allocates nothing once it has grown
}

// New returns an Emitter writing to w (os.Stdout in a function) with
// dimensions Service=service (non-empty: CloudWatch rejects an empty
// dimension value) and Stage=stage (DefaultStage when empty). Each
// line also carries the properties "function" (AWS_LAMBDA_FUNCTION_NAME, when
// set) and "requestId" (from the context given to Emit), so a metric line
// can be found next to the log lines of the same invocation.
func New(w io.Writer, service, stage string) *Emitter {
	if stage == "" {
		stage = DefaultStage
	}
	props := appendString([]byte(`"`+DimensionService+`":`), service)
	props = appendString(append(props, `,"`+DimensionStage+`":`...), stage)
	if fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); fn != "" {
		props = appendString(append(props, `,"function":`...), fn)
	}
	return &Emitter{w: w, props: props, now: time.Now}
}

// Emit writes one line holding counts (distinct names), stamped with the
// current time in milliseconds, in one Write to the writer. Counts with an
// empty name are skipped; with none left it writes nothing. The error is the
// writer's: a handler has nothing better to do with it than ignore it.
func (e *Emitter) Emit(ctx context.Context, counts ...Count) error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b := append(e.buf[:0], `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, e.now().UnixMilli(), 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":"`+Namespace+`","Dimensions":[["`+DimensionService+`","`+DimensionStage+`"]],"Metrics":[`...)
	n := 0
	for _, c := range counts {
		if c.Name == "" {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = appendString(append(b, `{"Name":`...), c.Name)
		b = append(b, `,"Unit":"Count"}`...)
		n++
	}
	if n == 0 {
		return nil
	}
	b = append(append(append(b, `]}]},`...), e.props...), ',')
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		b = appendString(append(b, `"requestId":`...), lc.AwsRequestID)
		b = append(b, ',')
	}
	for _, c := range counts {
		if c.Name != "" {
			b = appendString(b, c.Name)
			b = append(strconv.AppendInt(append(b, ':'), c.Value, 10), ',')
		}
	}
	b[len(b)-1] = '}'
	b = append(b, '\n')
	e.buf = b
	_, err := e.w.Write(b)
	return err
}

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD (as encoding/json does).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			default:
				b = append(b, `\u00`...)
				b = append(b, hex[c>>4], hex[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

const hex = "0123456789abcdef"
