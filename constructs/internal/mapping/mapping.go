// Package mapping holds what queueworker, streamconsumer and kinesisconsumer
// share about their event source mappings: filters checked against the
// source's grammar, the MappingProps pass-through with the safe defaults
// kept, and the stream settings (retries, record age, parallelization,
// tumbling windows, on-failure destination).
package mapping

import (
	"math"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventsource"
)

// Limits of event source mappings checked at synth (Lambda API
// CreateEventSourceMapping; the CDK's EventSourceMapping throws on the same).
const (
	MaxBatchingWindowSeconds  = 300
	MinParallelization        = 1
	MaxParallelization        = 10
	MaxTumblingWindowSeconds  = 900
	MaxRetryAttempts          = 10_000
	MinRecordAgeSeconds       = 60
	MaxRecordAgeSeconds       = 604_800 // 7 days
	MinPollers, MaxMinPollers = 1, 200
	MaxPollers                = 2_000
	MinSQSPollers             = 2 // SQS provisioned mode
)

// Filters checks filters for a mapping under scope against g and returns
// them as the mapping's filter criteria ({"pattern": JSON} each), nil
// without filters or when one is bad (synth fails then).
func Filters(problems *eventsource.Problems, scope constructs.IConstruct, g *eventfilter.Grammar, filters []eventfilter.Filter) *[]*map[string]interface{} {
	if len(filters) == 0 {
		return nil
	}
	max, problem := eventfilter.MaxFilters(scope)
	if problem != "" {
		problems.Addf("%s", problem)
	}
	patterns, ps := g.Check(filters, max)
	for _, p := range ps {
		problems.Addf("%s", p)
	}
	if len(ps) > 0 {
		return nil
	}
	out := make([]*map[string]interface{}, len(patterns))
	for i, p := range patterns {
		out[i] = &map[string]interface{}{"pattern": p}
	}
	return &out
}

// Source says what a construct's Props offer, for Override's messages.
type Source struct {
	// Kind names the source in messages: "an SQS", "a DynamoDB stream".
	Kind string
	// Props maps a mapping setting to the Props field that sets it ("" when
	// the setting does not apply to this source).
	Props map[string]string
	// SQS: provisioned pollers take SQS's limits and exclude MaxConcurrency.
	SQS bool
}

// Override merges o (Props.MappingProps) over p, the props the construct
// built: the settings Props do not offer pass through (Enabled,
// FilterEncryption, LogLevel, MetricsConfig, ProvisionedPollerConfig for
// SQS); a setting Props offer, one that does not apply to the source, or
// one the construct owns (the source ARN, ReportBatchItemFailures) fails
// synth naming it: nothing is silently replaced or re-asserted.
func Override(problems *eventsource.Problems, p *awslambda.EventSourceMappingProps, o *awslambda.EventSourceMappingOptions, src Source) {
	if o == nil {
		return
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"BatchSize", o.BatchSize != nil}, {"BisectBatchOnError", o.BisectBatchOnError != nil}, {"Filters", o.Filters != nil},
		{"MaxBatchingWindow", o.MaxBatchingWindow != nil}, {"MaxConcurrency", o.MaxConcurrency != nil}, {"MaxRecordAge", o.MaxRecordAge != nil},
		{"OnFailure", o.OnFailure != nil}, {"ParallelizationFactor", o.ParallelizationFactor != nil}, {"RetryAttempts", o.RetryAttempts != nil},
		{"StartingPosition", o.StartingPosition != ""}, {"StartingPositionTimestamp", o.StartingPositionTimestamp != nil}, {"TumblingWindow", o.TumblingWindow != nil},
	} {
		if !f.set {
			continue
		}
		if field, ok := src.Props[f.name]; ok && field != "" {
			problems.Addf("MappingProps.%s is set: use %s, which is checked at synth", f.name, field)
		} else {
			problems.Addf("MappingProps.%s is set: it does not apply to %s mapping", f.name, src.Kind)
		}
	}
	if o.EventSourceArn != nil {
		problems.Addf("MappingProps.EventSourceArn is set: the mapping reads the construct's source")
	}
	if o.ReportBatchItemFailures != nil {
		problems.Addf("MappingProps.ReportBatchItemFailures is set: the construct always turns it on, so that one failed record is retried alone, not with its whole batch")
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"KafkaBootstrapServers", o.KafkaBootstrapServers != nil}, {"KafkaConsumerGroupId", o.KafkaConsumerGroupId != nil}, {"KafkaTopic", o.KafkaTopic != nil},
		{"SchemaRegistryConfig", o.SchemaRegistryConfig != nil}, {"SourceAccessConfigurations", o.SourceAccessConfigurations != nil},
		{"SupportS3OnFailureDestination", o.SupportS3OnFailureDestination != nil}} {
		if f.set {
			problems.Addf("MappingProps.%s is set: it applies to Kafka and broker sources, not to %s mapping", f.name, src.Kind)
		}
	}

	p.Enabled = o.Enabled
	p.LogLevel = o.LogLevel
	p.MetricsConfig = o.MetricsConfig
	if o.FilterEncryption != nil {
		if p.Filters == nil {
			problems.Addf("MappingProps.FilterEncryption is set without Filters: it encrypts the filter criteria")
		} else {
			p.FilterEncryption = o.FilterEncryption
		}
	}
	if c := o.ProvisionedPollerConfig; c != nil {
		switch {
		case !src.SQS:
			problems.Addf("MappingProps.ProvisionedPollerConfig is set: Lambda's provisioned mode serves SQS and Kafka mappings, not %s mapping", src.Kind)
		case p.MaxConcurrency != nil:
			problems.Addf("MaxConcurrency %s and MappingProps.ProvisionedPollerConfig are both set: an SQS mapping in provisioned mode scales with its pollers; give one or the other", eventsource.Num(*p.MaxConcurrency))
		case pollers(problems, c):
			p.ProvisionedPollerConfig = c
		}
	}
}

// pollers checks an SQS mapping's provisioned pollers (Lambda: minimum
// 2-200, maximum 2-2,000, minimum <= maximum).
func pollers(problems *eventsource.Problems, c *awslambda.ProvisionedPollerConfig) bool {
	ok := true
	check := func(name string, v *float64, max float64) {
		if v != nil && !isToken(*v) && (*v < MinSQSPollers || *v > max || *v != math.Trunc(*v)) {
			problems.Addf("MappingProps.ProvisionedPollerConfig.%s %s is outside %d-%s (Lambda provisioned mode for SQS)", name, eventsource.Num(*v), MinSQSPollers, eventsource.Num(max))
			ok = false
		}
	}
	check("MinimumPollers", c.MinimumPollers, MaxMinPollers)
	check("MaximumPollers", c.MaximumPollers, MaxPollers)
	if ok && c.MinimumPollers != nil && c.MaximumPollers != nil && *c.MinimumPollers > *c.MaximumPollers {
		problems.Addf("MappingProps.ProvisionedPollerConfig.MinimumPollers %s is above MaximumPollers %s", eventsource.Num(*c.MinimumPollers), eventsource.Num(*c.MaximumPollers))
		ok = false
	}
	return ok
}

func isToken(v float64) bool { return v < -1e280 && *awscdk.Token_IsUnresolved(v) }

// Stream is what streamconsumer and kinesisconsumer set on their mappings.
type Stream struct {
	StartingPosition          awslambda.StartingPosition
	StartingPositionTimestamp *float64
	BatchSize                 *float64
	MaxBatchingWindow         awscdk.Duration
	ParallelizationFactor     *float64
	TumblingWindow            awscdk.Duration
	BisectBatchOnError        *bool
	RetryAttempts             *float64
	MaxRecordAge              awscdk.Duration
	InfiniteRecordAge         *bool
	// Retention of the stream in seconds when known (0: unknown), and how
	// messages name it ("the DynamoDB stream's retention (24 h)").
	RetentionSeconds float64
	RetentionName    string
}

// StreamProps checks s (as the Props fields of the same names) and returns
// the mapping props it sets, and whether the record age is infinite (-1,
// which the CDK's EventSourceMapping cannot take: set it with
// InfiniteRecordAge after defining the mapping).
func StreamProps(problems *eventsource.Problems, s Stream) (awslambda.EventSourceMappingProps, bool) {
	const em = "event source mapping"
	p := awslambda.EventSourceMappingProps{
		StartingPosition:          s.StartingPosition,
		StartingPositionTimestamp: s.StartingPositionTimestamp,
		BatchSize:                 problems.Count("BatchSize", s.BatchSize, 100, 1, 10_000, "", em),
		MaxBatchingWindow:         problems.Duration("MaxBatchingWindow", s.MaxBatchingWindow, nil, 0, MaxBatchingWindowSeconds, true, em),
		ParallelizationFactor:     problems.Count("ParallelizationFactor", s.ParallelizationFactor, 1, MinParallelization, MaxParallelization, "", em),
		TumblingWindow:            problems.Duration("TumblingWindow", s.TumblingWindow, nil, 0, MaxTumblingWindowSeconds, true, em),
		BisectBatchOnError:        s.BisectBatchOnError,
		ReportBatchItemFailures:   jsii.Bool(true),
	}
	if p.StartingPosition == "" {
		p.StartingPosition = awslambda.StartingPosition_TRIM_HORIZON
	}
	if p.BisectBatchOnError == nil {
		p.BisectBatchOnError = jsii.Bool(true)
	}
	p.RetryAttempts = jsii.Number(10)
	if r := s.RetryAttempts; r != nil {
		if isToken(*r) || *r == -1 || (*r >= 0 && *r <= MaxRetryAttempts && *r == math.Trunc(*r)) {
			p.RetryAttempts = r
		} else {
			problems.Addf("RetryAttempts %s is neither -1 (retry until the record expires) nor a whole number within 0-%d (%s)", eventsource.Num(*r), MaxRetryAttempts, em)
		}
	}
	infinite := s.InfiniteRecordAge != nil && *s.InfiniteRecordAge
	if infinite && s.MaxRecordAge != nil {
		problems.Addf("MaxRecordAge %ss and InfiniteRecordAge are both set: give one", eventsource.Num(eventsource.Seconds(s.MaxRecordAge)))
		infinite = false
	}
	if !infinite {
		p.MaxRecordAge = problems.Duration("MaxRecordAge", s.MaxRecordAge, awscdk.Duration_Days(jsii.Number(1)), MinRecordAgeSeconds, MaxRecordAgeSeconds, true, em)
		if age := eventsource.Seconds(p.MaxRecordAge); s.MaxRecordAge != nil && !*p.MaxRecordAge.IsUnresolved() && s.RetentionSeconds > 0 && age > s.RetentionSeconds {
			problems.Addf("MaxRecordAge %ss is longer than %s, %ss: records expire from the stream before they reach that age, unprocessed and never sent to the dead-letter queue; give at most %ss",
				eventsource.Num(age), s.RetentionName, eventsource.Num(s.RetentionSeconds), eventsource.Num(s.RetentionSeconds))
		}
	}
	return p, infinite
}

// InfiniteRecordAge sets m's MaximumRecordAgeInSeconds to -1 (Lambda's
// "infinite": a failing record is retried until RetryAttempts run out or it
// expires from the stream), which the CDK's EventSourceMapping refuses.
func InfiniteRecordAge(m awslambda.EventSourceMapping) {
	m.Node().DefaultChild().(awslambda.CfnEventSourceMapping).AddPropertyOverride(jsii.String("MaximumRecordAgeInSeconds"), -1)
}

// StandardQueue reports q, the on-failure destination of a stream mapping
// (field names the Props field), when it is a FIFO queue: Lambda takes a
// standard queue only. Returns whether q is usable.
func StandardQueue(problems *eventsource.Problems, field string, q awssqs.IQueue) bool {
	if q == nil || q.Fifo() == nil || !*q.Fifo() {
		return true
	}
	problems.Addf("%s %s is a FIFO queue: Lambda sends the records a stream mapping gives up on to a standard SQS queue only (Lambda API DestinationConfig); give a standard queue", field, eventsource.Path(q))
	return false
}
