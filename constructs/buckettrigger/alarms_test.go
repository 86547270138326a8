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
	tr := buckettrigger.New(stack, jsii.String("Trigger"), &buckettrigger.Props{Bucket: bucket, Function: constructstest.Function(stack, "Fn", 30),
		Prefix: jsii.String("incoming/"), AlarmAction: awscloudwatchactions.NewSnsAction(topic)})
	quiet := buckettrigger.New(stack, jsii.String("Quiet"), &buckettrigger.Props{Bucket: bucket, Function: constructstest.Function(stack, "Fn2", 30),
		Suffix: jsii.String(".csv")})
	tmpl := assertions.Template_FromStack(stack, nil)
	if len(tr.Alarms) != 1 || tr.Alarms[0] != tr.DeadLetterQueueAlarm || tr.DeadLetterQueueAlarm == nil {
		t.Fatalf("got alarms %v, want [DeadLetterQueueAlarm]", tr.Alarms)
	}
	tmpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(2))
	constructstest.HasDeadLetterQueueAlarm(tmpl, stack, tr.DeadLetterQueue, topic)
	constructstest.HasDeadLetterQueueAlarm(tmpl, stack, quiet.DeadLetterQueue, nil)
}
