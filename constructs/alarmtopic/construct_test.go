package alarmtopic_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/alarmtopic"
	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventsource"
)

func TestIsAConstructOverEverythingItDefines(t *testing.T) {
	stack := constructstest.Stack()
	at := alarmtopic.New(stack, jsii.String("Alarms"), &alarmtopic.Props{KeyProps: &awskms.KeyProps{Alias: jsii.String("alias/alarms")}})
	awscdk.Tags_Of(at).Add(jsii.String("team"), jsii.String("ops"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(at)
	tmpl := assertions.Template_FromStack(stack, nil)
	tag := assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "ops"}})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::KMS::Key"), &map[string]any{"Tags": tag}, jsii.Number(1))
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::SNS::Topic"), &map[string]any{"Tags": tag}, jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::KMS::Alias"), &map[string]any{"AliasName": "alias/alarms"})
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{constructstest.LogicalID(stack, at.Key), constructstest.LogicalID(stack, at.Topic)}),
	})
}

// GrantPublish: sns:Publish on the topic, the key's data-key actions through
// SNS only, no wildcard action, and so no cdk-nag finding.
func TestGrantPublishPassesCdkNag(t *testing.T) {
	stack := constructstest.Stack()
	at := alarmtopic.New(stack, jsii.String("Alarms"), nil)
	fn := constructstest.NagCleanFunction(stack, "Fn", 10)
	eventsource.NotAsyncInvoked(fn, "a publisher in a test, invoked by nothing")
	at.GrantPublish(fn)
	constructstest.NoNagFindings(t, stack)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"Roles": []any{map[string]any{"Ref": constructstest.LogicalID(stack, fn.Role())}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			map[string]any{"Action": "sns:Publish", "Effect": "Allow", "Resource": map[string]any{"Ref": constructstest.LogicalID(stack, at.Topic)}},
			map[string]any{
				"Action": []any{"kms:GenerateDataKey", "kms:Decrypt"}, "Effect": "Allow",
				"Resource":  map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, at.Key), "Arn"}},
				"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": map[string]any{"Fn::Join": []any{"", []any{"sns.", map[string]any{"Ref": "AWS::Region"}, ".amazonaws.com"}}}}},
			},
		})},
	})
}

// For a topic of your own (or an imported one with its key): the same grant.
func TestGrantPublishOnAnImportedTopicAndKey(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.NagCleanFunction(stack, "Fn", 10)
	topic := awssns.Topic_FromTopicArn(stack, jsii.String("T"), jsii.String("arn:aws:sns:us-east-1:123456789012:ops"))
	key := awskms.Key_FromKeyArn(stack, jsii.String("K"), jsii.String("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))
	alarmtopic.GrantPublish(fn, topic, key)
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			map[string]any{"Action": "sns:Publish", "Effect": "Allow", "Resource": "arn:aws:sns:us-east-1:123456789012:ops"},
			assertions.Match_ObjectLike(&map[string]any{"Action": []any{"kms:GenerateDataKey", "kms:Decrypt"}, "Resource": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}),
		})},
	})
}

// AllowCloudWatchAlarms on a topic of your own; an imported key's policy
// cannot be changed, which it reports.
func TestAllowCloudWatchAlarms(t *testing.T) {
	stack := constructstest.Stack()
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	topic := awssns.NewTopic(stack, jsii.String("T"), &awssns.TopicProps{MasterKey: key})
	if !alarmtopic.AllowCloudWatchAlarms(topic, key) {
		t.Error("got false for a key of the app, want true")
	}
	imported := awskms.Key_FromKeyArn(stack, jsii.String("K"), jsii.String("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))
	if alarmtopic.AllowCloudWatchAlarms(awssns.NewTopic(stack, jsii.String("T2"), &awssns.TopicProps{MasterKey: imported}), imported) {
		t.Error("got true for an imported key, want false")
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), &map[string]any{"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
		assertions.Match_ObjectLike(&map[string]any{"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"}, "Condition": alarmsOfThisAccountAndRegion}),
	})}})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::SNS::TopicPolicy"), &map[string]any{"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
		assertions.Match_ObjectLike(&map[string]any{"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"}, "Condition": alarmsOfThisAccountAndRegion}),
	})}}, jsii.Number(2))
}

func TestBadTopicPropsFailSynth(t *testing.T) {
	stack := constructstest.Stack()
	at := alarmtopic.New(stack, jsii.String("Alarms"), &alarmtopic.Props{TopicProps: &awssns.TopicProps{
		Fifo:        jsii.Bool(true),
		MasterKey:   awskms.Alias_FromAliasName(stack, jsii.String("Sns"), jsii.String("alias/aws/sns")),
		DisplayName: jsii.String("x"),
	}})
	if at.Topic == nil || at.Action == nil {
		t.Error("want the topic and its action built")
	}
	constructstest.WantProblems(t, stack,
		"[S/Alarms] alarmtopic: TopicProps.MasterKey is set: the topic is encrypted with this construct's key and DisplayName is its prop; leave it out",
		"[S/Alarms] alarmtopic: TopicProps.DisplayName is set: the topic is encrypted with this construct's key and DisplayName is its prop; leave it out",
		"[S/Alarms] alarmtopic: TopicProps.Fifo is set: CloudWatch alarm actions publish to standard topics only (a FIFO topic needs a message group ID, which alarms do not send); leave it out",
	)
}
