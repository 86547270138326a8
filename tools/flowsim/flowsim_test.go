package flowsim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/tools/dynamosim"
)

// TestScenarioRunsEveryProcess runs Scenario at 100 orders per second
// (cheap; tools/capacity runs it at 10,000 and checks every key there).
func TestScenarioRunsEveryProcess(t *testing.T) {
	res, err := Run(context.Background(), Scenario(100))
	if err != nil {
		t.Fatal(err)
	}
	report(t, res)
	if res.Orders != 3000 || res.Imported != 2*ImportRows || res.Resent != SweeperMaxOrders || res.Sweeps != 1 || res.OverCount != 0 {
		t.Errorf("got %d api orders, %d imported, %d resent in %d sweeps, %d key-seconds over; want 3000, %d, %d, 1, 0",
			res.Orders, res.Imported, res.Resent, res.Sweeps, res.OverCount, 2*ImportRows, SweeperMaxOrders)
	}
	idx := res.Totals[Table+"/index/"+orders.PendingIndexName]
	// Each order: one put, one delete (all but the lost and the last 2 s).
	if idx.Writes["put"] != res.Orders+res.Imported || idx.Writes["delete"] < res.Prepared-SweeperMaxOrders {
		t.Errorf("pending index writes %v for %d orders, %d prepared", idx.Writes, res.Orders+res.Imported, res.Prepared)
	}
	// The notifier: one notification per order made READY; each costs the
	// idempotency table two puts (INPROGRESS, COMPLETED), each redelivered
	// event one failed conditional put, each of 1 write unit, on a key of
	// its own.
	idem := res.Totals[IdempotencyTable]
	if res.Notified != res.Prepared || res.NotifyRepeats == 0 {
		t.Errorf("got %d notified, %d repeats for %d prepared; want one per prepared order and some repeats", res.Notified, res.NotifyRepeats, res.Prepared)
	}
	if idem.Writes["put"] != 2*res.Notified || idem.Writes["condition-failed"] != res.NotifyRepeats || idem.ReadUnits != 0 {
		t.Errorf("idempotency table writes %v, %g read units; want %d puts, %d failed conditions, no read", idem.Writes, idem.ReadUnits, 2*res.Notified, res.NotifyRepeats)
	}
	if want := float64(2*res.Notified + res.NotifyRepeats); idem.WriteUnits != want {
		t.Errorf("idempotency table: got %g write units, want %g (1 per write)", idem.WriteUnits, want)
	}
	// One event's key: its claim, its result and the failed claim of its
	// one redelivered copy, whatever the rate.
	if idem.PeakWrite.Units > 3 {
		t.Errorf("idempotency table's hottest key took %g write units in a second, want at most 3 (claim, result, a redelivered copy)", idem.PeakWrite.Units)
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
