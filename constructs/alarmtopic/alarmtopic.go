// Package alarmtopic provides the SNS topic that CloudWatch alarms notify:
// encrypted at rest with a KMS key of its own, TLS-only, and open to
// CloudWatch alarms of its account and region, with Action ready to hand to
// the other constructs' AlarmAction.
//
// The key is a customer managed one because the AWS managed key of SNS
// (alias/aws/sns) does not let CloudWatch use it: alarms could not publish to
// a topic encrypted with it, and would fail silently. Its key policy allows
// cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*, and it
// rotates yearly. A topic policy replaces SNS's default one (the TLS-only
// statement needs it), so it also allows cloudwatch.amazonaws.com
// sns:Publish. Both statements hold for alarms of this account and region
// only (aws:SourceAccount, aws:SourceArn arn:...:cloudwatch:<region>:
// <account>:alarm:*). AllowCloudWatchAlarms writes the same two statements
// for a KMS-encrypted topic of your own.
//
// Anything else that publishes to the topic (a function, a role) needs
// sns:Publish and the key: Topic.GrantPublish would grant
// kms:GenerateDataKey* (a cdk-nag AwsSolutions-IAM5 finding with no hint
// why); AlarmTopic.GrantPublish, or GrantPublish for any KMS-encrypted
// topic, grants exactly sns:Publish on the topic and kms:GenerateDataKey and
// kms:Decrypt on its key through SNS only (kms:ViaService).
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

	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/propsoverride"
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
	// TopicProps override the topic's props (AWS Solutions Constructs
	// style), e.g. TopicName or SignatureVersion. MasterKey is this
	// construct's key, DisplayName its prop: setting them here fails synth.
	// A FIFO topic fails synth too: CloudWatch alarm actions publish to
	// standard topics. Default: none.
	TopicProps *awssns.TopicProps
	// KeyProps override the key's props, e.g. Alias or PendingWindow.
	// Default: none.
	KeyProps *awskms.KeyProps
}

// AlarmTopic is what New built: a construct, so that awscdk.Tags_Of,
// Node().AddDependency and aspects on it reach the key and the topic.
type AlarmTopic struct {
	constructs.Construct
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
	t := &AlarmTopic{}
	constructs.NewConstruct_Override(t, scope, id)
	c := t.Construct
	problems := eventsource.NewProblems(c, "alarmtopic")
	var p Props
	if props != nil {
		p = *props
	}
	if p.KeyRemovalPolicy == "" {
		p.KeyRemovalPolicy = awscdk.RemovalPolicy_DESTROY
	}
	if p.TopicProps != nil && p.TopicProps.Fifo != nil && *p.TopicProps.Fifo {
		problems.Addf("TopicProps.Fifo is set: CloudWatch alarm actions publish to standard topics only (a FIFO topic needs a message group ID, which alarms do not send); leave it out")
		tp := *p.TopicProps // the caller's props stay as given
		tp.Fifo = nil
		p.TopicProps = &tp
	}

	keyProps := &awskms.KeyProps{
		Description:       jsii.String("Encrypts the alarm notifications of " + *c.Node().Path()),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     p.KeyRemovalPolicy,
	}
	propsoverride.Apply(keyProps, p.KeyProps, nil)
	t.Key = awskms.NewKey(c, jsii.String("Key"), keyProps)
	topicProps := &awssns.TopicProps{
		DisplayName: p.DisplayName,
		MasterKey:   t.Key,
		EnforceSSL:  jsii.Bool(true),
	}
	for _, f := range propsoverride.Apply(topicProps, p.TopicProps, map[string]string{"MasterKey": "", "DisplayName": ""}) {
		problems.Addf("TopicProps.%s is set: the topic is encrypted with this construct's key and DisplayName is its prop; leave it out", f)
	}
	t.Topic = awssns.NewTopic(c, jsii.String("Topic"), topicProps)
	AllowCloudWatchAlarms(t.Topic, t.Key)
	t.Action = awscloudwatchactions.NewSnsAction(t.Topic)
	return t
}

// AllowCloudWatchAlarms lets the CloudWatch alarms of topic's account and
// region publish to topic: sns:Publish for cloudwatch.amazonaws.com in the
// topic policy and, when key is not nil, kms:Decrypt and
// kms:GenerateDataKey* in key's key policy ("Enable compatibility between
// event sources from AWS services and encrypted topics", Amazon SNS
// Developer Guide), each with aws:SourceAccount the topic's account and
// aws:SourceArn an alarm ARN of its region (ArnLike ...:alarm:*). Without
// the key statement, alarms publishing to a topic encrypted with key fail
// silently. It returns false when key is imported: this app cannot change
// its policy; add the statement there yourself (same principal, actions and
// conditions, Resource "*").
func AllowCloudWatchAlarms(topic awssns.ITopic, key awskms.IKey) bool {
	stack := awscdk.Stack_Of(topic)
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	conditions := &map[string]interface{}{
		"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
		"ArnLike": map[string]interface{}{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("cloudwatch"),
			Resource:     jsii.String("alarm"),
			ResourceName: jsii.String("*"),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	}
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: conditions,
	}))
	if key == nil {
		return true
	}
	// CloudWatch encrypts what it publishes with the topic's key.
	res := key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"), // in a key policy, "*" is this key
		Conditions: conditions,
	}), jsii.Bool(true))
	return res != nil && res.StatementAdded != nil && *res.StatementAdded
}

// GrantPublish grants grantee what publishing to the topic needs:
// sns:Publish on the topic's ARN, and kms:GenerateDataKey and kms:Decrypt on
// its key's ARN, only through SNS (kms:ViaService sns.<region>.amazonaws.com).
// Unlike Topic.GrantPublish (kms:GenerateDataKey*, an AwsSolutions-IAM5
// finding), it passes cdk-nag.
func (t *AlarmTopic) GrantPublish(grantee awsiam.IGrantable) awsiam.Grant {
	return GrantPublish(grantee, t.Topic, t.Key)
}

// GrantPublish grants grantee sns:Publish on topic and, when key (the
// topic's KMS key) is not nil, kms:GenerateDataKey and kms:Decrypt on key's
// ARN through SNS only (kms:ViaService sns.<topic's region>.amazonaws.com):
// what a publisher calls, without the wildcard action Topic.GrantPublish
// grants. For a topic imported with its key, pass
// awskms.Key_FromKeyArn(...). The key's policy must let IAM policies of its
// account grant it (the default key policy does); an AWS managed key
// (alias/aws/sns) needs no grant: pass nil.
func GrantPublish(grantee awsiam.IGrantable, topic awssns.ITopic, key awskms.IKey) awsiam.Grant {
	g := awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("sns:Publish"),
		ResourceArns: jsii.Strings(*topic.TopicArn()),
	})
	if key == nil {
		return g
	}
	return g.Combine(awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
		ResourceArns: jsii.Strings(*key.KeyArn()),
		Conditions: &map[string]*map[string]interface{}{
			"StringEquals": {"kms:ViaService": "sns." + *awscdk.Stack_Of(topic).Region() + ".amazonaws.com"},
		},
	}))
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (t *AlarmTopic) ToString() *string { return t.Construct.ToString() }
