package queueworker_test

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/constructstest"
	"github.com/example/orderflow/constructs/queueworker"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestDefaults(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 20)
	w := queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: fn})
	tmpl := assertions.Template_FromStack(stack, nil)
	dlqID := *stack.GetLogicalId(w.DeadLetterQueue.Node().DefaultChild().(awscdk.CfnElement))
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"VisibilityTimeout":      120, // 6 x 20 s
		"MessageRetentionPeriod": 4 * 24 * 3600,
		"SqsManagedSseEnabled":   true,
		"RedrivePolicy": map[string]any{
			"deadLetterTargetArn": map[string]any{"Fn::GetAtt": []any{dlqID, "Arn"}},
			"maxReceiveCount":     5,
		},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"MessageRetentionPeriod": 14 * 24 * 3600,
		"SqsManagedSseEnabled":   true,
		"RedrivePolicy":          assertions.Match_Absent(),
	})
	// Both queues deny requests without TLS.
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::SQS::QueuePolicy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect":    "Deny",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})},
	}, jsii.Number(2))
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"BatchSize":             10,
		"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
	})
}

func TestBadPropsFailNamingFieldAndValue(t *testing.T) {
	tests := []struct {
		name  string
		props func(awscdk.Stack) *queueworker.Props
		want  string
	}{
		{"no function", func(awscdk.Stack) *queueworker.Props { return &queueworker.Props{} }, "queueworker: Function is required"},
		{"visibility below 6x timeout", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 30), VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(179))}
		}, "queueworker: VisibilityTimeout 179s must be at least 6 x the function timeout (30s) + MaxBatchingWindow (0s) = 180s"},
		{"visibility ignores batching window", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(60)),
				MaxBatchingWindow: awscdk.Duration_Seconds(jsii.Number(5))}
		}, "= 65s"},
		{"dead-letter retention not longer", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
				DeadLetterRetentionPeriod: awscdk.Duration_Days(jsii.Number(14))}
		}, "queueworker: DeadLetterRetentionPeriod 1209600s must be longer than RetentionPeriod 1209600s"},
		{"max receive count", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), MaxReceiveCount: jsii.Number(0)}
		}, "queueworker: MaxReceiveCount 0 is outside 1-1000"},
		{"batch size without window", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), BatchSize: jsii.Number(11)}
		}, "queueworker: BatchSize 11 is outside 1-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			props := tt.props(stack)
			got := constructstest.PanicMessage(func() { queueworker.New(stack, jsii.String("Worker"), props) })
			if !strings.Contains(got, tt.want) || !strings.Contains(got, "(construct S/Worker)") {
				t.Errorf("got %q, want it to contain %q and the construct path", got, tt.want)
			}
		})
	}
}
