package capacity

import "fmt"

// Quotas (defaults, us-east-1) and prices (us-east-1, on-demand) the model
// uses; sources gives the page each comes from. Checked 2026-11-30.
const checked = "2026-11-30"

// Quotas.
const (
	// quotaLambdaConcurrency: concurrent executions per account and Region;
	// at least 100 must stay unreserved.
	quotaLambdaConcurrency = 1000
	// quotaHTTPAPIRate, quotaHTTPAPIBurst: throttle per account and Region
	// across HTTP, REST and WebSocket APIs.
	quotaHTTPAPIRate  = 10000
	quotaHTTPAPIBurst = 5000
	// quotaPutEvents: PutEvents requests per second (us-east-1), up to 10
	// entries each; quotaEBInvocations: rule target invocations per second.
	quotaPutEvents     = 10000
	quotaEBInvocations = 18750
	// quotaSNSPublish: messages published per second, per account
	// (us-east-1, Publish and PublishBatch).
	quotaSNSPublish = 30000
	// quotaTableWRU: on-demand write throughput per table and per global
	// secondary index.
	quotaTableWRU = 40000
	// newTableWRU: what a new on-demand table (and a new index) sustains
	// before it has scaled; it doubles its previous peak within 30 minutes
	// after, or is pre-warmed (warm throughput).
	// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput.html
	newTableWRU = 4000
	// streamPollsPerSecond: Lambda polls each DynamoDB stream shard about
	// four times a second.
	streamPollsPerSecond = 4
)

// Prices, us-east-1.
const (
	// Lambda arm64: GB-second (first 7.5 billion a month) and requests.
	priceLambdaGBs  = 0.0000133334
	priceLambdaReqM = 0.20
	// DynamoDB on-demand, per million write / read request units.
	priceDDBWriteM = 0.625
	priceDDBReadM  = 0.125
	// SQS standard, per million requests.
	priceSQSReqM = 0.40
	// HTTP API, per million requests: the first 300 million a month, then
	// the next tier.
	priceHTTPAPIReqM      = 1.00
	priceHTTPAPIReqMAbove = 0.90
	httpAPITierRequests   = 300e6
	// EventBridge custom events, per million (64 KB chunks).
	priceEBEventM = 1.00
	// SNS standard topic publishes, per million (64 KB chunks); deliveries
	// are priced by protocol and not counted here.
	priceSNSPublishM = 0.50
	// X-Ray traces recorded, per million; Lambda samples the first request
	// each second and 5% of the rest.
	// https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html
	priceXRayTraceM = 5.00
)

// secondsPerMonth: 730 hours, as AWS's pricing pages count a month.
const secondsPerMonth = 730 * 3600

// source is one quota or price as docs/capacity.md lists it.
type source struct {
	what, value, url string
}

// sources lists every quota and price above with its page.
func sources() []source {
	return []source{
		{"Lambda concurrent executions, per account and Region (at least 100 stay unreserved)", num(quotaLambdaConcurrency), "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"},
		{"API Gateway throttle, per account and Region, all APIs (requests/s, burst)", num(quotaHTTPAPIRate) + ", " + num(quotaHTTPAPIBurst), "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"},
		{"EventBridge PutEvents requests/s, us-east-1 (10 entries each at most)", num(quotaPutEvents), "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html"},
		{"EventBridge rule invocations/s, us-east-1", num(quotaEBInvocations), "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html"},
		{"SNS messages published/s, us-east-1", num(quotaSNSPublish), "https://docs.aws.amazon.com/general/latest/gr/sns.html"},
		{"DynamoDB on-demand throughput per table and per index (WRU/s)", num(quotaTableWRU), "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html"},
		{"DynamoDB partition: write / read units per second", "1,000 / 3,000", "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html"},
		{"DynamoDB new on-demand table (and index) before it scales (WRU/s)", num(newTableWRU), "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html"},
		{"DynamoDB index writes: put, delete, delete + put on a key change, none when nothing projected changes", "rules", "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations"},
		{"Lambda polls of a DynamoDB stream shard per second", num(streamPollsPerSecond), "https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html"},
		{"Lambda arm64, $ per GB-second (first 7.5 billion a month) / per million requests", fmt.Sprintf("%g / %g", priceLambdaGBs, priceLambdaReqM), "https://aws.amazon.com/lambda/pricing/"},
		{"DynamoDB on-demand, $ per million write / read request units", fmt.Sprintf("%g / %g", priceDDBWriteM, priceDDBReadM), "https://aws.amazon.com/dynamodb/pricing/on-demand/"},
		{"SQS standard, $ per million requests", fmt.Sprintf("%g", priceSQSReqM), "https://aws.amazon.com/sqs/pricing/"},
		{"HTTP API, $ per million requests (first 300 million a month / beyond)", fmt.Sprintf("%g / %g", priceHTTPAPIReqM, priceHTTPAPIReqMAbove), "https://aws.amazon.com/api-gateway/pricing/"},
		{"EventBridge custom events, $ per million", fmt.Sprintf("%g", priceEBEventM), "https://aws.amazon.com/eventbridge/pricing/"},
		{"SNS publishes, $ per million", fmt.Sprintf("%g", priceSNSPublishM), "https://aws.amazon.com/sns/pricing/"},
		{"X-Ray traces recorded, $ per million (Lambda samples 1 a second + 5%)", fmt.Sprintf("%g", priceXRayTraceM), "https://aws.amazon.com/xray/pricing/"},
	}
}
