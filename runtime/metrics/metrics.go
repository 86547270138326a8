// Package metrics writes CloudWatch metrics as embedded metric format (EMF)
// documents: one JSON object per line on the function's stdout, which
// CloudWatch Logs turns into metrics. No CloudWatch API call, no IAM
// permission (the lines travel with the function's logs), no latency. It is
// what the gofunction construct's functions emit their business metrics
// with (that construct sets Lambda's JSON log format and the log group the
// lines go to).
//
// A line, for Emit(ctx, Count("OrdersCreated", 1)) of an Emitter made with
// New(os.Stdout, "OrderFlow", Dimension{"Service", "api"}, Dimension{"Stage", "dev"}):
//
//	{"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"OrderFlow",
//	"Dimensions":[["Service","Stage"]],"Metrics":[{"Name":"OrdersCreated","Unit":"Count"}]}]},
//	"Service":"api","Stage":"dev","function":"...","requestId":"...","OrdersCreated":1}
//
// Limits, from the EMF specification (CloudWatch User Guide, "Specification:
// Embedded metric format"): at most 100 metrics per document (Emit and
// Flush write more as several lines), at most 30 dimensions per dimension
// set (New keeps the first 30), a value is a number (NaN and infinities are
// not JSON: such metrics are left out), and up to 100 values per metric in
// one document (Flush writes more as several lines).
//
// Powertools' ColdStart metric: EmitColdStart writes ColdStart 1 (Count) on
// the first invocation of the process, and nothing after.
//
// With Lambda's JSON log format, Lambda does not encode a line that already
// is a JSON object a second time: the line reaches CloudWatch Logs as
// written, and EMF extraction sees it. (The metric loss known from older EMF
// libraries under the JSON format came from Node's console.log wrapping the
// document into a "message" string; a Go binary on provided.al2023 writes
// stdout directly.) Lambda's log-level filter reads a line's "level" key and
// takes a line without one as INFO, so an EMF line is kept at application
// log levels TRACE, DEBUG and INFO and dropped at WARN, ERROR and FATAL:
// keep functions that emit metrics at INFO or below.
package metrics

import (
	"context"
	"io"
	"math"
	"os"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/example/orderflow/runtime/internal/coldstart"
)

// Unit is a CloudWatch metric unit (the MetricDatum Unit values).
type Unit string

// The CloudWatch units.
const (
	UnitCount        Unit = "Count"
	UnitNone         Unit = "None"
	UnitPercent      Unit = "Percent"
	UnitSeconds      Unit = "Seconds"
	UnitMilliseconds Unit = "Milliseconds"
	UnitMicroseconds Unit = "Microseconds"
	UnitBytes        Unit = "Bytes"
	UnitKilobytes    Unit = "Kilobytes"
	UnitMegabytes    Unit = "Megabytes"
	UnitCountPerSec  Unit = "Count/Second"
	UnitBytesPerSec  Unit = "Bytes/Second"
)

// MaxMetricsPerDocument is the EMF specification's limit of metrics in one
// document.
const MaxMetricsPerDocument = 100

// MaxDimensions is the EMF specification's limit of dimensions in one
// dimension set.
const MaxDimensions = 30

// MaxValuesPerMetric is the EMF specification's limit of values of one
// metric in one document.
const MaxValuesPerMetric = 100

// ColdStart is the name of the metric EmitColdStart writes.
const ColdStart = "ColdStart"

// Dimension is one dimension of every metric of an Emitter.
type Dimension struct {
	// Name of the dimension, e.g. "Service".
	Name string
	// Value of the dimension, e.g. "kitchen". CloudWatch rejects an empty
	// value.
	Value string
}

// Metric is one value of a metric.
type Metric struct {
	// Name of the metric, e.g. "OrdersCreated". A metric without a name is
	// left out.
	Name string
	// Unit of the value. Default (""): UnitCount.
	Unit Unit
	// Value; CloudWatch aggregates the values of a period (Sum, Average...).
	Value float64
}

// Count returns a metric of unit Count.
func Count(name string, v int64) Metric {
	return Metric{Name: name, Unit: UnitCount, Value: float64(v)}
}

// Emitter writes EMF lines in one namespace with one dimension set. Its
// methods are safe for concurrent use; a nil *Emitter writes nothing.
type Emitter struct {
	w         io.Writer
	namespace []byte // JSON string
	dimNames  []byte // `["Service","Stage"]`
	props     []byte // `"Service":"api","Stage":"dev","function":"..."` (function only when known)
	now       func() time.Time
	mu        sync.Mutex
	buf       []byte // reused line buffer: Emit allocates nothing once it has grown
	pending   []Metric
}

// New returns an Emitter writing to w (os.Stdout in a function) with the
// given namespace and dimensions (the first MaxDimensions; each value
// must be non-empty for CloudWatch to accept the metrics). Each line also
// carries the properties "function" (AWS_LAMBDA_FUNCTION_NAME, when set)
// and "requestId" (from the context given to Emit), so a metric line can be
// found next to the log lines of the same invocation.
func New(w io.Writer, namespace string, dims ...Dimension) *Emitter {
	if len(dims) > MaxDimensions {
		dims = dims[:MaxDimensions]
	}
	e := &Emitter{w: w, namespace: appendString(nil, namespace), now: time.Now}
	e.dimNames = append(e.dimNames, '[')
	for i, d := range dims {
		if i > 0 {
			e.dimNames = append(e.dimNames, ',')
			e.props = append(e.props, ',')
		}
		e.dimNames = appendString(e.dimNames, d.Name)
		e.props = appendString(append(appendString(e.props, d.Name), ':'), d.Value)
	}
	e.dimNames = append(e.dimNames, ']')
	if fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); fn != "" {
		if len(e.props) > 0 {
			e.props = append(e.props, ',')
		}
		e.props = appendString(append(e.props, `"function":`...), fn)
	}
	return e
}

// Emit writes ms now, stamped with the current time in milliseconds: one
// line per MaxMetricsPerDocument metrics, each in one Write. Names must be
// distinct within a call (a JSON object holds a name once); metrics without
// a name or with a NaN or infinite value are left out; with none left it
// writes nothing. The error is the writer's: a handler has nothing better
// to do with it than ignore it.
func (e *Emitter) Emit(ctx context.Context, ms ...Metric) error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(ms) > 0 {
		n := 0
		end := 0
		for end < len(ms) && n < MaxMetricsPerDocument {
			if usable(ms[end]) {
				n++
			}
			end++
		}
		if err := e.write(ctx, ms[:end], nil); err != nil {
			return err
		}
		ms = ms[end:]
	}
	return nil
}

// Add keeps ms for the next Flush: a function that records metrics while
// it works and writes them once per invocation (Powertools' behaviour).
// Values of one name are kept apart (CloudWatch aggregates them), up to
// MaxValuesPerMetric per line.
func (e *Emitter) Add(ms ...Metric) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pending = append(e.pending, ms...)
}

// Flush writes what Add kept, a metric with several values as an array,
// and forgets it. Call it at the end of each invocation (defer).
func (e *Emitter) Flush(ctx context.Context) error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	pending := e.pending
	e.pending = nil
	// Group values by name, in first-seen order.
	type series struct {
		m      Metric
		values []float64
	}
	var all []*series
	byName := map[string]*series{}
	for _, m := range pending {
		if !usable(m) {
			continue
		}
		s := byName[m.Name]
		if s == nil {
			s = &series{m: m}
			byName[m.Name] = s
			all = append(all, s)
		}
		s.values = append(s.values, m.Value)
	}
	for len(all) > 0 {
		var doc []Metric
		var values [][]float64
		var rest []*series
		for _, s := range all {
			if len(doc) == MaxMetricsPerDocument {
				rest = append(rest, s)
				continue
			}
			take := min(len(s.values), MaxValuesPerMetric)
			doc = append(doc, s.m)
			values = append(values, s.values[:take])
			if take < len(s.values) {
				s.values = s.values[take:]
				rest = append(rest, s)
			}
		}
		if err := e.write(ctx, doc, values); err != nil {
			return err
		}
		all = rest
	}
	return nil
}

// EmitColdStart writes ColdStart 1 when ctx is the first invocation of the
// process (its request ID is the first one seen), and nothing otherwise.
func (e *Emitter) EmitColdStart(ctx context.Context) error {
	if e == nil || !coldstart.Is(ctx) {
		return nil
	}
	return e.Emit(ctx, Count(ColdStart, 1))
}

func usable(m Metric) bool {
	return m.Name != "" && !math.IsNaN(m.Value) && !math.IsInf(m.Value, 0)
}

// write writes one line of the usable metrics of ms, with values[i] as the
// values of ms[i] when values is not nil. Caller holds e.mu.
func (e *Emitter) write(ctx context.Context, ms []Metric, values [][]float64) error {
	b := append(e.buf[:0], `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, e.now().UnixMilli(), 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":`...)
	b = append(b, e.namespace...)
	b = append(b, `,"Dimensions":[`...)
	b = append(b, e.dimNames...)
	b = append(b, `],"Metrics":[`...)
	n := 0
	for _, m := range ms {
		if !usable(m) {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		unit := m.Unit
		if unit == "" {
			unit = UnitCount
		}
		b = appendString(append(b, `{"Name":`...), m.Name)
		b = appendString(append(b, `,"Unit":`...), string(unit))
		b = append(b, '}')
		n++
	}
	if n == 0 {
		return nil
	}
	b = append(b, `]}]},`...)
	if len(e.props) > 0 {
		b = append(append(b, e.props...), ',')
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		b = appendString(append(b, `"requestId":`...), lc.AwsRequestID)
		b = append(b, ',')
	}
	for i, m := range ms {
		if !usable(m) {
			continue
		}
		b = append(appendString(b, m.Name), ':')
		if values == nil || len(values[i]) == 1 {
			v := m.Value
			if values != nil {
				v = values[i][0]
			}
			b = appendNumber(b, v)
		} else {
			b = append(b, '[')
			for j, v := range values[i] {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendNumber(b, v)
			}
			b = append(b, ']')
		}
		b = append(b, ',')
	}
	b[len(b)-1] = '}'
	b = append(b, '\n')
	e.buf = b
	_, err := e.w.Write(b)
	return err
}

// appendNumber writes v as JSON: integers without a fraction or exponent
// up to 2^53, others in the shortest form that reads back the same.
func appendNumber(b []byte, v float64) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
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
