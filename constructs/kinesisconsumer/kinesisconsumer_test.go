package kinesisconsumer_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/kinesisconsumer"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestDefaults(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.NagCleanFunction(stack, "Fn", 10)
	alarms := awssns.NewTopic(stack, jsii.String("Alarms"), nil)
	k := kinesisconsumer.New(stack, jsii.String("Clicks"), &kinesisconsumer.Props{Function: fn, AlarmAction: awscloudwatchactions.NewSnsAction(alarms)})
	tmpl := assertions.Template_FromStack(stack, nil)
	streamID, dlq := constructstest.LogicalID(stack, k.Stream), constructstest.LogicalID(stack, k.DeadLetterQueue)

	// A new stream, encrypted with the AWS managed key, on demand, 24 h.
	tmpl.HasResourceProperties(jsii.String("AWS::Kinesis::Stream"), &map[string]any{
		"StreamEncryption":     map[string]any{"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"},
		"StreamModeDetails":    map[string]any{"StreamMode": "ON_DEMAND"},
		"RetentionPeriodHours": 24,
		"ShardCount":           assertions.Match_Absent(),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"EventSourceArn":             map[string]any{"Fn::GetAtt": []any{streamID, "Arn"}},
		"StartingPosition":           "TRIM_HORIZON",
		"BatchSize":                  100,
		"BisectBatchOnFunctionError": true,
		"MaximumRetryAttempts":       10,
		"MaximumRecordAgeInSeconds":  86400,
		"ParallelizationFactor":      1,
		"FunctionResponseTypes":      []any{"ReportBatchItemFailures"},
		"DestinationConfig":          map[string]any{"OnFailure": map[string]any{"Destination": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}}},
	})
	// The function reads this stream and sends to the dead-letter queue; it
	// never writes to the stream.
	policy := policyJSON(t, tmpl)
	for _, want := range []string{"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "sqs:SendMessage"} {
		if !strings.Contains(policy, want) {
			t.Errorf("policy %s: want %s", policy, want)
		}
	}
	if strings.Contains(policy, "kinesis:PutRecord") {
		t.Errorf("policy %s: got kinesis:PutRecord, want no write", policy)
	}
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"Namespace": "AWS/Lambda", "MetricName": "IteratorAge", "Statistic": "Maximum", "Threshold": 300_000,
		"Dimensions":   []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": constructstest.LogicalID(stack, fn)}}},
		"AlarmActions": constructstest.AlarmActions(stack, alarms),
	})
	constructstest.HasDeadLetterQueueAlarm(tmpl, stack, k.DeadLetterQueue, alarms)
	if len(k.Alarms) != 2 || k.Consumer != nil || k.EventSourceMapping == nil {
		t.Errorf("got %d alarms, consumer %v, mapping %v; want 2, none, one", len(k.Alarms), k.Consumer, k.EventSourceMapping)
	}
}

// policyJSON returns the template's IAM policies as JSON.
func policyJSON(t *testing.T, tmpl assertions.Template) string {
	t.Helper()
	b, err := json.Marshal(tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExistingStreamWithEnhancedFanOut(t *testing.T) {
	stack := constructstest.Stack()
	stream := awskinesis.Stream_FromStreamArn(stack, jsii.String("Clicks"), jsii.String("arn:aws:kinesis:us-east-1:123456789012:stream/clicks"))
	k := kinesisconsumer.New(stack, jsii.String("Reader"), &kinesisconsumer.Props{
		Stream: stream, Function: constructstest.Function(stack, "Fn", 10), EnhancedFanOut: jsii.Bool(true),
		StartingPosition: awslambda.StartingPosition_AT_TIMESTAMP, StartingPositionTimestamp: jsii.Number(1_790_000_000),
		BatchSize: jsii.Number(500), ParallelizationFactor: jsii.Number(4), BisectBatchOnError: jsii.Bool(false),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Kinesis::Stream"), jsii.Number(0))
	consumerID := constructstest.LogicalID(stack, k.Consumer)
	tmpl.HasResourceProperties(jsii.String("AWS::Kinesis::StreamConsumer"), &map[string]any{
		"StreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/clicks", "ConsumerName": assertions.Match_StringLikeRegexp(jsii.String("^SReader")),
	})
	// The mapping reads through the consumer.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"EventSourceArn":             map[string]any{"Fn::GetAtt": []any{consumerID, "ConsumerARN"}},
		"StartingPosition":           "AT_TIMESTAMP",
		"StartingPositionTimestamp":  1_790_000_000,
		"BatchSize":                  500,
		"ParallelizationFactor":      4,
		"BisectBatchOnFunctionError": false,
	})
	if k.Stream != stream {
		t.Errorf("got Stream %v, want the existing one", k.Stream)
	}
}

func TestProvisionedStream(t *testing.T) {
	stack := constructstest.Stack()
	kinesisconsumer.New(stack, jsii.String("Clicks"), &kinesisconsumer.Props{Function: constructstest.Function(stack, "Fn", 10),
		StreamMode: awskinesis.StreamMode_PROVISIONED, ShardCount: jsii.Number(4), StreamRetention: awscdk.Duration_Days(jsii.Number(7))})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Kinesis::Stream"), &map[string]any{
		"ShardCount": 4, "RetentionPeriodHours": 168, "StreamModeDetails": map[string]any{"StreamMode": "PROVISIONED"},
	})
}

func TestBadPropsFailSynth(t *testing.T) {
	const em = " (event source mapping)"
	tests := []struct {
		name  string
		props func(awscdk.Stack) *kinesisconsumer.Props
		want  []string
	}{
		{"nothing", func(awscdk.Stack) *kinesisconsumer.Props { return nil },
			[]string{"[S/K] kinesisconsumer: Function is required (the function that consumes the stream)"}},
		{"mapping", func(s awscdk.Stack) *kinesisconsumer.Props {
			return &kinesisconsumer.Props{Function: constructstest.Function(s, "Fn", 3), BatchSize: jsii.Number(10_001), ParallelizationFactor: jsii.Number(0),
				RetryAttempts: jsii.Number(-3), MaxRecordAge: awscdk.Duration_Days(jsii.Number(8)), MaxBatchingWindow: awscdk.Duration_Seconds(jsii.Number(301))}
		}, []string{
			"[S/K] kinesisconsumer: BatchSize 10001 is outside 1-10000" + em,
			"[S/K] kinesisconsumer: MaxBatchingWindow 301s is outside 0-300s" + em,
			"[S/K] kinesisconsumer: ParallelizationFactor 0 is outside 1-10" + em,
			"[S/K] kinesisconsumer: RetryAttempts -3 is neither -1 (retry until the record expires) nor a whole number within 0-10000" + em,
			"[S/K] kinesisconsumer: MaxRecordAge 691200s is outside 60-604800s" + em,
		}},
		{"starting position", func(s awscdk.Stack) *kinesisconsumer.Props {
			return &kinesisconsumer.Props{Function: constructstest.Function(s, "Fn", 3), StartingPosition: awslambda.StartingPosition_AT_TIMESTAMP}
		}, []string{"[S/K] kinesisconsumer: StartingPositionTimestamp is required with StartingPosition AT_TIMESTAMP (Unix seconds)"}},
		{"new stream", func(s awscdk.Stack) *kinesisconsumer.Props {
			return &kinesisconsumer.Props{Function: constructstest.Function(s, "Fn", 3), ShardCount: jsii.Number(2), StreamRetention: awscdk.Duration_Minutes(jsii.Number(90))}
		}, []string{
			"[S/K] kinesisconsumer: ShardCount 2 is set with StreamMode ON_DEMAND: it applies to PROVISIONED only",
			"[S/K] kinesisconsumer: StreamRetention 5400s is outside 86400-31536000s (Kinesis quotas)",
		}},
		{"more concurrency than the function reserves", func(s awscdk.Stack) *kinesisconsumer.Props {
			fn := constructstest.Function(s, "Fn", 3)
			fn.Node().DefaultChild().(awslambda.CfnFunction).SetReservedConcurrentExecutions(jsii.Number(10))
			return &kinesisconsumer.Props{Function: fn, StreamMode: awskinesis.StreamMode_PROVISIONED, ShardCount: jsii.Number(4), ParallelizationFactor: jsii.Number(3)}
		}, []string{"[S/K] kinesisconsumer: ParallelizationFactor 3 x ShardCount 4 = 12 concurrent invocations, above the reserved concurrency 10 of Function S/Fn: the mapping is throttled and the stream falls behind (IteratorAgeAlarm); lower ParallelizationFactor or raise the function's reserved concurrency"}},
		{"existing stream", func(s awscdk.Stack) *kinesisconsumer.Props {
			return &kinesisconsumer.Props{Function: constructstest.Function(s, "Fn", 3), ShardCount: jsii.Number(2),
				Stream: awskinesis.Stream_FromStreamArn(s, jsii.String("Clicks"), jsii.String("arn:aws:kinesis:us-east-1:123456789012:stream/clicks"))}
		}, []string{"[S/K] kinesisconsumer: ShardCount is set with an existing Stream (S/Clicks): it configures the stream this construct creates"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			k := kinesisconsumer.New(stack, jsii.String("K"), tt.props(stack))
			if k.Stream == nil || k.DeadLetterQueue == nil || k.DeadLetterQueueAlarm == nil {
				t.Error("want the stream, the dead-letter queue and its alarm built")
			}
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}

func TestCdkNagClean(t *testing.T) {
	stack := constructstest.Stack()
	kinesisconsumer.New(stack, jsii.String("Clicks"), &kinesisconsumer.Props{Function: constructstest.NagCleanFunction(stack, "Fn", 10), EnhancedFanOut: jsii.Bool(true)})
	constructstest.NoNagFindings(t, stack)
}
