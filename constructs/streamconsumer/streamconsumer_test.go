package streamconsumer_test

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/constructstest"
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

func TestBadPropsFail(t *testing.T) {
	tests := []struct {
		name  string
		props streamconsumer.Props
		want  string
	}{
		{"batch size", streamconsumer.Props{BatchSize: jsii.Number(0)}, "streamconsumer: BatchSize 0 is outside 1-10000"},
		{"retries", streamconsumer.Props{RetryAttempts: jsii.Number(10001)}, "streamconsumer: RetryAttempts 10001 is outside 0-10000"},
		{"record age", streamconsumer.Props{MaxRecordAge: awscdk.Duration_Days(jsii.Number(8))}, "streamconsumer: MaxRecordAge 691200s is outside 60-604800s"},
		{"parallelization", streamconsumer.Props{ParallelizationFactor: jsii.Number(11)}, "streamconsumer: ParallelizationFactor 11 is outside 1-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			p := tt.props
			p.Table, p.Function = table(stack), constructstest.Function(stack, "Fn", 10)
			got := constructstest.PanicMessage(func() { streamconsumer.New(stack, jsii.String("C"), &p) })
			if !strings.Contains(got, tt.want) || !strings.Contains(got, "(construct S/C)") {
				t.Errorf("got %q, want %q and the construct path", got, tt.want)
			}
		})
	}
}
