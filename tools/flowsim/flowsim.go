// Package flowsim drives the order flow's real domain code (orders.Store,
// orders.BatchStore, orders.StaleOrders) at a given order rate, in
// simulated time, against an in-memory Orders table (tools/dynamosim)
// that charges every request the capacity DynamoDB would, per table or
// index, partition-key value and second. It answers one question: does any
// partition-key value of the table or of an index take more than a
// partition serves (1,000 write units, 3,000 read units per second)? Run
// by make capacity (tools/cmd/capacity, which writes docs/capacity.md) and
// by make test (this package's tests and tools/capacity's).
//
// What runs, each second of simulated time:
//   - the api: Rate orders, each stored with orders.Store.Create (one
//     conditional PutItem), createdAt spread over the second;
//   - the kitchen: every order whose message arrives this second (created
//     KitchenLag earlier, or resent by the sweeper KitchenLag earlier) goes
//     PENDING -> PREPARING -> READY through orders.Store.Advance, as
//     functions/kitchen does; every RedeliverEvery-th message arrives twice
//     (the second delivery is the conditional no-op a redelivery is). During
//     an Outage the kitchen takes nothing, then works off its backlog at up
//     to CatchUpRate orders per second;
//   - imports: orders.BatchStore.PutNew of RowsPerSecond rows of each
//     running Import (the importer's BatchGetItem + BatchWriteItem calls);
//     imported orders reach the kitchen like the others;
//   - the sweeper, every SweepEvery: orders.StaleOrders.Find over every
//     shard of the pending index and Claim of each stale order, bounded as
//     functions/sweeper is (MaxOrders claims, MaxReadFactor x MaxOrders IDs
//     read); claimed orders are resent and reach the kitchen KitchenLag
//     later;
//   - every LostEvery-th order never reaches the kitchen (its stream record
//     or message went to a dead-letter queue): it stays PENDING until a
//     sweep resends it;
//   - the notifier: every kitchen delivery that finds its order READY puts
//     the order's OrderReady event, which the notifier handles under the
//     runtime's idempotency guard (idempotency.Do) on the idempotency table
//     (IdempotencyTable, key id): the first event of an order writes its
//     INPROGRESS and COMPLETED records, a redelivered one fails the
//     conditional claim. Its key is the event's, one per order: no hot key.
//
// A Backlog of stale PENDING orders (created before the window, as a day
// of lost orders leaves them) is stored before the first second without
// being charged, so the first sweep has work.
//
// Orders that reach READY are dropped from the in-memory table once the
// second is over (nothing reads them again), which bounds memory by the
// orders in flight.
package flowsim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/idempotency"
	"github.com/example/orderflow/tools/dynamosim"
)

// Table is the simulated table's name.
const Table = "Orders"

// IdempotencyTable is the simulated idempotency table's name (the
// idempotencytable construct's table: key "id").
const IdempotencyTable = "Idempotency"

// Import is one bulk file being imported.
type Import struct {
	// At is when the importer starts, from the start of the window.
	At time.Duration
	// Rows is the number of orders in the file.
	Rows int
	// RowsPerSecond is how fast the importer stores them.
	RowsPerSecond int
}

// Outage is a time the kitchen takes no message.
type Outage struct {
	// From and To bound it, from the start of the window.
	From, To time.Duration
}

// Params describes one simulation.
type Params struct {
	// Design is the Orders table's keys and indexes (orders.Design).
	Design orders.TableDesign
	// Rate is the orders per second the api stores.
	Rate int
	// Duration of the window; whole seconds.
	Duration time.Duration
	// Start is the simulated time of the first second.
	Start time.Time
	// KitchenLag is the time from an order's creation (or its resend) to
	// the kitchen's steps: stream, publisher and queue; whole seconds.
	KitchenLag time.Duration
	// CatchUpRate bounds the orders per second the kitchen takes while it
	// has a backlog (after an Outage); 0: no bound.
	CatchUpRate int
	// Outages of the kitchen.
	Outages []Outage
	// LostEvery: every LostEvery-th order never reaches the kitchen; 0:
	// none is lost.
	LostEvery int
	// RedeliverEvery: every RedeliverEvery-th kitchen message is delivered
	// twice; 0: none.
	RedeliverEvery int
	// Imports running in the window.
	Imports []Import
	// StaleAfter, SweepEvery, SweepAt (the first sweep, from the start),
	// MaxOrders and MaxReadFactor are the sweeper's settings.
	StaleAfter, SweepEvery, SweepAt time.Duration
	MaxOrders, MaxReadFactor        int
	// Backlog is the number of stale PENDING orders stored, uncharged,
	// before the window.
	Backlog int
	// Order is the order the api and the importer store (its customer and
	// items; ID, status and times are set per order).
	Order orders.NewOrder
}

// Result is what one simulation found.
type Result struct {
	// Seconds simulated; Orders stored by the api, Imported by imports,
	// Prepared (moved to READY), Resent by sweeps, Sweeps run, Notified
	// (notifications published), NotifyRepeats (events the guard
	// answered without publishing).
	Seconds, Orders, Imported, Prepared, Resent, Sweeps, Notified, NotifyRepeats int
	// Over lists partition-key values over a partition's limit in some
	// second (at most 100), OverCount how many key-seconds were.
	Over      []dynamosim.Usage
	OverCount int
	// Totals per table and index.
	Totals map[string]dynamosim.Totals
	// Wall is the wall time the simulation took.
	Wall time.Duration
}

// Run simulates p. It fails when the domain code returns an error it
// would not return in production (a condition failing where none can).
func Run(ctx context.Context, p Params) (Result, error) {
	begin := time.Now()
	if p.Rate <= 0 || p.Duration < time.Second || p.SweepEvery <= 0 || p.MaxOrders <= 0 || p.MaxReadFactor <= 0 || p.StaleAfter <= 0 {
		return Result{}, errors.New("flowsim: Rate, Duration, StaleAfter, SweepEvery, MaxOrders and MaxReadFactor are required")
	}
	rec := dynamosim.NewRecorder()
	var clock time.Time
	var res Result
	db := dynamosim.New(func() time.Time { return clock }, dynamosim.NewRecorder()) // uncharged until the window
	if err := db.CreateTable(Table, dynamosim.TableDef{KeySchema: p.Design.KeySchema, GlobalSecondaryIndexes: p.Design.GlobalSecondaryIndexes}); err != nil {
		return Result{}, err
	}
	store := &orders.Store{Client: db, Table: Table, Now: func() time.Time { return clock }}
	batch := &orders.BatchStore{Get: db, Write: db, Table: Table}
	var pendingIndex string
	if slices.ContainsFunc(p.Design.GlobalSecondaryIndexes, func(g types.GlobalSecondaryIndex) bool { return *g.IndexName == orders.PendingIndexName }) {
		pendingIndex = orders.PendingIndexName
	}
	stale := &orders.StaleOrders{Query: db, Update: db, Table: Table, Index: pendingIndex, After: p.StaleAfter}
	if err := db.CreateTable(IdempotencyTable, dynamosim.TableDef{KeySchema: []types.KeySchemaElement{
		{AttributeName: aws.String(idempotency.AttrID), KeyType: types.KeyTypeHash}}}); err != nil {
		return Result{}, err
	}
	guard := &idempotency.Guard{Client: guardClient{db}, Table: IdempotencyTable, Prefix: "notifier", Now: func() time.Time { return clock }}
	var notified []string // idempotency records written this second
	notify := func(id string) error {
		e := orderevents.NewOrderReady(id)
		ran := false
		_, err := idempotency.Do(ctx, guard, "OrderReady#"+e.EventID, e, func(context.Context) (string, error) {
			ran = true
			return "sns-message-id", nil
		})
		if err != nil {
			return err
		}
		if ran {
			res.Notified++
			notified = append(notified, guard.ID("OrderReady#"+e.EventID))
		} else {
			res.NotifyRepeats++
		}
		return nil
	}

	// The backlog: stale orders from before the window.
	clock = p.Start.Add(-p.StaleAfter - time.Hour)
	for i := range p.Backlog {
		o, err := p.Order.Build(orders.IDFromKey("sim-backlog:"+strconv.Itoa(i)), "api", func() time.Time { return clock })
		if err != nil {
			return res, err
		}
		if err := store.Create(ctx, o); err != nil {
			return res, err
		}
	}
	db.Rec = rec

	seconds := int(p.Duration / time.Second)
	lag := int(p.KitchenLag / time.Second)
	due := map[int][]string{} // second -> IDs of the orders whose messages arrive at the kitchen
	var backlog []string      // messages waiting for the kitchen (outage)
	imports := make([]int, len(p.Imports))
	var ready []string // orders made READY this second
	n := 0
	for s := range seconds {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		sec := p.Start.Add(time.Duration(s) * time.Second)
		res.Seconds++

		// api
		for i := range p.Rate {
			clock = sec.Add(time.Duration(i) * time.Second / time.Duration(p.Rate))
			o, err := p.Order.Build(orders.IDFromKey("api:sim-"+strconv.Itoa(n)), "api", func() time.Time { return clock })
			if err != nil {
				return res, err
			}
			if err := store.Create(ctx, o); err != nil {
				return res, fmt.Errorf("second %d: %w", s, err)
			}
			n++
			res.Orders++
			if p.LostEvery > 0 && n%p.LostEvery == 0 {
				continue
			}
			due[s+lag] = append(due[s+lag], o.OrderID)
		}
		clock = sec

		// imports
		for k, im := range p.Imports {
			start := int(im.At / time.Second)
			if s < start || imports[k] >= im.Rows {
				continue
			}
			count := min(im.RowsPerSecond, im.Rows-imports[k])
			list := make([]orders.Order, 0, count)
			for r := range count {
				id := orders.IDFromKey("import:sim/file-" + strconv.Itoa(k) + "#v1:" + strconv.Itoa(imports[k]+r))
				o, err := p.Order.Build(id, "import:sim/file-"+strconv.Itoa(k), func() time.Time { return clock })
				if err != nil {
					return res, err
				}
				list = append(list, o)
			}
			out, err := batch.PutNew(ctx, list)
			if err != nil {
				return res, fmt.Errorf("second %d: import %d: %w", s, k, err)
			}
			imports[k] += count
			res.Imported += len(out.Stored)
			due[s+lag] = append(due[s+lag], out.Stored...)
		}

		// sweeper
		if at := int(p.SweepAt / time.Second); s >= at && (s-at)%int(p.SweepEvery/time.Second) == 0 {
			res.Sweeps++
			claims, read := 0, 0
			for id, err := range stale.Find(ctx, clock) {
				if err != nil {
					return res, fmt.Errorf("second %d: sweep: %w", s, err)
				}
				read++
				err := stale.Claim(ctx, id, clock)
				switch {
				case errors.Is(err, orders.ErrWrongState):
				case err != nil:
					return res, fmt.Errorf("second %d: claim: %w", s, err)
				default:
					claims++
					res.Resent++
					due[s+lag] = append(due[s+lag], id)
				}
				if claims >= p.MaxOrders || read >= p.MaxReadFactor*p.MaxOrders {
					break
				}
			}
		}

		// kitchen
		backlog = append(backlog, due[s]...)
		delete(due, s)
		take := len(backlog)
		for _, o := range p.Outages {
			if s >= int(o.From/time.Second) && s < int(o.To/time.Second) {
				take = 0
			}
		}
		if p.CatchUpRate > 0 {
			take = min(take, p.CatchUpRate)
		}
		for i, id := range backlog[:take] {
			deliveries := 1
			if p.RedeliverEvery > 0 && i%p.RedeliverEvery == p.RedeliverEvery-1 {
				deliveries = 2
			}
			for range deliveries {
				for _, step := range [][2]orders.Status{{orders.StatusPending, orders.StatusPreparing}, {orders.StatusPreparing, orders.StatusReady}} {
					changed, err := store.Advance(ctx, id, step[0], step[1])
					if err != nil {
						return res, fmt.Errorf("second %d: kitchen: %w", s, err)
					}
					if changed && step[1] == orders.StatusReady {
						res.Prepared++
						ready = append(ready, id)
					}
				}
				// READY: the kitchen puts OrderReady, the notifier gets it.
				if err := notify(id); err != nil {
					return res, fmt.Errorf("second %d: notifier: %w", s, err)
				}
			}
		}
		backlog = backlog[take:]

		// READY orders are never read again here: drop them.
		for _, id := range ready {
			db.Forget(Table, map[string]types.AttributeValue{orders.AttrOrderID: &types.AttributeValueMemberS{Value: id}})
		}
		ready = ready[:0]
		// Nor are the idempotency records (a replay is not simulated).
		for _, id := range notified {
			db.Forget(IdempotencyTable, map[string]types.AttributeValue{idempotency.AttrID: &types.AttributeValueMemberS{Value: id}})
		}
		notified = notified[:0]
	}
	rec.Flush()
	res.Over, res.OverCount = rec.Over()
	res.Totals = rec.Totals()
	res.Wall = time.Since(begin)
	return res, nil
}

// guardClient is the simulated table as the idempotency guard's client.
// The guard deletes a record only after its function failed; the simulated
// notifier's publish never fails, so DeleteItem is never called here.
type guardClient struct{ *dynamosim.DB }

// DeleteItem reports that it was called: a bug of the simulation.
func (guardClient) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return nil, errors.New("flowsim: the idempotency guard deleted a record, which the simulated notifier never makes it do")
}
