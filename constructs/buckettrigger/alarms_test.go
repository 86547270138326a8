package buckettrigger_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/buckettrigger"
	"github.com/example/orderflow/constructs/constructstest"
)

func TestDeadLetterQueueAlarm(t *testing.T) {
	stack := constructstest.Stack()
	topic := awssns.NewTopic(stack, jsii.String("Topic"), nil)
	bucket := awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("uploads"))
	fn := constructstest.Function(stack, "Fn", 30)
	tr := buckettrigger.New(stack, jsii.String("Trigger"), &buckettrigger.Props{Bucket: bucket, Function: fn,
		Prefix: jsii.String("incoming/"), AlarmAction: awscloudwatchactions.NewSnsAction(topic)})
	quiet := buckettrigger.New(stack, jsii.String("Quiet"), &buckettrigger.Props{Bucket: bucket, Function: constructstest.Function(stack, "Fn2", 30),
		Suffix: jsii.String(".csv")})
	tmpl := assertions.Template_FromStack(stack, nil)
	if len(tr.Alarms) != 3 || tr.Alarms[0] != tr.DeadLetterQueueAlarm || tr.Alarms[1] != tr.FailedInvocationsAlarm || tr.Alarms[2] != tr.DestinationDeliveryAlarm || tr.DestinationDeliveryAlarm == nil {
		t.Fatalf("got alarms %v, want [DeadLetterQueueAlarm FailedInvocationsAlarm DestinationDeliveryAlarm]", tr.Alarms)
	}
	tmpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(6))
	// Lambda could not write an invocation record to the destination.
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"Namespace":  "AWS/Lambda",
		"MetricName": "DestinationDeliveryFailures",
		"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": constructstest.LogicalID(stack, fn)}}},
		"Statistic":  "Sum", "Period": 300, "Threshold": 0, "TreatMissingData": "notBreaching",
		"AlarmActions": constructstest.AlarmActions(stack, topic),
	})
	constructstest.HasDeadLetterQueueAlarm(tmpl, stack, tr.DeadLetterQueue, topic)
	constructstest.HasDeadLetterQueueAlarm(tmpl, stack, quiet.DeadLetterQueue, nil)
	// The rule is on the default bus: its metrics have the dimension
	// RuleName only.
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"Namespace":  "AWS/Events",
		"MetricName": "FailedInvocations",
		"Dimensions": []any{map[string]any{"Name": "RuleName", "Value": map[string]any{"Ref": constructstest.LogicalID(stack, tr.Rule)}}},
		"Statistic":  "Sum", "Period": 300, "Threshold": 0, "TreatMissingData": "notBreaching",
		"AlarmActions": constructstest.AlarmActions(stack, topic),
	})
}

// Two triggers of one function share its DestinationDeliveryAlarm: a
// function has one asynchronous-invoke configuration, so one alarm on it.
func TestDestinationDeliveryAlarmIsPerFunction(t *testing.T) {
	stack := constructstest.Stack()
	bucket := awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("uploads"))
	fn := constructstest.Function(stack, "Fn", 30)
	a := buckettrigger.New(stack, jsii.String("Csv"), &buckettrigger.Props{Bucket: bucket, Function: fn, Suffix: jsii.String(".csv")})
	b := buckettrigger.New(stack, jsii.String("Json"), &buckettrigger.Props{Bucket: bucket, Function: fn, Suffix: jsii.String(".jsonl")})
	if a.DestinationDeliveryAlarm == nil || b.DestinationDeliveryAlarm != a.DestinationDeliveryAlarm {
		t.Errorf("got alarms %v and %v, want one, shared", a.DestinationDeliveryAlarm, b.DestinationDeliveryAlarm)
	}
	assertions.Template_FromStack(stack, nil).ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"),
		&map[string]any{"MetricName": "DestinationDeliveryFailures"}, jsii.Number(1))
}
