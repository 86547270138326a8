package flowsim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/example/orderflow/internal/dynamosim"
	"github.com/example/orderflow/internal/orders"
)

// TestNoHotKeyAt10000OrdersPerSecond is the write-pattern simulation of
// issue 13: the real domain code at 10,000 orders per second through
// Scenario's window (a sweep, two bulk imports at once, a kitchen outage
// and its catch-up at 2.5x the rate, redeliveries, lost orders), against
// an in-memory table that charges every request DynamoDB's write units.
// No partition-key value of the table or of the pending index may take
// more than 1,000 write units (or 3,000 read units) in any second.
//
// What it does not cover: a whole day. At ~40 us of CPU per order a day at
// this rate (864 million orders) takes ~10 CPU-hours, so the test runs a
// window that holds one of each periodic process; a day repeats these
// seconds. docs/capacity.md (make capacity) bounds the chance that random
// spread puts any key over the limit in any of a day's seconds, from the
// per-key figures of this window.
func TestNoHotKeyAt10000OrdersPerSecond(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 30 s at 10,000 orders per second (~15 s of CPU)")
	}
	res, err := Run(context.Background(), Scenario(10_000))
	if err != nil {
		t.Fatal(err)
	}
	report(t, res)
	if res.OverCount > 0 {
		t.Errorf("%d key-seconds over a partition's limit, first: %v", res.OverCount, res.Over)
	}
	// The window did what it is meant to: every process ran.
	if res.Orders != 300_000 || res.Imported != 2*ImportRows || res.Resent != SweeperMaxOrders || res.Sweeps != 1 {
		t.Errorf("got %d api orders, %d imported, %d resent in %d sweeps; want 300000, %d, %d, 1", res.Orders, res.Imported, res.Resent, res.Sweeps, 2*ImportRows, SweeperMaxOrders)
	}
	idx := res.Totals[Table+"/index/"+orders.PendingIndexName]
	if idx.Keys != orders.PendingShards {
		t.Errorf("pending index: writes on %d keys, want all %d shards", idx.Keys, orders.PendingShards)
	}
	if idx.PeakWrite.Units < 300 {
		t.Errorf("pending index peak %v: implausibly low for 10,000 orders per second over 64 shards", idx.PeakWrite)
	}
}

// TestLegacyStatusIndexIsHot runs the same code with the old status index
// still on the table (as during the move, -c legacyStatusIndex=true): the
// check must find it, so the test above cannot pass by measuring nothing.
func TestLegacyStatusIndexIsHot(t *testing.T) {
	p := Scenario(10_000)
	p.Design = orders.Design(true)
	p.Duration = 4 * time.Second // the first kitchen steps already show it
	p.Imports, p.Outages = nil, nil
	res, err := Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	legacy := Table + "/index/" + orders.LegacyStatusIndexName
	hot := map[string][]string{}
	for _, u := range res.Over {
		if u.Target != legacy {
			t.Errorf("over the limit: %v, want only the legacy index", u)
		}
		hot[u.Key] = append(hot[u.Key], fmt.Sprint(u.Units))
	}
	// Every status value is one key: PENDING takes each order's insert and
	// the delete when it moves on, PREPARING a put and a delete, READY a put.
	for _, status := range []orders.Status{orders.StatusPending, orders.StatusPreparing, orders.StatusReady} {
		if len(hot[string(status)]) < 2 {
			t.Errorf("legacy index key %s: over the limit in %d seconds, want every second the kitchen works", status, len(hot[string(status)]))
		}
		t.Logf("legacy index key %s: %s write units per second (limit %d)", status, strings.Join(hot[string(status)], ", "), dynamosim.PartitionWriteUnits)
	}
}

func report(t *testing.T, res Result) {
	t.Helper()
	t.Logf("%d s: %d api orders, %d imported, %d prepared, %d resent; %v wall (%v per order)",
		res.Seconds, res.Orders, res.Imported, res.Prepared, res.Resent, res.Wall, res.Wall/time.Duration(1+res.Orders+res.Imported))
	for target, tot := range res.Totals {
		t.Logf("%s: %g write units, %g read units, %d keys; peak %v; peak read %v", target, tot.WriteUnits, tot.ReadUnits, tot.Keys, tot.PeakWrite, tot.PeakRead)
	}
}
