//go:build linux

package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// median returns the median of xs (the mean of the two middle values for an
// even count), or NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// medianDur and medianU are median over durations and byte counts, 0 for
// none.
var medianDur, medianU = medianOf[time.Duration], medianOf[uint64]

func medianOf[T time.Duration | uint64](xs []T) T {
	fs := make([]float64, len(xs))
	for i, x := range xs {
		fs[i] = float64(x)
	}
	if m := median(fs); !math.IsNaN(m) {
		return T(m)
	}
	return 0
}

// secs formats d in seconds with one decimal: "12.3 s".
func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// millis formats d in milliseconds: "12.3 ms", "0.42 ms".
func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return fmt.Sprintf("%.2f ms", ms)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

// mib formats a byte count in MiB: "10.4 MiB".
func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// mib2 formats a byte count in MiB with two decimals: "3.71 MiB".
func mib2(b int64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }

// gib formats a byte count in GiB: "1.23 GiB".
func gib(b uint64) string { return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30)) }

// spread formats the range of ds: "(min 1.2 s, max 1.5 s)".
func spread(ds []time.Duration, f func(time.Duration) string) string {
	if len(ds) < 2 {
		return ""
	}
	return fmt.Sprintf(" (range %s-%s)", f(slices.Min(ds)), f(slices.Max(ds)))
}
