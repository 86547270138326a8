// Package metricstest reads embedded metric format lines back, for tests of
// code that emits them: each line is checked against the parts of the EMF
// specification CloudWatch enforces, so a test that passes has lines
// CloudWatch would turn into metrics.
package metricstest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/example/orderflow/runtime/metrics"
)

// Line is one EMF document, decoded.
type Line struct {
	// Namespace of the document's metrics.
	Namespace string
	// DimensionNames are the names of the dimension set, in order.
	DimensionNames []string
	// Dimensions by name.
	Dimensions map[string]string
	// Values of the metrics the line declares, by name: the sum of the
	// values when a metric has several.
	Values map[string]float64
	// Units by metric name.
	Units map[string]metrics.Unit
	// Properties are the line's other top-level string members
	// (requestId, function).
	Properties map[string]string
}

// Lines returns the EMF lines of out (the lines with an "_aws" member),
// failing t when one does not follow the specification: Timestamp in
// milliseconds, one metric directive with a namespace, one dimension set of
// at most metrics.MaxDimensions names, each a non-empty string member, at
// most metrics.MaxMetricsPerDocument metrics of a known unit, each a number
// or an array of at most metrics.MaxValuesPerMetric numbers, declared once,
// and no top-level member written twice (a JSON reader keeps one of them:
// a metric named as a dimension would overwrite it). Other lines (log
// lines) are skipped.
func Lines(t testing.TB, out []byte) []Line {
	t.Helper()
	var lines []Line
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		raw := sc.Bytes()
		var doc map[string]json.RawMessage
		if json.Unmarshal(raw, &doc) != nil || doc["_aws"] == nil {
			continue
		}
		if k, dup := repeatedMember(raw); dup {
			t.Fatalf("EMF line %s: member %q written twice", raw, k)
		}
		l, err := decode(doc)
		if err != nil {
			t.Fatalf("EMF line %s: %v", raw, err)
		}
		lines = append(lines, l)
	}
	return lines
}

// repeatedMember returns a top-level member name that raw, a JSON object,
// holds more than once.
func repeatedMember(raw []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return "", false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		k, _ := tok.(string)
		if seen[k] {
			return k, true
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
}

// Totals returns the sum of each metric's values over the EMF lines of out.
func Totals(t testing.TB, out []byte) map[string]float64 {
	t.Helper()
	sum := map[string]float64{}
	for _, l := range Lines(t, out) {
		for name, v := range l.Values {
			sum[name] += v
		}
	}
	return sum
}

func decode(doc map[string]json.RawMessage) (Line, error) {
	var meta struct {
		Timestamp         *int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	}
	if err := json.Unmarshal(doc["_aws"], &meta); err != nil {
		return Line{}, fmt.Errorf("_aws: %v", err)
	}
	if meta.Timestamp == nil || *meta.Timestamp < 1e12 {
		return Line{}, fmt.Errorf("_aws.Timestamp %v: want milliseconds since the epoch", meta.Timestamp)
	}
	if len(meta.CloudWatchMetrics) != 1 {
		return Line{}, fmt.Errorf("got %d metric directives, want 1", len(meta.CloudWatchMetrics))
	}
	d := meta.CloudWatchMetrics[0]
	if d.Namespace == "" {
		return Line{}, fmt.Errorf("_aws.CloudWatchMetrics[0].Namespace is empty")
	}
	if len(d.Dimensions) != 1 || len(d.Dimensions[0]) > metrics.MaxDimensions {
		return Line{}, fmt.Errorf("_aws.CloudWatchMetrics[0].Dimensions %q, want one set of at most %d", d.Dimensions, metrics.MaxDimensions)
	}
	l := Line{Namespace: d.Namespace, DimensionNames: d.Dimensions[0], Values: map[string]float64{}, Units: map[string]metrics.Unit{},
		Dimensions: map[string]string{}, Properties: map[string]string{}}
	for _, name := range d.Dimensions[0] {
		var v string
		if err := json.Unmarshal(doc[name], &v); err != nil || v == "" {
			return Line{}, fmt.Errorf("dimension %s: got %s, want a non-empty string", name, doc[name])
		}
		l.Dimensions[name] = v
	}
	if len(d.Metrics) == 0 || len(d.Metrics) > metrics.MaxMetricsPerDocument {
		return Line{}, fmt.Errorf("%d metrics declared, want 1-%d", len(d.Metrics), metrics.MaxMetricsPerDocument)
	}
	for _, m := range d.Metrics {
		if u := metrics.Unit(m.Unit); u == "" || !u.Valid() {
			return Line{}, fmt.Errorf("metric %s: unit %q is not a CloudWatch unit", m.Name, m.Unit)
		}
		if _, dup := l.Values[m.Name]; dup {
			return Line{}, fmt.Errorf("metric %s declared twice", m.Name)
		}
		var v float64
		if err := json.Unmarshal(doc[m.Name], &v); err != nil {
			var vs []float64
			if err := json.Unmarshal(doc[m.Name], &vs); err != nil || len(vs) == 0 || len(vs) > metrics.MaxValuesPerMetric {
				return Line{}, fmt.Errorf("metric %s: value %s is not a number or an array of 1-%d numbers", m.Name, doc[m.Name], metrics.MaxValuesPerMetric)
			}
			for _, x := range vs {
				v += x
			}
		}
		l.Values[m.Name] = v
		l.Units[m.Name] = metrics.Unit(m.Unit)
	}
	for k, raw := range doc {
		var s string
		if _, isDim := l.Dimensions[k]; !isDim && json.Unmarshal(raw, &s) == nil {
			l.Properties[k] = s
		}
	}
	return l, nil
}
