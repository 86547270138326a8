package capacity

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/stacks"
	"github.com/example/orderflow/tools/dynamosim"
	"github.com/example/orderflow/tools/flowsim"
)

// Rates modelled, orders per second.
var rates = []int{10, 100, 1000, 10000}

// Batch sizes the stack configures (construct defaults it keeps):
// streamconsumer's BatchSize 100, queueworker's BatchSize 10.
const (
	streamBatch = 100
	queueBatch  = 10
)

// Inputs is everything the model is computed from (Gather).
type Inputs struct {
	bench     benchFigures
	prod, dev stacks.Config
	sims      map[int]flowsim.Result // Scenario(rate)
	steady    flowsim.Result         // per-order units
	typical   int                    // bytes of the typical order's item
	largest   int                    // bytes of the largest order's item
	indexItem int                    // bytes of a pending-index entry, with DynamoDB's 100 bytes
}

// Gather runs the simulations and reads the measured figures of the
// BENCHMARKS.md at benchPath.
func Gather(ctx context.Context, benchPath string) (Inputs, error) {
	var in Inputs
	var err error
	if in.bench, err = readBench(benchPath); err != nil {
		return in, err
	}
	if in.prod, err = stacks.ConfigFor(stacks.StageProd); err != nil {
		return in, err
	}
	if in.dev, err = stacks.ConfigFor(stacks.StageDev); err != nil {
		return in, err
	}
	in.sims = map[int]flowsim.Result{}
	for _, r := range rates {
		res, err := simulate(ctx, r)
		if err != nil {
			return in, err
		}
		in.sims[r] = res
	}
	// Per-order units at steady state: no imports, outage or backlog.
	p := flowsim.Scenario(1000)
	p.Imports, p.Outages, p.Backlog, p.Duration, p.KitchenLag = nil, nil, 0, 10*time.Second, 0
	if in.steady, err = flowsim.Run(ctx, p); err != nil {
		return in, err
	}
	if in.typical, err = sizeOf(flowsim.TypicalOrder); err != nil {
		return in, err
	}
	if in.largest, err = sizeOf(largestOrder()); err != nil {
		return in, err
	}
	o, _ := flowsim.TypicalOrder.Build(orders.IDFromKey("api:capacity"), "api", time.Now)
	item, _ := orders.MarshalItem(o)
	in.indexItem = dynamosim.IndexItemOverheadBytes + dynamosim.ItemSize(pick(item, orders.AttrOrderID, orders.AttrPendingShard, orders.AttrCreatedAt))
	return in, nil
}

var simCache = map[int]flowsim.Result{}

// simulate runs Scenario(rate) once per process (the tests share it).
func simulate(ctx context.Context, rate int) (flowsim.Result, error) {
	if r, ok := simCache[rate]; ok {
		return r, nil
	}
	res, err := flowsim.Run(ctx, flowsim.Scenario(rate))
	if err != nil {
		return res, fmt.Errorf("simulate %d orders/s: %w", rate, err)
	}
	simCache[rate] = res
	return res, nil
}

// largestOrder is the largest order the API accepts: 100 lines, every name
// at its longest, every number at its widest.
func largestOrder() orders.NewOrder {
	n := orders.NewOrder{CustomerID: strings.Repeat("c", orders.MaxNameLen)}
	for i := range orders.MaxItems {
		sku := fmt.Sprintf("%03d", i) + strings.Repeat("s", orders.MaxNameLen-3)
		n.Items = append(n.Items, orders.Item{SKU: sku, Quantity: orders.MaxQuantity, UnitPriceCents: orders.MaxUnitPriceCents})
	}
	return n
}

func sizeOf(n orders.NewOrder) (int, error) {
	o, err := n.Build(orders.IDFromKey("api:capacity"), "import:"+strings.Repeat("k", 200), time.Now)
	if err != nil {
		return 0, err
	}
	o.RequestHash = strings.Repeat("f", 64)
	item, err := orders.MarshalItem(o)
	if err != nil {
		return 0, err
	}
	return dynamosim.ItemSize(item), nil
}

// pick returns the named attributes of item.
func pick[V any](item map[string]V, names ...string) map[string]V {
	out := map[string]V{}
	for _, n := range names {
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	return out
}

// perOrder are the steady-state units one order costs, from the simulation.
type perOrder struct {
	tableWRU, indexWRU, tableRRU, indexRRU float64
	// idemWRU, idemRRU: the notifier's idempotency table (its guard's
	// claim and result per order, a failed claim per redelivered event).
	idemWRU, idemRRU float64
}

func (in Inputs) perOrder() perOrder {
	n := float64(in.steady.Orders)
	t := in.steady.Totals[flowsim.Table]
	x := in.steady.Totals[flowsim.Table+"/index/"+orders.PendingIndexName]
	i := in.steady.Totals[flowsim.IdempotencyTable]
	return perOrder{tableWRU: t.WriteUnits / n, indexWRU: x.WriteUnits / n, tableRRU: t.ReadUnits / n, indexRRU: x.ReadUnits / n,
		idemWRU: i.WriteUnits / n, idemRRU: i.ReadUnits / n}
}

// fn is the model of one function: invocation duration for a batch of b
// records = floor + b x per-record, from the single-record measurement.
type fn struct {
	name     string
	m        measured
	floorMs  float64
	perMs    float64 // per record beyond the floor
	memoryGB float64
}

// notifier is the notifier's model: its own warm-invoke row of
// BENCHMARKS.md, or (a BENCHMARKS.md from before the notifier existed) the
// kitchen's single-message figure standing in, with measured=false.
func (in Inputs) notifier() (f fn, measured bool) {
	if _, ok := in.bench.fns["notifier"]; ok {
		return in.fn("notifier"), true
	}
	return in.fn("kitchen"), false
}

func (in Inputs) fn(name string) fn {
	m := in.bench.fns[name]
	return fn{name: name, m: m, floorMs: in.bench.floor.durationMs, perMs: math.Max(0, m.durationMs-in.bench.floor.durationMs), memoryGB: float64(m.memoryMB) / 1024}
}

// fullVCPUMemoryMB is the memory at which Lambda gives a function one full
// vCPU (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
const fullVCPUMemoryMB = 1769

// modelMs is the duration of an invocation at memoryMB, and its billed
// duration, from the duration and CPU time measured on the bench machine:
// the CPU part scales with Lambda's CPU share (memory/1,769 MB of a vCPU,
// taking one vCPU as the machine's core), the rest (waiting for DynamoDB,
// SQS, the emulator) does not. Lambda bills whole milliseconds, rounded up.
func modelMs(measuredMs, cpuMs float64, memoryMB int) (ms, billed float64) {
	cpuMs = math.Min(cpuMs, measuredMs)
	ms = measuredMs - cpuMs + cpuMs*math.Max(1, float64(fullVCPUMemoryMB)/float64(memoryMB))
	return ms, math.Ceil(ms)
}

// batchMs is the duration of an invocation carrying b records.
func (f fn) batchMs(b float64) float64 { return f.floorMs + b*f.perMs }

// rateModel is everything computed for one rate.
type rateModel struct {
	rate                                   float64
	apiConc, pubConc, kitchenConc, notConc float64
	totalConc                              float64
	tableWRU, indexWRU, tableRRU           float64
	idemWRU                                float64 // the idempotency table's write units per second
	shards                                 float64
	pubUtil                                float64
	pubBatch                               float64
	iteratorAgeMs                          float64
	kitchenCapacity                        float64 // orders per second at KitchenMaxConcurrency, full batches
	sqsReqHigh, sqsReqLow                  float64 // per second: one message per call / full batches
	putEvents, ebInvocations, snsPublish   float64
	limits                                 []limitUse
	costHigh, costLow                      cost
}

type cost struct {
	api, lambda, dynamo, sqs, events, sns, xray float64
}

func (c cost) total() float64 { return c.api + c.lambda + c.dynamo + c.sqs + c.events + c.sns + c.xray }

// limitUse is one ceiling at one rate: how much of it the rate uses.
type limitUse struct {
	name  string
	used  float64 // at this rate
	limit float64
	lift  string
}

func (l limitUse) share() float64 { return l.used / l.limit }

func (in Inputs) model(rate int) rateModel {
	r := float64(rate)
	po := in.perOrder()
	api, pub, kit := in.fn("api"), in.fn("publisher"), in.fn("kitchen")
	m := rateModel{rate: r}

	// Concurrency: one record per invocation (the most a rate needs).
	m.apiConc = r * api.m.durationMs / 1000
	m.kitchenConc = r * kit.m.durationMs / 1000
	not, _ := in.notifier()
	m.notConc = r * not.m.durationMs / 1000

	m.tableWRU = r * po.tableWRU
	m.indexWRU = r * po.indexWRU
	m.tableRRU = r * po.tableRRU
	m.idemWRU = r * po.idemWRU

	// Stream: at least one shard per 1,000 write units a second (a
	// partition's ceiling; on-demand tables may have more).
	m.shards = math.Max(1, math.Ceil(m.tableWRU/dynamosim.PartitionWriteUnits))
	perShard := r / m.shards
	m.pubBatch = math.Min(streamBatch, math.Max(1, perShard/streamPollsPerSecond))
	m.pubConc = r / m.pubBatch * pub.batchMs(m.pubBatch) / 1000
	m.pubUtil = m.pubConc / (m.shards * in.prod.PublisherParallelization)
	m.iteratorAgeMs = 1000/streamPollsPerSecond + pub.batchMs(m.pubBatch)
	if m.pubUtil >= 1 {
		m.iteratorAgeMs = math.Inf(1)
	}
	m.kitchenCapacity = in.prod.KitchenMaxConcurrency * queueBatch * 1000 / kit.batchMs(queueBatch)
	m.totalConc = math.Max(m.apiConc, in.prod.ApiReservedConcurrency) + m.pubConc + m.kitchenConc + m.notConc

	// SQS: publisher SendMessageBatch, kitchen ReceiveMessage and
	// DeleteMessageBatch, per batch.
	m.sqsReqHigh = 3 * r
	m.sqsReqLow = 3 * r / queueBatch
	// Issue 10: the kitchen publishes one OrderReady per order to a custom
	// bus (a PutEvents request each, at most: up to 10 entries fit one),
	// a rule invokes the notifier, which publishes one SNS message.
	m.putEvents, m.ebInvocations, m.snsPublish = r, r, r

	m.limits = []limitUse{
		{"HTTP API stage throttle (prod ApiRateLimit)", r, in.prod.ApiRateLimit, "raise Config.ApiRateLimit (stacks/config.go), with the account quota below"},
		{"HTTP API account quota (10,000 rps, burst 5,000)", r, quotaHTTPAPIRate, "Service Quotas: API Gateway \"Throttle rate\" (L-8A5B8E43)"},
		{"api reserved concurrency (prod ApiReservedConcurrency)", m.apiConc, math.Max(in.prod.ApiReservedConcurrency, 1), "raise Config.ApiReservedConcurrency"},
		{"Lambda concurrency, account (1,000)", m.totalConc, quotaLambdaConcurrency, "Service Quotas: Lambda \"Concurrent executions\" (L-B99A9384)"},
		{"kitchen at KitchenMaxConcurrency (full batches)", r, m.kitchenCapacity, "raise Config.KitchenMaxConcurrency, within the table's and the shards' write ceilings"},
		{"publisher: shards x parallelization factor", m.pubConc, m.shards * in.prod.PublisherParallelization, "raise Config.PublisherParallelization (up to 10)"},
		{"DynamoDB table, on-demand per-table quota (40,000 WRU/s)", m.tableWRU, quotaTableWRU, "Service Quotas: DynamoDB \"Table-level write throughput limit\""},
		{"DynamoDB new table before it scales (4,000 WRU/s)", m.tableWRU, newTableWRU, "only a new table, or a peak above twice the last within 30 minutes: pre-warm the table and the index (warm throughput) before launch, or ramp up over hours"},
		{"pending index, on-demand per-index quota (40,000 WRU/s)", m.indexWRU, quotaTableWRU, "Service Quotas (as for the table)"},
		{"idempotency table, on-demand per-table quota (40,000 WRU/s)", m.idemWRU, quotaTableWRU, "Service Quotas (as for the Orders table); its key is per event, so no partition limit applies first"},
		{"EventBridge PutEvents (10,000/s, us-east-1)", m.putEvents, quotaPutEvents, "batch OrderReady events (10 per PutEvents request), or Service Quotas: EventBridge \"PutEvents throttle limit\" (L-9B653E91)"},
		{"EventBridge rule invocations (18,750/s)", m.ebInvocations, quotaEBInvocations, "Service Quotas: EventBridge \"Invocations throttle limit\" (L-5540C5E3)"},
		{"SNS Publish (30,000 messages/s, us-east-1)", m.snsPublish, quotaSNSPublish, "PublishBatch does not help (the quota counts messages): Service Quotas: SNS"},
		{"sweeper resends (500 a run, every 5 minutes) vs orders stuck, if 0.1% get stuck as in the simulation", r / 1000, float64(flowsim.SweeperMaxOrders) / flowsim.SweepEvery.Seconds(),
			"find what strands orders (the dead-letter queues' alarms); raise the sweeper's DefaultMaxOrders (functions/sweeper) or run it more often"},
	}
	if res, ok := in.sims[rate]; ok {
		var peak dynamosim.Usage
		for _, t := range res.Totals {
			if t.PeakWrite.Units > peak.Units {
				peak = t.PeakWrite
			}
		}
		m.limits = append(m.limits, limitUse{"hottest partition key, simulated (1,000 WRU/s)", peak.Units, dynamosim.PartitionWriteUnits,
			"more pending-index shards (orders.PendingShards), a slower kitchen catch-up (KitchenMaxConcurrency) or slower imports"})
	}

	m.costHigh = in.cost(m, 1, 1)
	m.costLow = in.cost(m, queueBatch, m.pubBatch)
	return m
}

// cost is the monthly cost at m's rate with kitchen batches of kb and
// publisher batches of pb records.
func (in Inputs) cost(m rateModel, kb, pb float64) cost {
	perMonth := m.rate * secondsPerMonth
	var c cost
	req := perMonth
	c.api = math.Min(req, httpAPITierRequests)/1e6*priceHTTPAPIReqM + math.Max(0, req-httpAPITierRequests)/1e6*priceHTTPAPIReqMAbove
	lambda := func(f fn, batch float64) (float64, float64) {
		inv := perMonth / batch
		billedMs := math.Ceil(f.batchMs(batch))
		return inv/1e6*priceLambdaReqM + inv*billedMs/1000*f.memoryGB*priceLambdaGBs, inv
	}
	a, ai := lambda(in.fn("api"), 1)
	p, pi := lambda(in.fn("publisher"), pb)
	k, ki := lambda(in.fn("kitchen"), kb)
	not, _ := in.notifier()
	n, ni := lambda(not, 1)
	c.lambda = a + p + k + n
	po := in.perOrder()
	c.dynamo = perMonth * (po.tableWRU + po.indexWRU + po.idemWRU) / 1e6 * priceDDBWriteM
	c.dynamo += perMonth * (po.tableRRU + po.indexRRU + po.idemRRU) / 1e6 * priceDDBReadM
	c.sqs = perMonth * 3 / kb / 1e6 * priceSQSReqM
	c.events = perMonth / 1e6 * priceEBEventM
	c.sns = perMonth / 1e6 * priceSNSPublishM
	// X-Ray: per function, the first invocation each second and 5% of the rest.
	for _, inv := range []float64{ai, pi, ki, ni} {
		perSec := inv / secondsPerMonth
		traced := math.Min(perSec, 1) + 0.05*math.Max(0, perSec-1)
		c.xray += traced * secondsPerMonth / 1e6 * priceXRayTraceM
	}
	return c
}

// first returns the limits m reaches (share >= 1), most exceeded first, and
// the one with the highest share.
func (m rateModel) reached() (reached []limitUse, closest limitUse) {
	sorted := append([]limitUse(nil), m.limits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].share() > sorted[j].share() })
	for _, l := range sorted {
		if l.share() >= 1 {
			reached = append(reached, l)
		}
	}
	return reached, sorted[0]
}

// dayTail bounds the probability that random spread alone puts any
// pending-index shard over the partition limit in any second of a day, at
// the steady rate: each order's two index writes land on a shard with
// probability 1/PendingShards, so a shard's writes in a second are a sum
// of independent 0/1 variables with mean mu = 2 x rate / shards. The
// Chernoff bound P(X >= limit) <= exp(-mu) (e mu / limit)^limit (for
// limit > mu), times shards x 86,400 key-seconds, bounds it; log10p is
// that bound's log10, at most 0.
func dayTail(rate float64, perOrderIndexWRU float64) (mu, log10p float64) {
	mu = rate * perOrderIndexWRU / orders.PendingShards
	a := float64(dynamosim.PartitionWriteUnits)
	if mu >= a {
		return mu, 0 // the mean itself is over: certain
	}
	lnP := -mu + a*math.Log(math.E*mu/a) + math.Log(orders.PendingShards*86400)
	return mu, math.Min(0, lnP/math.Ln10)
}
