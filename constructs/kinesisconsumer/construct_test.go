package kinesisconsumer_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/kinesisconsumer"
)

// The consumer is a construct: tags, dependencies and lookups on it reach
// what it defined, the stream and the event source mapping included.
func TestConsumerIsAConstructOverEverythingItDefines(t *testing.T) {
	stack := constructstest.Stack()
	k := kinesisconsumer.New(stack, jsii.String("K"), &kinesisconsumer.Props{Function: constructstest.Function(stack, "Fn", 10), EnhancedFanOut: jsii.Bool(true)})
	awscdk.Tags_Of(k).Add(jsii.String("team"), jsii.String("clicks"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(k)

	if got := k.Node().FindChild(jsii.String("EventSourceMapping")); got == nil || *got.Node().Path() != *k.EventSourceMapping.Node().Path() {
		t.Fatalf("got %v, want the mapping as the consumer's child EventSourceMapping", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tag := assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "clicks"}})
	for _, typ := range []string{"AWS::Lambda::EventSourceMapping", "AWS::Kinesis::Stream", "AWS::SQS::Queue"} {
		tmpl.HasResourceProperties(jsii.String(typ), &map[string]any{"Tags": tag})
	}
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), &map[string]any{"Tags": tag}, jsii.Number(0))
	for _, c := range []constructs.IConstruct{k.EventSourceMapping, k.Consumer, k.Stream} {
		tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
			"DependsOn": assertions.Match_ArrayWith(&[]any{constructstest.LogicalID(stack, c)}),
		})
	}
}

// Moving from fn.AddEventSource(KinesisEventSource or
// KinesisConsumerEventSource) to kinesisconsumer keeps the mapping's logical
// ID, so the deployed mapping (and its position in the shards) is kept.
func TestMappingKeepsTheLogicalIDOfAddEventSource(t *testing.T) {
	for _, efo := range []bool{false, true} {
		mappingID := func(build func(fn awslambda.Function, scope constructs.Construct)) string {
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Clicks-dev"), nil)
			fn := constructstest.Function(stack, "Aggregate", 20)
			build(fn, constructs.NewConstruct(stack, jsii.String("Service")))
			ids := *assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::Lambda::EventSourceMapping"), nil)
			if len(ids) != 1 {
				t.Fatalf("got %d mappings, want 1", len(ids))
			}
			for id := range ids {
				return id
			}
			return ""
		}
		cdk := mappingID(func(fn awslambda.Function, scope constructs.Construct) {
			// The stream and consumer where kinesisconsumer defines its own:
			// the mapping's ID holds the source's unique ID.
			clicks := constructs.NewConstruct(scope, jsii.String("Clicks"))
			stream := awskinesis.NewStream(clicks, jsii.String("Stream"), nil)
			props := &awslambdaeventsources.KinesisEventSourceProps{StartingPosition: awslambda.StartingPosition_TRIM_HORIZON}
			if efo {
				consumer := awskinesis.NewStreamConsumer(clicks, jsii.String("Consumer"), &awskinesis.StreamConsumerProps{Stream: stream, StreamConsumerName: jsii.String("c")})
				fn.AddEventSource(awslambdaeventsources.NewKinesisConsumerEventSource(consumer, props))
			} else {
				fn.AddEventSource(awslambdaeventsources.NewKinesisEventSource(stream, props))
			}
		})
		ours := mappingID(func(fn awslambda.Function, scope constructs.Construct) {
			kinesisconsumer.New(scope, jsii.String("Clicks"), &kinesisconsumer.Props{Function: fn, EnhancedFanOut: jsii.Bool(efo)})
		})
		if ours != cdk {
			t.Errorf("enhanced fan-out %v: got logical ID %s, want %s (Function.AddEventSource's)", efo, ours, cdk)
		}
	}
}

func TestAliasAsFunctionAndSetInvokeTarget(t *testing.T) {
	for _, viaTarget := range []bool{false, true} {
		stack := constructstest.Stack()
		fn := constructstest.Function(stack, "Fn", 10)
		live := awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
		var target awslambda.IFunction = live
		if viaTarget {
			eventsource.SetInvokeTarget(fn, live)
			target = fn
		}
		kinesisconsumer.New(stack, jsii.String("K"), &kinesisconsumer.Props{Function: target})
		if got := constructstest.Problems(t, stack); got != nil {
			t.Fatalf("got problems %v, want none", got)
		}
		tmpl := assertions.Template_FromStack(stack, nil)
		mappings := *tmpl.FindResources(jsii.String("AWS::Lambda::EventSourceMapping"), nil)
		for _, m := range mappings {
			got, _ := json.Marshal((*m)["Properties"].(map[string]any)["FunctionName"])
			if want := `{"Ref":"` + constructstest.LogicalID(stack, live) + `"}`; !strings.Contains(string(got), want) || !strings.Contains(string(got), `":live"`) {
				t.Errorf("SetInvokeTarget %v: got FunctionName %s, want the alias live", viaTarget, got)
			}
		}
		if !strings.Contains(policyJSON(t, tmpl), "kinesis:GetRecords") {
			t.Errorf("SetInvokeTarget %v: got no kinesis:GetRecords grant on the function's role", viaTarget)
		}
	}
}

func TestFiltersScalingAndRetries(t *testing.T) {
	stack := constructstest.Stack()
	kinesisconsumer.New(stack, jsii.String("K"), &kinesisconsumer.Props{Function: constructstest.Function(stack, "Fn", 10),
		StreamRetention: awscdk.Duration_Days(jsii.Number(3)), MaxRecordAge: awscdk.Duration_Days(jsii.Number(2)),
		RetryAttempts: jsii.Number(-1), ParallelizationFactor: jsii.Number(10), TumblingWindow: awscdk.Duration_Seconds(jsii.Number(60)),
		Filters: []eventfilter.Filter{eventfilter.Pattern{"data": eventfilter.Pattern{"level": eventfilter.Equals("ERROR")}}}})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"FilterCriteria":            map[string]any{"Filters": []any{map[string]any{"Pattern": `{"data":{"level":["ERROR"]}}`}}},
		"MaximumRetryAttempts":      -1,
		"MaximumRecordAgeInSeconds": 172800,
		"ParallelizationFactor":     10,
		"TumblingWindowInSeconds":   60,
	})

	stack = constructstest.Stack()
	kinesisconsumer.New(stack, jsii.String("K"), &kinesisconsumer.Props{Function: constructstest.Function(stack, "Fn", 10), InfiniteRecordAge: jsii.Bool(true)})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"MaximumRecordAgeInSeconds": -1,
	})
}

func TestContradictionsFailSynth(t *testing.T) {
	stack := constructstest.Stack()
	kinesisconsumer.New(stack, jsii.String("K"), &kinesisconsumer.Props{Function: constructstest.Function(stack, "Fn", 10),
		MaxRecordAge: awscdk.Duration_Days(jsii.Number(2)), TumblingWindow: awscdk.Duration_Minutes(jsii.Number(16)),
		DeadLetterQueue: awssqs.Queue_FromQueueArn(stack, jsii.String("Failures"), jsii.String("arn:aws:sqs:us-east-1:123456789012:failures.fifo")),
		Filters:         []eventfilter.Filter{eventfilter.Pattern{"data": eventfilter.Prefix("{")}},
		MappingProps:    &awslambda.EventSourceMappingOptions{StartingPositionTimestamp: jsii.Number(1), MaxConcurrency: jsii.Number(2)},
	})
	constructstest.WantProblems(t, stack,
		"[S/K] kinesisconsumer: MaxRecordAge 172800s is longer than the stream's StreamRetention, 86400s: records expire from the stream before they reach that age, unprocessed and never sent to the dead-letter queue; give at most 86400s",
		"[S/K] kinesisconsumer: TumblingWindow 960s is outside 0-900s (event source mapping)",
		"[S/K] kinesisconsumer: DeadLetterQueue S/Failures is a FIFO queue: Lambda sends the records a stream mapping gives up on to a standard SQS queue only (Lambda API DestinationConfig); give a standard queue",
		"[S/K] kinesisconsumer: Filters[0] data: must be an object of fields, not a rule: Lambda event filtering for Kinesis matches the record's data as JSON",
		"[S/K] kinesisconsumer: MappingProps.StartingPositionTimestamp is set: use Props.StartingPositionTimestamp, which is checked at synth",
		"[S/K] kinesisconsumer: MappingProps.MaxConcurrency is set: it does not apply to a Kinesis mapping",
	)
}

// An imported stream encrypted with a customer managed key, imported with
// it: the function may decrypt the records, through the consumer too.
func TestImportedStreamWithItsKey(t *testing.T) {
	for _, efo := range []bool{false, true} {
		stack := constructstest.Stack()
		key := awskms.Key_FromKeyArn(stack, jsii.String("Key"), jsii.String("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))
		stream := awskinesis.Stream_FromStreamAttributes(stack, jsii.String("Clicks"), &awskinesis.StreamAttributes{
			StreamArn: jsii.String("arn:aws:kinesis:us-east-1:123456789012:stream/clicks"), EncryptionKey: key,
		})
		kinesisconsumer.New(stack, jsii.String("K"), &kinesisconsumer.Props{Function: constructstest.Function(stack, "Fn", 10), Stream: stream, EnhancedFanOut: jsii.Bool(efo)})
		policy := policyJSON(t, assertions.Template_FromStack(stack, nil))
		for _, want := range []string{`"kms:Decrypt"`, `"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"`} {
			if !strings.Contains(policy, want) {
				t.Errorf("enhanced fan-out %v: policy %s: want %s", efo, policy, want)
			}
		}
	}
}

func TestMappingPropsPassThrough(t *testing.T) {
	stack := constructstest.Stack()
	kinesisconsumer.New(stack, jsii.String("K"), &kinesisconsumer.Props{Function: constructstest.Function(stack, "Fn", 10),
		MappingProps: &awslambda.EventSourceMappingOptions{Enabled: jsii.Bool(false), LogLevel: awslambda.EventSourceMappingLogLevel_INFO}})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"Enabled": false, "LoggingConfig": map[string]any{"SystemLogLevel": "INFO"}, "FunctionResponseTypes": []any{"ReportBatchItemFailures"},
	})
}
