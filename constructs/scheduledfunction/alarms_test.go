package scheduledfunction_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/scheduledfunction"
)

func TestDeadLetterQueueAlarm(t *testing.T) {
	stack := constructstest.Stack()
	topic := awssns.NewTopic(stack, jsii.String("Topic"), nil)
	sf := scheduledfunction.New(stack, jsii.String("Sched"), &scheduledfunction.Props{
		Function:    constructstest.Function(stack, "Fn", 10),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))),
		AlarmAction: awscloudwatchactions.NewSnsAction(topic),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	if len(sf.Alarms) != 2 || sf.Alarms[0] != sf.DeadLetterQueueAlarm || sf.Alarms[1] != sf.DestinationDeliveryAlarm || sf.DestinationDeliveryAlarm == nil {
		t.Fatalf("got alarms %v, want [DeadLetterQueueAlarm DestinationDeliveryAlarm]", sf.Alarms)
	}
	tmpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(2))
	constructstest.HasDeadLetterQueueAlarm(tmpl, stack, sf.DeadLetterQueue, topic)
}
