// Package eventbus provides a custom EventBridge event bus with an archive,
// so that the events put on it can be replayed: to a consumer that was down
// or wrong, or to a new one that needs the history.
//
//	orders := eventbus.New(stack, jsii.String("Orders"), &eventbus.Props{
//		ArchiveRetention: awscdk.Duration_Days(jsii.Number(30)),
//	})
//	orders.Bus.GrantPutEventsTo(kitchen.Function, nil) // events:PutEvents on this bus only
//	eventrule.New(stack, jsii.String("Notify"), &eventrule.Props{EventBus: orders.Bus, ...})
//
// Replay (AWS CLI; the archive and bus ARNs are the construct's):
//
//	aws events start-replay --replay-name orders-2026-11-30 \
//	  --event-source-arn "$ARCHIVE_ARN" --destination Arn="$BUS_ARN" \
//	  --event-start-time 2026-11-30T08:00:00Z --event-end-time 2026-11-30T09:00:00Z
//
// A replayed event reaches every rule of the bus again (a rule can skip
// replays by matching "replay-name" in its pattern): consumers must be
// idempotent, as for any EventBridge delivery.
package eventbus

import (
	"math"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/propsoverride"
)

// DefaultArchiveRetentionDays is how long the archive keeps events by
// default, in days.
const DefaultArchiveRetentionDays = 30

// Props configures an EventBus. Nil fields take the documented default.
type Props struct {
	// Description of the bus. Default: none.
	Description *string
	// ArchiveRetention: how long the archive keeps each event, in whole
	// days, at least 1 day. Archived events are billed per GB-month.
	// Default: 30 days.
	ArchiveRetention awscdk.Duration
	// ArchivePattern selects the events to archive. Default: every event
	// put on the bus (source prefix "").
	ArchivePattern *awsevents.EventPattern
	// BusProps override the bus's props (AWS Solutions Constructs style),
	// e.g. DeadLetterQueue or EventBusName. Description comes from this
	// construct's props: setting it here fails synth. A KmsKey of the same
	// stack makes a dependency cycle (see New). Default: none.
	BusProps *awsevents.EventBusProps
	// ArchiveProps override the archive's props, e.g. ArchiveName.
	// SourceEventBus, EventPattern and Retention come from this
	// construct: setting them here fails synth. Default: none.
	ArchiveProps *awsevents.ArchiveProps
}

// EventBus is what New built: a construct, so that awscdk.Tags_Of,
// Node().AddDependency and aspects on it reach the bus and the archive.
type EventBus struct {
	constructs.Construct
	// Bus is the custom event bus. Producers get events:PutEvents on it
	// (only) with Bus.GrantPutEventsTo(grantee, nil); consumers are rules on
	// it (eventrule.Props.EventBus).
	Bus awsevents.EventBus
	// Archive keeps the bus's events for ArchiveRetention, for replay.
	Archive awsevents.Archive
}

// New defines the bus and its archive. Construct IDs below id: "Bus",
// "Archive". The bus has a name CloudFormation requires, generated from
// its construct path; it has no resource policy (only principals of this
// account with events:PutEvents on it can put events). Bad props fail synth
// (see eventsource.Problems).
func New(scope constructs.Construct, id *string, props *Props) *EventBus {
	b := &EventBus{}
	constructs.NewConstruct_Override(b, scope, id)
	c := b.Construct
	problems := eventsource.NewProblems(c, "eventbus")
	var p Props
	if props != nil {
		p = *props
	}
	def := awscdk.Duration_Days(jsii.Number(DefaultArchiveRetentionDays))
	retention := p.ArchiveRetention
	if retention == nil {
		retention = def
	} else if !*retention.IsUnresolved() {
		if days := eventsource.Seconds(retention) / 86400; days < 1 || days != math.Trunc(days) {
			problems.Addf("ArchiveRetention %ss is not a whole number of days of at least 1 (the archive keeps events for a number of days)", eventsource.Num(eventsource.Seconds(retention)))
			retention = def
		}
	}
	pattern := p.ArchivePattern
	if pattern == nil {
		pattern = &awsevents.EventPattern{Source: awsevents.Match_Prefix(jsii.String(""))}
	}
	// Events on the bus and in the archive are encrypted at rest with an AWS
	// owned key. (A customer managed key, EventBusProps.KmsKey, makes CDK
	// write a key policy naming the bus: a dependency cycle when the key is
	// in the same stack.)
	busProps := &awsevents.EventBusProps{Description: p.Description}
	for _, f := range propsoverride.Apply(busProps, p.BusProps, map[string]string{"Description": ""}) {
		problems.Addf("BusProps.%s is set: it is this construct's prop %s; set it there", f, f)
	}
	bus := awsevents.NewEventBus(c, jsii.String("Bus"), busProps)
	archiveProps := &awsevents.ArchiveProps{
		SourceEventBus: bus,
		Description:    jsii.String("Events of " + *c.Node().Path() + ", for replay"),
		EventPattern:   pattern,
		Retention:      retention,
	}
	for _, f := range propsoverride.Apply(archiveProps, p.ArchiveProps, map[string]string{"SourceEventBus": "", "EventPattern": "", "Retention": ""}) {
		problems.Addf("ArchiveProps.%s is set: it is built from this construct's props (the bus, ArchivePattern, ArchiveRetention); set those instead", f)
	}
	archive := awsevents.NewArchive(c, jsii.String("Archive"), archiveProps)
	// aws-cdk-lib writes KmsKeyIdentifier "" when no key is given, which
	// some regions refuse (GeneralServiceException; aws/aws-cdk#37847):
	// leave it out, which CloudFormation takes as the AWS owned key.
	if archiveProps.KmsKey == nil {
		archive.Node().DefaultChild().(awscdk.CfnResource).AddPropertyDeletionOverride(jsii.String("KmsKeyIdentifier"))
	}
	b.Bus, b.Archive = bus, archive
	return b
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (b *EventBus) ToString() *string { return b.Construct.ToString() }
