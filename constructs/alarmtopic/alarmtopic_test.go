package alarmtopic_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/alarmtopic"
	"github.com/example/orderflow/constructs/constructstest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

var alarmsOfThisAccountAndRegion = map[string]any{
	"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}},
	"ArnLike": map[string]any{"aws:SourceArn": map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"}, ":cloudwatch:", map[string]any{"Ref": "AWS::Region"},
		":", map[string]any{"Ref": "AWS::AccountId"}, ":alarm:*",
	}}}},
}

func TestTopicIsEncryptedTLSOnlyAndOpenToCloudWatchAlarms(t *testing.T) {
	stack := constructstest.Stack()
	at := alarmtopic.New(stack, jsii.String("Alarms"), &alarmtopic.Props{DisplayName: jsii.String("ops")})
	// The action publishes to the topic.
	alarm := awscloudwatch.NewAlarm(stack, jsii.String("A"), &awscloudwatch.AlarmProps{
		Metric:            awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("N"), MetricName: jsii.String("M")}),
		Threshold:         jsii.Number(0),
		EvaluationPeriods: jsii.Number(1),
	})
	alarm.AddAlarmAction(at.Action)
	tmpl := assertions.Template_FromStack(stack, nil)
	keyID, topicID := constructstest.LogicalID(stack, at.Key), constructstest.LogicalID(stack, at.Topic)

	tmpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
		"DeletionPolicy": "Delete",
		"Properties": assertions.Match_ObjectLike(&map[string]any{
			"EnableKeyRotation": true,
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Action":    []any{"kms:Decrypt", "kms:GenerateDataKey*"},
				"Resource":  "*",
				"Condition": alarmsOfThisAccountAndRegion,
			}})},
		}),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), &map[string]any{
		"KmsMasterKeyId": map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}},
		"DisplayName":    "ops",
		"TopicName":      assertions.Match_Absent(),
	})
	topicArn := map[string]any{"Ref": topicID}
	tmpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), &map[string]any{
		"Topics": []any{topicArn},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{
				"Effect":    "Deny",
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			}),
			assertions.Match_ObjectLike(&map[string]any{
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Action":    "sns:Publish",
				"Resource":  topicArn,
				"Condition": alarmsOfThisAccountAndRegion,
			}),
		})},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{"AlarmActions": []any{topicArn}})
}

func TestKeyRemovalPolicy(t *testing.T) {
	stack := constructstest.Stack()
	alarmtopic.New(stack, jsii.String("Alarms"), &alarmtopic.Props{KeyRemovalPolicy: awscdk.RemovalPolicy_RETAIN})
	assertions.Template_FromStack(stack, nil).HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{"DeletionPolicy": "Retain"})
}
