package flowsim

import (
	"time"

	"github.com/example/orderflow/internal/orders"
)

// The sweeper's settings as functions/sweeper and the stack set them
// (DefaultMaxOrders, MaxReadFactor, the 5-minute schedule, the default
// STALE_AFTER); tools/capacity checks them against the stack's
// configuration.
const (
	SweeperMaxOrders  = 500
	SweeperReadFactor = 10
	SweepEvery        = 5 * time.Minute
)

// Window is the length of Scenario's simulated window. It holds one run
// of every periodic process (a sweep with a backlog to work off, two bulk
// imports, a kitchen outage and its catch-up, kitchen lag, redeliveries,
// lost orders), with time after each to let its writes settle.
const Window = 30 * time.Second

// ImportRows is the orders in one bulk file of the importer's largest size
// (1 MiB, MAX_IMPORT_BYTES' default) at 32 bytes a CSV row
// ("cust-123456,SKU-12,2,300,ref-1\n").
const ImportRows = 1 << 20 / 32

// ImportRowsPerSecond is how fast Scenario's importer stores a file. The
// real importer makes one BatchWriteItem call of 25 orders after another
// (plus a BatchGetItem per 100); at 5 ms a call that is 5,000 orders per
// second, faster than measured locally, so the burst is not understated.
const ImportRowsPerSecond = 5_000

// CatchUpFactor: in Scenario, the kitchen works off a backlog at up to
// CatchUpFactor times the order rate. tools/capacity checks that the
// kitchen's configured maximum concurrency cannot go faster than that at
// the stage's throttled rate.
const CatchUpFactor = 2.5

// Scenario is the simulation the write-pattern test and docs/capacity.md
// run at rate orders per second, for Window, from a steady state:
//   - second 0: Backlog of 2 x SweeperMaxOrders stale PENDING orders (a
//     day's lost orders), stored uncharged before the window;
//   - every second: rate orders through the api, 0.1% of them lost on the
//     way to the kitchen (LostEvery 1,000), the others at the kitchen 2 s
//     later, 1% of kitchen messages delivered twice;
//   - second 5: a sweep (it claims SweeperMaxOrders of the backlog; the
//     kitchen prepares them 2 s later);
//   - seconds 8 and 9: two bulk files of ImportRows orders each, at
//     ImportRowsPerSecond, at once;
//   - seconds 16-19: the kitchen takes nothing, then catches up at
//     CatchUpFactor x rate.
func Scenario(rate int) Params {
	return Params{
		Design:         orders.Design(false),
		Rate:           rate,
		Duration:       Window,
		Start:          time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC),
		KitchenLag:     2 * time.Second,
		CatchUpRate:    int(CatchUpFactor * float64(rate)),
		Outages:        []Outage{{From: 16 * time.Second, To: 19 * time.Second}},
		LostEvery:      1000,
		RedeliverEvery: 100,
		Imports: []Import{
			{At: 8 * time.Second, Rows: ImportRows, RowsPerSecond: ImportRowsPerSecond},
			{At: 9 * time.Second, Rows: ImportRows, RowsPerSecond: ImportRowsPerSecond},
		},
		StaleAfter:    orders.DefaultStaleAfter,
		SweepEvery:    SweepEvery,
		SweepAt:       5 * time.Second,
		MaxOrders:     SweeperMaxOrders,
		MaxReadFactor: SweeperReadFactor,
		Backlog:       2 * SweeperMaxOrders,
		Order:         TypicalOrder,
	}
}

// TypicalOrder is the order Scenario stores: two lines, as the API's
// sample request.
var TypicalOrder = orders.NewOrder{CustomerID: "cust-123456", Items: []orders.Item{
	{SKU: "espresso", Quantity: 2, UnitPriceCents: 250},
	{SKU: "croissant", Quantity: 1, UnitPriceCents: 320},
}}
