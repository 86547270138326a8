//go:build linux

package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Public on-demand prices, us-east-1 (see BENCHMARKS.md for the sources).
const (
	priceLambdaGBs    = 0.0000133334 // $ per GB-second, arm64 (first tier)
	priceLambdaReqM   = 0.20         // $ per million requests
	priceDDBWriteM    = 0.625        // $ per million write request units (on-demand)
	priceDDBReadM     = 0.125        // $ per million read request units (on-demand)
	priceSQSReqM      = 0.40         // $ per million requests (standard queue, 64 KB chunks)
	priceHTTPAPIReqM  = 1.00         // $ per million HTTP API requests (first 300 M, 512 KB chunks)
	priceEBEventM     = 1.00         // $ per million custom events put on an event bus (64 KB chunks)
	priceSNSPublishM  = 0.50         // $ per million SNS publishes (64 KB chunks; deliveries apart)
	wruBytes          = 1024         // one write request unit writes up to 1 KB
	gsiOverheadBytes  = 100          // DynamoDB adds 100 bytes per index item
	fullVCPUMemoryMB  = 1769         // Lambda gives one full vCPU at 1,769 MB
	kitchenMessageLen = 40           // {"orderId":"ord_..."}: bytes of a kitchen message
)

// flowFunctions are the functions one order passes through, in order: the
// notifier gets the OrderReady event the kitchen puts on the orders bus.
var flowFunctions = []string{"api", "publisher", "kitchen", "notifier"}

// perOrder counts the billable requests of one order through api POST ->
// stream -> publisher -> SQS -> kitchen, with batch orders per stream and
// SQS batch. The counts follow the code: the api stores an order with one
// PutItem (orders.Store.Create), the publisher sends with SendMessageBatch
// (orders.KitchenQueue over the runtime's batchsend.SQS, up to 10 per call),
// the kitchen makes two conditional UpdateItems (PENDING -> PREPARING ->
// READY, orders.Store.Advance) and puts one OrderReady event on the orders
// bus (through batchsend.EventBridge, billed per event however batched),
// whose rule invokes the notifier once (asynchronously, one event per
// invocation), which makes one SNS Publish under the runtime's idempotency
// guard: two PutItems on the idempotency table (the INPROGRESS claim and
// the COMPLETED record, each under 1 KB: 1 write unit; measured with
// runtime/idempotency's BenchmarkLocalFirstSeen), no read.
type perOrder struct {
	batch         float64
	apiRequests   float64
	lambdaInvokes map[string]float64
	wru           float64
	wruDetail     string
	sqsRequests   float64
	sqsDetail     string
	events        float64 // EventBridge custom events
	publishes     float64 // SNS publishes
}

// idempotencyWRU are the write units of the notifier's idempotency guard per
// order seen the first time: two PutItems of a record under 1 KB.
const idempotencyWRU = 2

func countPerOrder(batch int, itemBytes map[string]int) perOrder {
	n := float64(batch)
	p := perOrder{batch: n, apiRequests: 1, lambdaInvokes: map[string]float64{"api": 1, "publisher": 1 / n, "kitchen": 1 / n, "notifier": 1},
		events: 1, publishes: 1}
	units := func(b int) float64 { return math.Max(1, math.Ceil(float64(b)/wruBytes)) }
	// The pending index (pendingShard, createdAt; KEYS_ONLY) holds an
	// order while it is PENDING: the PutItem writes it once, the kitchen's
	// first UpdateItem deletes it, the second writes no index.
	indexItem := units(gsiOverheadBytes + 60)
	put := units(itemBytes["api"]) + indexItem
	first := units(itemBytes["kitchen"]) + indexItem
	second := units(itemBytes["kitchen"])
	p.wru = put + first + second + idempotencyWRU
	p.wruDetail = fmt.Sprintf("PutItem %g (table %g + index %g) + UpdateItem %g (table %g + index delete %g) + UpdateItem %g (table) + idempotency PutItem x2 %g (notifier)",
		put, units(itemBytes["api"]), indexItem, first, units(itemBytes["kitchen"]), indexItem, second, float64(idempotencyWRU))
	chunks := math.Max(1, math.Ceil(n*kitchenMessageLen/65536))
	p.sqsRequests = (chunks + 2) / n
	p.sqsDetail = fmt.Sprintf("per batch of %d: SendMessageBatch %g + ReceiveMessage 1 + DeleteMessageBatch 1", batch, chunks)
	return p
}

// modelMs is the billed duration of an invocation at memoryMB, from the
// duration and CPU time measured on this machine: the CPU part scales with
// Lambda's CPU share (memory/1,769 MB of a vCPU, taking one vCPU as this
// machine's core), the rest (waiting for DynamoDB, SQS, the emulator) does
// not. Lambda bills whole milliseconds, rounded up.
func modelMs(measuredMs float64, cpu time.Duration, memoryMB int) (float64, float64) {
	cpuMs := float64(cpu) / float64(time.Millisecond)
	cpuMs = math.Min(cpuMs, measuredMs)
	ms := measuredMs - cpuMs + cpuMs*math.Max(1, float64(fullVCPUMemoryMB)/float64(memoryMB))
	return ms, math.Ceil(ms)
}

// lambdaCost returns the Lambda cost per million orders ($) and the billed
// ms per function at memoryMB (0: each function's configured memory).
func lambdaCost(fns map[string]fnResult, p perOrder, memoryMB int, local bool) (float64, map[string]float64) {
	total := 0.0
	billed := map[string]float64{}
	for _, name := range flowFunctions {
		f := fns[name]
		mem := memoryMB
		if mem == 0 {
			mem = f.MemoryMB
		}
		var b float64
		if local {
			b = math.Ceil(f.warmReportMs())
		} else {
			_, b = modelMs(f.warmReportMs(), f.cpuPerInvoke(), mem)
		}
		billed[name] = b
		// Requests are per invocation; duration is counted per order as one
		// single-record invocation (measured), an upper bound for batches,
		// whose fixed part is shared.
		total += p.lambdaInvokes[name]*priceLambdaReqM + 1e6*(b/1000)*(float64(mem)/1024)*priceLambdaGBs
	}
	return total, billed
}

// costReport is the cost section of BENCHMARKS.md.
func costReport(fns map[string]fnResult, itemBytes map[string]int) string {
	var sb strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&sb, format, args...) }
	for _, n := range flowFunctions {
		if _, ok := fns[n]; !ok {
			return "cost: function " + n + " was not measured\n"
		}
	}
	one, ten := countPerOrder(1, itemBytes), countPerOrder(10, itemBytes)

	w("Measured inputs (warm invocations under the emulator, medians; see the table):\n\n")
	w("| function | memory (template) | warm duration (RIE REPORT) | CPU per invocation | CPU share | peak RSS |\n|---|---|---|---|---|---|\n")
	for _, n := range flowFunctions {
		f := fns[n]
		cpuMs := float64(f.cpuPerInvoke()) / float64(time.Millisecond)
		w("| %s | %d MB | %.2f ms | %.2f ms | %.0f%% | %s |\n", n, f.MemoryMB, f.warmReportMs(), cpuMs, 100*cpuMs/f.warmReportMs(), mib(f.peakRSS()))
	}
	w("\nOrder item size (DynamoDB rules, approximate): %d bytes after the api's PutItem, %d bytes after the kitchen's updates: 1 WRU each (1 KB per unit).\n\n",
		itemBytes["api"], itemBytes["kitchen"])

	w("Requests per order:\n\n| | one order per batch | full batches of 10 |\n|---|---|---|\n")
	w("| API Gateway HTTP API requests | %g | %g |\n", one.apiRequests, ten.apiRequests)
	invokes := func(p perOrder) (n float64) {
		for _, f := range flowFunctions {
			n += p.lambdaInvokes[f]
		}
		return n
	}
	w("| Lambda invocations (api + publisher + kitchen + notifier) | %.1f | %.1f |\n", invokes(one), invokes(ten))
	w("| DynamoDB write request units | %g: %s | %g |\n", one.wru, one.wruDetail, ten.wru)
	w("| DynamoDB read request units | 0 (stream reads by Lambda are free) | 0 |\n")
	w("| SQS requests | %g: %s | %.2f |\n", one.sqsRequests, one.sqsDetail, ten.sqsRequests)
	w("| EventBridge custom events (OrderReady) | %g | %g |\n", one.events, ten.events)
	w("| SNS publishes (the notifier's) | %g | %g |\n", one.publishes, ten.publishes)

	w("\nCost per million orders, us-east-1 on-demand, at the memory the template configures, billed duration = measured warm duration rounded up to the ms:\n\n")
	w("| service | one order per batch | full batches of 10 |\n|---|---|---|\n")
	l1, b1 := lambdaCost(fns, one, 0, true)
	l10, _ := lambdaCost(fns, ten, 0, true)
	apiC := one.apiRequests * priceHTTPAPIReqM
	ddb1, ddb10 := one.wru*priceDDBWriteM, ten.wru*priceDDBWriteM
	sqs1, sqs10 := one.sqsRequests*priceSQSReqM, ten.sqsRequests*priceSQSReqM
	eb, sns := one.events*priceEBEventM, one.publishes*priceSNSPublishM
	w("| API Gateway HTTP API | $%.2f | $%.2f |\n", apiC, apiC)
	w("| Lambda (requests + GB-s; billed ms per order: api %g, publisher %g, kitchen %g, notifier %g; batches: the same duration per order, an upper bound) | $%.2f | $%.2f |\n", b1["api"], b1["publisher"], b1["kitchen"], b1["notifier"], l1, l10)
	w("| DynamoDB on-demand | $%.2f | $%.2f |\n", ddb1, ddb10)
	w("| SQS | $%.2f | $%.2f |\n", sqs1, sqs10)
	w("| EventBridge (custom events; the rule's invocations are free) | $%.2f | $%.2f |\n", eb, eb)
	w("| SNS (publishes; deliveries, priced per protocol, not counted) | $%.2f | $%.2f |\n", sns, sns)
	w("| **total** | **$%.2f** | **$%.2f** |\n", apiC+l1+ddb1+sqs1+eb+sns, apiC+l10+ddb10+sqs10+eb+sns)

	w("\nLambda memory, modelled from the measured CPU share (one order per batch; the CPU part of each duration scales with memory/1,769 MB of a vCPU, the waiting does not):\n\n")
	w("| memory | api ms | publisher ms | kitchen ms | notifier ms | Lambda $ per million orders |\n|---|---|---|---|---|---|\n")
	best, bestCost := 0, math.Inf(1)
	for _, mem := range []int{128, 256, 512, 1024, fullVCPUMemoryMB} {
		c, b := lambdaCost(fns, one, mem, false)
		w("| %d MB | %g | %g | %g | %g | $%.2f |\n", mem, b["api"], b["publisher"], b["kitchen"], b["notifier"], c)
		if c < bestCost-1e-9 {
			best, bestCost = mem, c
		}
	}
	w("\nCheapest modelled setting: %d MB.\n", best)
	return sb.String()
}
