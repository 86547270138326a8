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

	"github.com/example/orderflow/internal/metrics"
)

// Line is one EMF document, decoded.
type Line struct {
	// Values of the metrics the line declares, by name.
	Values map[string]int64
	// Dimensions by name (Service, Stage).
	Dimensions map[string]string
	// Properties are the line's other top-level string members
	// (requestId, function).
	Properties map[string]string
}

// Lines returns the EMF lines of out (the lines with an "_aws" member),
// failing t when one does not follow the specification: Timestamp in
// milliseconds, namespace metrics.Namespace, dimension set
// [["Service","Stage"]] with non-empty string values, and an integer value
// for each declared metric of unit Count. Other lines (log lines) are skipped.
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
		l, err := decode(doc)
		if err != nil {
			t.Fatalf("EMF line %s: %v", raw, err)
		}
		lines = append(lines, l)
	}
	return lines
}

// Totals returns the sum of each metric's values over the EMF lines of out.
func Totals(t testing.TB, out []byte) map[string]int64 {
	t.Helper()
	sum := map[string]int64{}
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
	if d.Namespace != metrics.Namespace {
		return Line{}, fmt.Errorf("_aws.CloudWatchMetrics[0].Namespace %q, want %q", d.Namespace, metrics.Namespace)
	}
	if len(d.Dimensions) != 1 || len(d.Dimensions[0]) != 2 || d.Dimensions[0][0] != metrics.DimensionService || d.Dimensions[0][1] != metrics.DimensionStage {
		return Line{}, fmt.Errorf("_aws.CloudWatchMetrics[0].Dimensions %q, want [[Service Stage]]", d.Dimensions)
	}
	l := Line{Values: map[string]int64{}, Dimensions: map[string]string{}, Properties: map[string]string{}}
	for _, name := range d.Dimensions[0] {
		var v string
		if err := json.Unmarshal(doc[name], &v); err != nil || v == "" {
			return Line{}, fmt.Errorf("dimension %s: got %s, want a non-empty string", name, doc[name])
		}
		l.Dimensions[name] = v
	}
	if len(d.Metrics) == 0 {
		return Line{}, fmt.Errorf("no metrics declared")
	}
	for _, m := range d.Metrics {
		if m.Unit != "Count" {
			return Line{}, fmt.Errorf("metric %s: unit %q, want Count", m.Name, m.Unit)
		}
		var v int64
		if err := json.Unmarshal(doc[m.Name], &v); err != nil {
			return Line{}, fmt.Errorf("metric %s: value %s is not an integer", m.Name, doc[m.Name])
		}
		if _, dup := l.Values[m.Name]; dup {
			return Line{}, fmt.Errorf("metric %s declared twice", m.Name)
		}
		l.Values[m.Name] = v
	}
	for k, raw := range doc {
		var s string
		if _, isDim := l.Dimensions[k]; !isDim && json.Unmarshal(raw, &s) == nil {
			l.Properties[k] = s
		}
	}
	return l, nil
}
