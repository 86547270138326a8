// Package constructstest has helpers for the construct packages' tests: a
// stack, a stand-in function that needs no build, and panic capture.
package constructstest

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
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

// PanicMessage runs f and returns what it panicked with on one line, or ""
// when it did not panic.
func PanicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = strings.Join(strings.Fields(fmt.Sprint(r)), " ")
		}
	}()
	f()
	return ""
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
