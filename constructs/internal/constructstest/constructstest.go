// Package constructstest has helpers for the construct packages' tests: a
// stack, a stand-in function that needs no build, and the problems a synth
// fails with.
package constructstest

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/cdkapp"
)

// Stack returns a new stack "S" in a new app.
func Stack() awscdk.Stack {
	return awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
}

// Function returns a function with inline code and the given timeout in
// seconds: enough to wire, nothing to build.
func Function(stack awscdk.Stack, id string, timeoutSeconds float64) awslambda.Function {
	return awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => {}")),
		Timeout: awscdk.Duration_Seconds(jsii.Number(timeoutSeconds)),
	})
}

// Problems synthesizes the app of stack and returns the problems that
// failed synth, one per entry ("[S/Worker] queueworker: ..."), or nil when
// synth succeeded. Any other synth failure fails the test.
func Problems(t testing.TB, stack awscdk.Stack) []string {
	t.Helper()
	_, err := cdkapp.Synth(awscdk.Stage_Of(stack))
	if err == nil {
		return nil
	}
	var e *cdkapp.Error
	if !errors.As(err, &e) || len(e.Problems) == 0 {
		t.Fatalf("synth failed without problems: %v", err)
	}
	return e.Problems
}

// WantProblems checks that synthesizing stack's app fails with exactly the
// problems want, in any order.
func WantProblems(t testing.TB, stack awscdk.Stack, want ...string) {
	t.Helper()
	got := Problems(t, stack)
	g, w := append([]string(nil), got...), append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("got problems:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

// LogicalID returns the logical ID of c's L1 resource (c itself or its
// default child).
func LogicalID(stack awscdk.Stack, c constructs.IConstruct) string {
	if dc := c.Node().DefaultChild(); dc != nil {
		c = dc
	}
	return *stack.GetLogicalId(c.(awscdk.CfnElement))
}

// AlarmActions is the AlarmActions (and OKActions) value of an alarm that
// notifies topic: [{"Ref": topic}], or absent when topic is nil.
func AlarmActions(stack awscdk.Stack, topic awssns.ITopic) any {
	if topic == nil {
		return assertions.Match_Absent()
	}
	return []any{map[string]any{"Ref": LogicalID(stack, topic)}}
}

// HasDeadLetterQueueAlarm asserts that tmpl holds the alarm every construct
// defines on its dead-letter queue (the queue with construct queue): visible
// messages, Maximum over 5 minutes, > 0, missing data ignored, notifying
// topic on ALARM and OK (nobody when nil), no physical name.
func HasDeadLetterQueueAlarm(tmpl assertions.Template, stack awscdk.Stack, queue constructs.IConstruct, topic awssns.ITopic) {
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"Namespace":          "AWS/SQS",
		"MetricName":         "ApproximateNumberOfMessagesVisible",
		"Dimensions":         []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{LogicalID(stack, queue), "QueueName"}}}},
		"Statistic":          "Maximum",
		"Period":             300,
		"EvaluationPeriods":  1,
		"ComparisonOperator": "GreaterThanThreshold",
		"Threshold":          0,
		"TreatMissingData":   "ignore",
		"AlarmActions":       AlarmActions(stack, topic),
		"OKActions":          AlarmActions(stack, topic),
		"AlarmName":          assertions.Match_Absent(),
	})
}
