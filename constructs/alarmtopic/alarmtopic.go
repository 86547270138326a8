// Package alarmtopic provides the SNS topic that CloudWatch alarms notify:
// encrypted at rest with a KMS key of its own, TLS-only, and open to
// CloudWatch alarms of its account and region, with Action ready to hand to
// the other constructs' AlarmAction.
//
// The key is a customer managed one because the AWS managed key of SNS
// (alias/aws/sns) does not let CloudWatch use it: alarms could not publish to
// a topic encrypted with it, and would fail silently. Its key policy allows
// cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*, and rotates
// yearly. A topic policy replaces SNS's default one (the TLS-only statement
// needs it), so it also allows cloudwatch.amazonaws.com sns:Publish, for
// alarms of this account and region only.
//
//	topic := alarmtopic.New(stack, jsii.String("Alarms"), nil)
//	gofunction.New(stack, jsii.String("Api"), &gofunction.Props{
//		Entry:       jsii.String("functions/api"),
//		AlarmAction: topic.Action,
//	})
//
// Subscribe people or tools to Topic (email, chat, incident tooling); the
// construct adds no subscription.
package alarmtopic

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures an AlarmTopic. Nil fields take the documented default.
type Props struct {
	// DisplayName of the topic, shown as the sender of email notifications.
	// Default: none.
	DisplayName *string
	// KeyRemovalPolicy of the KMS key when the stack deletes it. The topic
	// keeps no messages, so nothing is lost with the key.
	// Default: awscdk.RemovalPolicy_DESTROY (scheduled for deletion after
	// KMS's 30-day waiting period).
	KeyRemovalPolicy awscdk.RemovalPolicy
}

// AlarmTopic is what New built.
type AlarmTopic struct {
	// Topic receives the alarms' notifications.
	Topic awssns.Topic
	// Key encrypts the topic's messages at rest.
	Key awskms.Key
	// Action publishes to Topic: pass it as the AlarmAction of the other
	// constructs, or to Alarm.AddAlarmAction.
	Action awscloudwatch.IAlarmAction
}

// New defines the key, the topic and its policy. Construct IDs below id:
// "Key", "Topic".
func New(scope constructs.Construct, id *string, props *Props) *AlarmTopic {
	c := constructs.NewConstruct(scope, id)
	var p Props
	if props != nil {
		p = *props
	}
	if p.KeyRemovalPolicy == "" {
		p.KeyRemovalPolicy = awscdk.RemovalPolicy_DESTROY
	}
	stack := awscdk.Stack_Of(c)
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)

	key := awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the alarm notifications of " + *c.Node().Path()),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     p.KeyRemovalPolicy,
	})
	// CloudWatch encrypts what it publishes with the topic's key.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"), // in a key policy, "*" is this key
	}), nil)

	topic := awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: p.DisplayName,
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
			"ArnLike": map[string]interface{}{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
				Service:      jsii.String("cloudwatch"),
				Resource:     jsii.String("alarm"),
				ResourceName: jsii.String("*"),
				ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
			})},
		},
	}))
	return &AlarmTopic{Topic: topic, Key: key, Action: awscloudwatchactions.NewSnsAction(topic)}
}
