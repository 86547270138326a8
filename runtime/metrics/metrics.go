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
	"errors"
	"fmt"
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

// The CloudWatch units (CloudWatch API Reference, MetricDatum, Unit).
const (
	UnitCount           Unit = "Count"
	UnitNone            Unit = "None"
	UnitPercent         Unit = "Percent"
	UnitSeconds         Unit = "Seconds"
	UnitMilliseconds    Unit = "Milliseconds"
	UnitMicroseconds    Unit = "Microseconds"
	UnitBytes           Unit = "Bytes"
	UnitKilobytes       Unit = "Kilobytes"
	UnitMegabytes       Unit = "Megabytes"
	UnitGigabytes       Unit = "Gigabytes"
	UnitTerabytes       Unit = "Terabytes"
	UnitBits            Unit = "Bits"
	UnitKilobits        Unit = "Kilobits"
	UnitMegabits        Unit = "Megabits"
	UnitGigabits        Unit = "Gigabits"
	UnitTerabits        Unit = "Terabits"
	UnitCountPerSec     Unit = "Count/Second"
	UnitBytesPerSec     Unit = "Bytes/Second"
	UnitKilobytesPerSec Unit = "Kilobytes/Second"
	UnitMegabytesPerSec Unit = "Megabytes/Second"
	UnitGigabytesPerSec Unit = "Gigabytes/Second"
	UnitTerabytesPerSec Unit = "Terabytes/Second"
	UnitBitsPerSec      Unit = "Bits/Second"
	UnitKilobitsPerSec  Unit = "Kilobits/Second"
	UnitMegabitsPerSec  Unit = "Megabits/Second"
	UnitGigabitsPerSec  Unit = "Gigabits/Second"
	UnitTerabitsPerSec  Unit = "Terabits/Second"
)

// Valid reports whether u is one of the CloudWatch units above (spelled
// exactly so), or "" (the default, UnitCount).
func (u Unit) Valid() bool {
	switch u {
	case "", UnitCount, UnitNone, UnitPercent, UnitSeconds, UnitMilliseconds, UnitMicroseconds,
		UnitBytes, UnitKilobytes, UnitMegabytes, UnitGigabytes, UnitTerabytes,
		UnitBits, UnitKilobits, UnitMegabits, UnitGigabits, UnitTerabits,
		UnitCountPerSec, UnitBytesPerSec, UnitKilobytesPerSec, UnitMegabytesPerSec, UnitGigabytesPerSec, UnitTerabytesPerSec,
		UnitBitsPerSec, UnitKilobitsPerSec, UnitMegabitsPerSec, UnitGigabitsPerSec, UnitTerabitsPerSec:
		return true
	}
	return false
}

// ErrInvalidMetric is what the *MetricError of a metric left out for its
// name or unit matches with errors.Is.
var ErrInvalidMetric = errors.New("metrics: invalid metric")

// MetricError is the error of a metric Emit or Flush left out because
// CloudWatch could not take it: its name is one of the line's own members
// ("_aws", a dimension name, "function", "requestId"), so writing it would
// overwrite that member; or its unit is not a CloudWatch unit; or (Flush,
// and Emit with a name given twice) it has another unit than the first
// value of its name. The line's other metrics are written.
type MetricError struct {
	// Name of the metric.
	Name string
	// Reason it was left out.
	Reason string
}

// Error is "metrics: metric <name> left out: <reason>".
func (e *MetricError) Error() string {
	return fmt.Sprintf("metrics: metric %q left out: %s", e.Name, e.Reason)
}

// Is matches ErrInvalidMetric.
func (e *MetricError) Is(target error) bool { return target == ErrInvalidMetric }

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
	reserved  []string // top-level members of every line: "_aws", the dimension names, "function", "requestId"
	withReqID bool     // no dimension is named "requestId": the property is written
}

// New returns an Emitter writing to w (os.Stdout in a function) with the
// given namespace and dimensions (the first MaxDimensions; each value
// must be non-empty for CloudWatch to accept the metrics; a dimension
// named "_aws" or named as an earlier one is left out). Each line also
// carries the properties "function" (AWS_LAMBDA_FUNCTION_NAME, when set)
// and "requestId" (from the context given to Emit), so a metric line can be
// found next to the log lines of the same invocation; a dimension of the
// same name takes the property's place.
func New(w io.Writer, namespace string, dims ...Dimension) *Emitter {
	e := &Emitter{w: w, namespace: appendString(nil, namespace), now: time.Now, reserved: []string{"_aws"}}
	e.dimNames = append(e.dimNames, '[')
	n := 0
	for _, d := range dims {
		if n == MaxDimensions || e.isReserved(d.Name) {
			continue
		}
		if n > 0 {
			e.dimNames = append(e.dimNames, ',')
			e.props = append(e.props, ',')
		}
		e.dimNames = appendString(e.dimNames, d.Name)
		e.props = appendString(append(appendString(e.props, d.Name), ':'), d.Value)
		e.reserved = append(e.reserved, d.Name)
		n++
	}
	e.dimNames = append(e.dimNames, ']')
	if fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); fn != "" && !e.isReserved("function") {
		if len(e.props) > 0 {
			e.props = append(e.props, ',')
		}
		e.props = appendString(append(e.props, `"function":`...), fn)
	}
	e.withReqID = !e.isReserved("requestId")
	e.reserved = append(e.reserved, "function", "requestId")
	return e
}

func (e *Emitter) isReserved(name string) bool {
	for _, r := range e.reserved {
		if r == name {
			return true
		}
	}
	return false
}

// Emit writes ms now, stamped with the current time in milliseconds: one
// line per MaxMetricsPerDocument metrics, each in one Write. A name given
// more than once is written once with its values as an array (as Flush
// does). Metrics without a name or with a NaN or infinite value are left
// out; with none left it writes nothing. A metric CloudWatch could not take
// (a reserved name, an unknown unit) is left out too, with a *MetricError
// (ErrInvalidMetric) for each, joined to the writer's error, if any: a
// test catches the mistake, a handler in production may ignore it.
func (e *Emitter) Emit(ctx context.Context, ms ...Metric) error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.repeats(ms) {
		return e.writeGrouped(ctx, ms)
	}
	var errs []error
	for _, m := range ms {
		if err := e.check(m); err != nil {
			errs = append(errs, err)
		}
	}
	checked := len(errs) == 0 // every usable metric may be written: no check again
	for len(ms) > 0 {
		n := 0
		end := 0
		for end < len(ms) && n < MaxMetricsPerDocument {
			if e.writable(ms[end], checked) {
				n++
			}
			end++
		}
		if err := e.write(ctx, ms[:end], nil, checked); err != nil {
			return errors.Join(append(errs, err)...)
		}
		ms = ms[end:]
	}
	return errors.Join(errs...)
}

// repeats reports whether two usable metrics of ms share a name. Quadratic,
// with no allocation: a call names a handful of metrics.
func (e *Emitter) repeats(ms []Metric) bool {
	for i := range ms {
		if !usable(ms[i]) {
			continue
		}
		for j := i + 1; j < len(ms); j++ {
			if ms[j].Name == ms[i].Name && usable(ms[j]) {
				return true
			}
		}
	}
	return false
}

// check returns the *MetricError of a usable metric CloudWatch could not
// take, nil for any other.
func (e *Emitter) check(m Metric) error {
	switch {
	case !usable(m):
		return nil
	case e.isReserved(m.Name):
		return &MetricError{Name: m.Name, Reason: "the name is one of the line's own members (_aws, a dimension, function, requestId)"}
	case !m.Unit.Valid():
		return &MetricError{Name: m.Name, Reason: fmt.Sprintf("unit %q is not a CloudWatch unit", m.Unit)}
	}
	return nil
}

// writable reports whether write puts m in a line; checked: m passed check
// already (or failed it and is not usable).
func (e *Emitter) writable(m Metric, checked bool) bool {
	return usable(m) && (checked || e.check(m) == nil)
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
// and forgets it. Call it at the end of each invocation (defer). Metrics
// are left out, and errors returned, as for Emit; so is a value whose unit
// differs from the first value's of its name.
func (e *Emitter) Flush(ctx context.Context) error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	pending := e.pending
	e.pending = nil
	return e.writeGrouped(ctx, pending)
}

// writeGrouped writes ms with the values of one name as one metric, in
// first-seen order, splitting at the document limits. Caller holds e.mu.
func (e *Emitter) writeGrouped(ctx context.Context, ms []Metric) error {
	type series struct {
		m      Metric
		values []float64
	}
	var all []*series
	var errs []error
	byName := map[string]*series{}
	for _, m := range ms {
		if err := e.check(m); err != nil {
			errs = append(errs, err)
			continue
		}
		if !usable(m) {
			continue
		}
		s := byName[m.Name]
		if s == nil {
			s = &series{m: m}
			byName[m.Name] = s
			all = append(all, s)
		} else if unitOf(m) != unitOf(s.m) {
			errs = append(errs, &MetricError{Name: m.Name, Reason: fmt.Sprintf("unit %s differs from its first value's, %s", unitOf(m), unitOf(s.m))})
			continue
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
		if err := e.write(ctx, doc, values, true); err != nil { // only checked metrics in series
			return errors.Join(append(errs, err)...)
		}
		all = rest
	}
	return errors.Join(errs...)
}

// unitOf is m's unit, "" read as UnitCount.
func unitOf(m Metric) Unit {
	if m.Unit == "" {
		return UnitCount
	}
	return m.Unit
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

// write writes one line of the writable metrics of ms (checked: as for
// writable), with values[i] as the values of ms[i] when values is not nil.
// Caller holds e.mu.
func (e *Emitter) write(ctx context.Context, ms []Metric, values [][]float64, checked bool) error {
	b := append(e.buf[:0], `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, e.now().UnixMilli(), 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":`...)
	b = append(b, e.namespace...)
	b = append(b, `,"Dimensions":[`...)
	b = append(b, e.dimNames...)
	b = append(b, `],"Metrics":[`...)
	n := 0
	for _, m := range ms {
		if !e.writable(m, checked) {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = appendString(append(b, `{"Name":`...), m.Name)
		b = appendString(append(b, `,"Unit":`...), string(unitOf(m)))
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
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" && e.withReqID {
		b = appendString(append(b, `"requestId":`...), lc.AwsRequestID)
		b = append(b, ',')
	}
	for i, m := range ms {
		if !e.writable(m, checked) {
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
