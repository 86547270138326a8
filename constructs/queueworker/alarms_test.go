package queueworker_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/queueworker"
)

func TestAlarms(t *testing.T) {
	stack := constructstest.Stack()
	topic := awssns.NewTopic(stack, jsii.String("Topic"), nil)
	w := queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{
		Function:                 constructstest.Function(stack, "Fn", 10),
		MessageAgeAlarmThreshold: awscdk.Duration_Minutes(jsii.Number(30)),
		AlarmAction:              awscloudwatchactions.NewSnsAction(topic),
	})
	quiet := queueworker.New(stack, jsii.String("Quiet"), &queueworker.Props{Function: constructstest.Function(stack, "Fn2", 10)})
	tmpl := assertions.Template_FromStack(stack, nil)
	if len(w.Alarms) != 2 || w.DeadLetterQueueAlarm == nil || w.MessageAgeAlarm == nil {
		t.Fatalf("got alarms %v, want DeadLetterQueueAlarm and MessageAgeAlarm", w.Alarms)
	}
	tmpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(4))
	constructstest.HasDeadLetterQueueAlarm(tmpl, stack, w.DeadLetterQueue, topic)
	constructstest.HasDeadLetterQueueAlarm(tmpl, stack, quiet.DeadLetterQueue, nil)
	for _, tt := range []struct {
		w         *queueworker.QueueWorker
		threshold float64
		topic     awssns.ITopic
	}{{w, 1800, topic}, {quiet, 900, nil}} { // 30 minutes; default 15 minutes
		tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
			"Namespace":          "AWS/SQS",
			"MetricName":         "ApproximateAgeOfOldestMessage",
			"Dimensions":         []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, tt.w.Queue), "QueueName"}}}},
			"Statistic":          "Maximum",
			"Period":             300,
			"ComparisonOperator": "GreaterThanThreshold",
			"Threshold":          tt.threshold,
			"TreatMissingData":   "notBreaching",
			"AlarmActions":       constructstest.AlarmActions(stack, tt.topic),
			"AlarmName":          assertions.Match_Absent(),
		})
	}
}

func TestAlarmThresholdBelowOneSecondFailsSynth(t *testing.T) {
	stack := constructstest.Stack()
	queueworker.New(stack, jsii.String("Bad"), &queueworker.Props{Function: constructstest.Function(stack, "Fn", 10),
		MessageAgeAlarmThreshold: awscdk.Duration_Millis(jsii.Number(500))})
	constructstest.WantProblems(t, stack, "[S/Bad] queueworker: MessageAgeAlarmThreshold 0.5s must be at least 1s")
}
