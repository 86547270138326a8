package alarmtopic_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/alarmtopic"
)

// The alarm topic, and a role of yours that publishes to it too: sns:Publish
// and the key's data-key actions through SNS only (no kms:GenerateDataKey*,
// which cdk-nag reports).
func ExampleAlarmTopic_GrantPublish() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	alarms := alarmtopic.New(stack, jsii.String("Alarms"), nil)
	reporter := awsiam.NewRole(stack, jsii.String("Reporter"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
	alarms.GrantPublish(reporter)

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		for _, s := range (*r)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			fmt.Println("reporter may:", s.(map[string]any)["Action"])
		}
	}
	// Output:
	// reporter may: sns:Publish
	// reporter may: [kms:GenerateDataKey kms:Decrypt]
}
