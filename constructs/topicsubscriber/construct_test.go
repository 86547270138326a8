package topicsubscriber_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/topicsubscriber"
)

func TestIsAConstructOverEverythingItDefines(t *testing.T) {
	stack := constructstest.Stack()
	s := topicsubscriber.New(stack, jsii.String("Sub"), &topicsubscriber.Props{Topic: topic(stack), Function: constructstest.Function(stack, "Fn", 3)})
	awscdk.Tags_Of(s).Add(jsii.String("team"), jsii.String("ops"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(s)
	if got := s.Node().FindChild(jsii.String("AllowInvoke")); got == nil {
		t.Fatal("want the invoke permission as child AllowInvoke")
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tag := assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "ops"}})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::SQS::Queue"), &map[string]any{"Tags": tag}, jsii.Number(1))
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{"Tags": tag}, jsii.Number(3))
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::SNS::Topic"), &map[string]any{"Tags": tag}, jsii.Number(0))
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{constructstest.LogicalID(stack, s.Node().FindChild(jsii.String("AllowInvoke"))), constructstest.LogicalID(stack, s.Subscription)}),
	})
	// The permission: this topic, this account.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
		"Principal": "sns.amazonaws.com", "SourceArn": map[string]any{"Ref": "TopicBFC7AF6E"}, "SourceAccount": map[string]any{"Ref": "AWS::AccountId"},
	})
	// The subscription waits for the dead-letter queue's policy.
	tmpl.HasResource(jsii.String("AWS::SNS::Subscription"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{constructstest.LogicalID(stack, s.DeadLetterQueue)}),
	})
}

func TestSubscribesTheLiveAlias(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 3)
	alias := awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
	eventsource.SetInvokeTarget(fn, alias)
	topicsubscriber.New(stack, jsii.String("Sub"), &topicsubscriber.Props{Topic: topic(stack), Function: fn})
	tmpl := assertions.Template_FromStack(stack, nil)
	ref := map[string]any{"Ref": constructstest.LogicalID(stack, alias)}
	tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{"Endpoint": ref, "Protocol": "lambda"})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{"FunctionName": ref, "Principal": "sns.amazonaws.com"})
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(1))
	if alias.Node().TryFindChild(jsii.String("EventInvokeConfig")) == nil {
		t.Error("want the asynchronous-invoke configuration under the alias")
	}
}

// A dead-letter queue with a key of the app, given as plain CDK does (the
// key alone, no encryption type), passes cdk-nag: the function's grant on
// the key is the CDK's own, scoped to that key.
func TestDeadLetterQueueWithAKeyIsNagClean(t *testing.T) {
	stack := awscdk.NewStack(constructstest.NewApp(t), jsii.String("S"), nil)
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	tp := awssns.Topic_FromTopicArn(stack, jsii.String("Topic"), jsii.String("arn:aws:sns:us-east-1:123456789012:orders"))
	topicsubscriber.New(stack, jsii.String("Sub"), &topicsubscriber.Props{Topic: tp, Function: constructstest.NagCleanFunction(stack, "Fn", 10),
		DeadLetterQueueProps: &awssqs.QueueProps{EncryptionMasterKey: key}})
	constructstest.NoNagFindings(t, stack)
}

// A topic of another account: SNS calls with the topic owner's account as
// aws:SourceAccount, so the invoke permission and the dead-letter queue's
// policy name that account, not the stack's (else every delivery, and every
// dead-letter write, would be denied).
func TestTopicOfAnotherAccount(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")}})
	theirs := awssns.Topic_FromTopicArn(stack, jsii.String("Theirs"), jsii.String("arn:aws:sns:us-east-1:999999999999:orders"))
	s := topicsubscriber.New(stack, jsii.String("Sub"), &topicsubscriber.Props{Topic: theirs, Function: constructstest.Function(stack, "Fn", 3)})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
		"Principal": "sns.amazonaws.com", "SourceArn": "arn:aws:sns:us-east-1:999999999999:orders", "SourceAccount": "999999999999",
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), &map[string]any{"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
		assertions.Match_ObjectLike(&map[string]any{
			"Action": "sqs:SendMessage", "Principal": map[string]any{"Service": "sns.amazonaws.com"},
			"Resource":  map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, s.DeadLetterQueue), "Arn"}},
			"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": "arn:aws:sns:us-east-1:999999999999:orders"}, "StringEquals": map[string]any{"aws:SourceAccount": "999999999999"}},
		}),
	})}})
}

// A dead-letter queue encrypted with a key of the app: the key policy lets
// SNS use it, for this topic and account only.
func TestDeadLetterQueueWithAKeyOfTheApp(t *testing.T) {
	stack := constructstest.Stack()
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	tp := topic(stack)
	topicsubscriber.New(stack, jsii.String("Sub"), &topicsubscriber.Props{Topic: tp, Function: constructstest.Function(stack, "Fn", 3),
		DeadLetterQueueProps: &awssqs.QueueProps{EncryptionMasterKey: key, Encryption: awssqs.QueueEncryption_KMS}})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), &map[string]any{"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Service": "sns.amazonaws.com"}, "Action": []any{"kms:GenerateDataKey", "kms:Decrypt"}, "Resource": "*",
		"Condition": map[string]any{
			"ArnEquals":    map[string]any{"aws:SourceArn": map[string]any{"Ref": constructstest.LogicalID(stack, tp)}},
			"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}},
		},
	}})}})
}

func TestFIFOAndImportedKeyFailSynth(t *testing.T) {
	for _, tt := range []struct {
		name  string
		props func(awscdk.Stack) *topicsubscriber.Props
		want  []string
	}{
		{"FIFO topic", func(s awscdk.Stack) *topicsubscriber.Props {
			return &topicsubscriber.Props{Topic: awssns.NewTopic(s, jsii.String("T"), &awssns.TopicProps{Fifo: jsii.Bool(true)}), Function: constructstest.Function(s, "Fn", 3)}
		}, []string{"[S/Sub] topicsubscriber: Topic S/T is a FIFO topic: Lambda supports SNS triggers for standard topics only (a FIFO topic delivers to SQS queues); subscribe an SQS FIFO queue (queueworker) instead"}},
		{"imported FIFO topic", func(s awscdk.Stack) *topicsubscriber.Props {
			return &topicsubscriber.Props{Topic: awssns.Topic_FromTopicArn(s, jsii.String("T"), jsii.String("arn:aws:sns:us-east-1:123456789012:orders.fifo")), Function: constructstest.Function(s, "Fn", 3)}
		}, []string{"[S/Sub] topicsubscriber: Topic S/T is a FIFO topic: Lambda supports SNS triggers for standard topics only (a FIFO topic delivers to SQS queues); subscribe an SQS FIFO queue (queueworker) instead"}},
		{"FIFO dead-letter queue", func(s awscdk.Stack) *topicsubscriber.Props {
			return &topicsubscriber.Props{Topic: topic(s), Function: constructstest.Function(s, "Fn", 3), DeadLetterQueueProps: &awssqs.QueueProps{Fifo: jsii.Bool(true)}}
		}, []string{"[S/Sub] topicsubscriber: DeadLetterQueueProps make the dead-letter queue a FIFO queue: the dead-letter queue of a subscription to a standard topic must be a standard queue; leave Fifo unset"}},
		{"imported key", func(s awscdk.Stack) *topicsubscriber.Props {
			return &topicsubscriber.Props{Topic: topic(s), Function: constructstest.Function(s, "Fn", 3), DeadLetterQueueProps: &awssqs.QueueProps{
				Encryption: awssqs.QueueEncryption_KMS, EncryptionMasterKey: awskms.Key_FromKeyArn(s, jsii.String("K"), jsii.String("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))}}
		}, []string{"[S/Sub] topicsubscriber: DeadLetterQueueProps encrypt the dead-letter queue with the imported key S/K, whose key policy this app cannot change: SNS needs kms:GenerateDataKey and kms:Decrypt on it; add that statement to the key policy (sns.amazonaws.com, aws:SourceArn the topic) and use SSE-SQS here, or give a key of the app"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			topicsubscriber.New(stack, jsii.String("Sub"), tt.props(stack))
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}

// The subscription's filter policy goes through eventfilter's SNS grammar at
// synth: what the typed CDK filters allow but SNS refuses fails synth.
func TestFilterPolicyCheckedAgainstTheSNSGrammar(t *testing.T) {
	stack := constructstest.Stack()
	topicsubscriber.New(stack, jsii.String("Sub"), &topicsubscriber.Props{Topic: topic(stack), Function: constructstest.Function(stack, "Fn", 3),
		FilterPolicy: &map[string]awssns.SubscriptionFilter{
			"total": awssns.SubscriptionFilter_NumericFilter(&awssns.NumericConditions{GreaterThan: jsii.Number(2e9)}),
		}})
	constructstest.WantProblems(t, stack, "[S/Sub] topicsubscriber: FilterPolicy total[0]: number 2000000000 is outside -1000000000 to 1000000000 (SNS quotas)")
}

func TestCheckFilterPolicyJSON(t *testing.T) {
	big := `{"a":["` + strings.Repeat("x", eventfilter.MaxSNSPolicyBytes) + `"]}`
	for _, tt := range []struct {
		name, policy string
		want         []string
	}{
		{"fine", `{"eventType":["OrderReady"]}`, nil},
		{"not an object", `["a"]`, []string{`must be a JSON object of fields, got the array ["a"]`}},
		{"too big", big, []string{"is 262154 characters long, more than 262144 (SNS quotas)"}},
		{"nested attribute", `{"a":{"b":["x"]}}`, []string{"a: is a nested object: SNS filter policies on message attributes match attribute names at the top level only (nested fields need FilterPolicyScope MessageBody)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := topicsubscriber.CheckFilterPolicyJSON([]byte(tt.policy), false)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
