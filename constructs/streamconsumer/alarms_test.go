package streamconsumer_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/streamconsumer"
)

func TestAlarms(t *testing.T) {
	stack := constructstest.Stack()
	topic := awssns.NewTopic(stack, jsii.String("Topic"), nil)
	fn := constructstest.Function(stack, "Fn", 10)
	tbl := table(stack)
	c := streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{
		Table: tbl, Function: fn, AlarmAction: awscloudwatchactions.NewSnsAction(topic),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	if len(c.Alarms) != 2 || c.DeadLetterQueueAlarm == nil || c.IteratorAgeAlarm == nil {
		t.Fatalf("got alarms %v, want DeadLetterQueueAlarm and IteratorAgeAlarm", c.Alarms)
	}
	tmpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(2))
	constructstest.HasDeadLetterQueueAlarm(tmpl, stack, c.DeadLetterQueue, topic)
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"Namespace":          "AWS/Lambda",
		"MetricName":         "IteratorAge",
		"Dimensions":         []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": constructstest.LogicalID(stack, fn)}}},
		"Statistic":          "Maximum",
		"Period":             300,
		"ComparisonOperator": "GreaterThanThreshold",
		"Threshold":          300_000, // default 5 minutes, in ms
		"TreatMissingData":   "notBreaching",
		"AlarmActions":       constructstest.AlarmActions(stack, topic),
		"OKActions":          constructstest.AlarmActions(stack, topic),
		"AlarmName":          assertions.Match_Absent(),
	})
}

func TestAlarmThresholdBelowOneSecondFailsSynth(t *testing.T) {
	stack := constructstest.Stack()
	streamconsumer.New(stack, jsii.String("Bad"), &streamconsumer.Props{Table: table(stack), Function: constructstest.Function(stack, "Fn", 10),
		IteratorAgeAlarmThreshold: awscdk.Duration_Millis(jsii.Number(10))})
	constructstest.WantProblems(t, stack, "[S/Bad] streamconsumer: IteratorAgeAlarmThreshold 0.01s must be at least 1s")
}
