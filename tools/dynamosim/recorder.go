package dynamosim

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Usage is the capacity one partition-key value of a table or index took in
// one second.
type Usage struct {
	// Target is the table's name, or "<table>/index/<index>".
	Target string
	// Key is the partition-key value (a string, or a number's text).
	Key string
	// Second is the Unix second of the simulated clock.
	Second int64
	// Units taken: write units, or read units when Read.
	Units float64
	// Read is true for read units.
	Read bool
}

func (u Usage) String() string {
	kind := "write"
	if u.Read {
		kind = "read"
	}
	return fmt.Sprintf("%s key %q: %g %s units in second %d", u.Target, u.Key, u.Units, kind, u.Second)
}

// Totals sums what one table or index took.
type Totals struct {
	// WriteUnits and ReadUnits over the whole run.
	WriteUnits, ReadUnits float64
	// Writes counts write operations by kind: "put", "update", "delete"
	// (index items; a table update is an "update", a table put a "put"),
	// "condition-failed" (table writes turned away by their condition).
	Writes map[string]int
	// PeakWrite and PeakRead are the partition-key values that took the most
	// units in one second.
	PeakWrite, PeakRead Usage
	// Keys is the number of distinct partition-key values written, counted
	// up to MaxKeys (a table keyed by order ID has one per order).
	Keys int
}

// MaxKeys bounds the distinct keys Totals.Keys counts per table or index.
const MaxKeys = 10_000

// maxOver bounds the key-seconds Over keeps (it counts them all).
const maxOver = 100

type slot struct{ target, key string }

// Recorder accumulates the capacity every partition-key value of every
// table and index takes, per second of simulated time, and keeps the
// peaks, the totals and every key-second over what a partition serves
// (PartitionWriteUnits, PartitionReadUnits; the first maxOver of them).
// Seconds are folded into the summaries once a write two seconds later
// arrives, or at Flush. Safe for concurrent use.
type Recorder struct {
	mu        sync.Mutex
	writes    map[int64]map[slot]float64
	reads     map[int64]map[slot]float64
	latest    int64
	totals    map[string]*Totals
	keys      map[string]map[string]struct{}
	over      []Usage
	overCount int
}

// NewRecorder returns an empty recorder with the default limits.
func NewRecorder() *Recorder {
	return &Recorder{
		writes: map[int64]map[slot]float64{},
		reads:  map[int64]map[slot]float64{},
		totals: map[string]*Totals{},
		keys:   map[string]map[string]struct{}{},
	}
}

func (r *Recorder) total(target string) *Totals {
	t := r.totals[target]
	if t == nil {
		t = &Totals{Writes: map[string]int{}}
		r.totals[target] = t
		r.keys[target] = map[string]struct{}{}
	}
	return t
}

// write records units written to key of target in second sec.
func (r *Recorder) write(target, key, kind string, sec int64, units float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.total(target)
	t.WriteUnits += units
	t.Writes[kind]++
	if t.Keys < MaxKeys {
		if _, ok := r.keys[target][key]; !ok {
			r.keys[target][key] = struct{}{}
			t.Keys++
		}
	}
	r.add(r.writes, target, key, sec, units)
}

// read records units read from key of target in second sec.
func (r *Recorder) read(target, key string, sec int64, units float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total(target).ReadUnits += units
	r.add(r.reads, target, key, sec, units)
}

func (r *Recorder) add(m map[int64]map[slot]float64, target, key string, sec int64, units float64) {
	if sec > r.latest {
		r.latest = sec
		r.fold(sec - 1)
	}
	s := m[sec]
	if s == nil {
		s = map[slot]float64{}
		m[sec] = s
	}
	s[slot{target, key}] += units
}

// fold moves every second before the given one into the summaries.
func (r *Recorder) fold(before int64) {
	for i, m := range []map[int64]map[slot]float64{r.writes, r.reads} {
		read := i == 1
		for sec, slots := range m {
			if sec >= before {
				continue
			}
			for sl, units := range slots {
				u := Usage{Target: sl.target, Key: sl.key, Second: sec, Units: units, Read: read}
				t := r.total(sl.target)
				peak, limit := &t.PeakWrite, float64(PartitionWriteUnits)
				if read {
					peak, limit = &t.PeakRead, PartitionReadUnits
				}
				if units > peak.Units || (units == peak.Units && (sec < peak.Second || (sec == peak.Second && sl.key < peak.Key))) {
					*peak = u
				}
				if units > limit {
					r.overCount++
					if len(r.over) < maxOver {
						r.over = append(r.over, u)
					}
				}
			}
			delete(m, sec)
		}
	}
}

// Flush folds every second recorded so far into the summaries.
func (r *Recorder) Flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fold(r.latest + 1)
}

// Totals returns the totals per table and index, after a Flush.
func (r *Recorder) Totals() map[string]Totals {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]Totals, len(r.totals))
	for k, v := range r.totals {
		c := *v
		c.Writes = maps.Clone(v.Writes)
		out[k] = c
	}
	return out
}

// Over returns the key-seconds above the limits (at most maxOver, sorted by
// second, target and key) and how many there were in all, after a Flush.
func (r *Recorder) Over() ([]Usage, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.over)
	slices.SortFunc(out, func(a, b Usage) int {
		return cmp.Or(cmp.Compare(a.Second, b.Second), strings.Compare(a.Target, b.Target), strings.Compare(a.Key, b.Key))
	})
	return out, r.overCount
}
