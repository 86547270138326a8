package streamconsumer_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/streamconsumer"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func table(stack awscdk.Stack) awsdynamodb.Table {
	return awsdynamodb.NewTable(stack, jsii.String("T"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		Stream:       awsdynamodb.StreamViewType_NEW_IMAGE,
	})
}

func TestDefaults(t *testing.T) {
	stack := constructstest.Stack()
	streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: table(stack), Function: constructstest.Function(stack, "Fn", 10)})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"StartingPosition":           "TRIM_HORIZON",
		"BatchSize":                  100,
		"BisectBatchOnFunctionError": true,
		"MaximumRetryAttempts":       10,
		"MaximumRecordAgeInSeconds":  86400,
		"ParallelizationFactor":      1,
		"FunctionResponseTypes":      []any{"ReportBatchItemFailures"},
		"DestinationConfig":          map[string]any{"OnFailure": map[string]any{"Destination": assertions.Match_AnyValue()}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 1209600,
	})
}

func TestBadPropsFailSynth(t *testing.T) {
	const em = " (event source mapping)"
	tests := []struct {
		name  string
		props streamconsumer.Props
		want  string
	}{
		{"batch size", streamconsumer.Props{BatchSize: jsii.Number(0)}, "[S/C] streamconsumer: BatchSize 0 is outside 1-10000" + em},
		{"retries", streamconsumer.Props{RetryAttempts: jsii.Number(10001)}, "[S/C] streamconsumer: RetryAttempts 10001 is neither -1 (retry until the record expires) nor a whole number within 0-10000" + em},
		{"retries below -1", streamconsumer.Props{RetryAttempts: jsii.Number(-2)}, "[S/C] streamconsumer: RetryAttempts -2 is neither -1 (retry until the record expires) nor a whole number within 0-10000" + em},
		{"record age past the stream's retention", streamconsumer.Props{MaxRecordAge: awscdk.Duration_Days(jsii.Number(2))},
			"[S/C] streamconsumer: MaxRecordAge 172800s is longer than the retention of DynamoDB Streams (24 h), 86400s: records expire from the stream before they reach that age, unprocessed and never sent to the dead-letter queue; give at most 86400s"},
		{"record age both ways", streamconsumer.Props{MaxRecordAge: awscdk.Duration_Hours(jsii.Number(1)), InfiniteRecordAge: jsii.Bool(true)},
			"[S/C] streamconsumer: MaxRecordAge 3600s and InfiniteRecordAge are both set: give one"},
		{"tumbling window", streamconsumer.Props{TumblingWindow: awscdk.Duration_Seconds(jsii.Number(901))}, "[S/C] streamconsumer: TumblingWindow 901s is outside 0-900s" + em},
		{"record age", streamconsumer.Props{MaxRecordAge: awscdk.Duration_Days(jsii.Number(8))}, "[S/C] streamconsumer: MaxRecordAge 691200s is outside 60-604800s" + em},
		{"parallelization", streamconsumer.Props{ParallelizationFactor: jsii.Number(11)}, "[S/C] streamconsumer: ParallelizationFactor 11 is outside 1-10" + em},
		{"batching window", streamconsumer.Props{MaxBatchingWindow: awscdk.Duration_Minutes(jsii.Number(10))}, "[S/C] streamconsumer: MaxBatchingWindow 600s is outside 0-300s" + em},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			p := tt.props
			p.Table, p.Function = table(stack), constructstest.Function(stack, "Fn", 10)
			c := streamconsumer.New(stack, jsii.String("C"), &p)
			if c.EventSourceMapping == nil {
				t.Error("got no EventSourceMapping; want one built with the default in place of the bad value")
			}
			constructstest.WantProblems(t, stack, tt.want)
		})
	}
}

func TestRequiredPropsFailSynth(t *testing.T) {
	stack := constructstest.Stack()
	c := streamconsumer.New(stack, jsii.String("C"), nil)
	if c.DeadLetterQueue == nil || c.DeadLetterQueueAlarm == nil || c.EventSourceMapping != nil {
		t.Error("want the dead-letter queue and its alarm built without Table and Function, and no mapping")
	}
	constructstest.WantProblems(t, stack,
		"[S/C] streamconsumer: Table is required (the table whose stream the function reads)",
		"[S/C] streamconsumer: Function is required (the function that consumes the stream)")
}

func TestImportedTableNeedsItsStreamArn(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 10)
	streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{
		Table: awsdynamodb.Table_FromTableName(stack, jsii.String("Orders"), jsii.String("orders")), Function: fn,
	})
	constructstest.WantProblems(t, stack, "[S/C] streamconsumer: Table S/Orders has no stream this app knows of: give a table of the app its stream (awsdynamodb.TableProps.Stream, or TableV2's DynamoStream), or import it with awsdynamodb.Table_FromTableAttributes and TableStreamArn")

	stack = constructstest.Stack()
	const streamArn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"
	streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{
		Table: awsdynamodb.Table_FromTableAttributes(stack, jsii.String("Orders"), &awsdynamodb.TableAttributes{
			TableName: jsii.String("orders"), TableStreamArn: jsii.String(streamArn),
		}),
		Function: constructstest.Function(stack, "Fn", 10),
	})
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"EventSourceArn": streamArn,
	})
}
