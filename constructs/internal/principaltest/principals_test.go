package principaltest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/alarmtopic"
	"github.com/example/orderflow/constructs/buckettrigger"
	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventbus"
	"github.com/example/orderflow/constructs/eventrule"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/scheduledfunction"
	"github.com/example/orderflow/constructs/topicsubscriber"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// Every Lambda permission and every resource-policy statement (queue, topic
// and key policies, role trust policies) that these constructs write for an
// AWS service principal names the source account and the source ARN, so no
// resource of another account, nor another resource of this one, can use it
// (confused deputy). Functions with and without a live alias, every kind of
// schedule, a dead-letter queue with a key of the app.
func TestEveryServicePrincipalStatementNamesSourceAccountAndArn(t *testing.T) {
	stack := constructstest.Stack()
	fn := func(id string, alias bool) awslambda.IFunction {
		f := constructstest.Function(stack, id, 10)
		if alias {
			eventsource.SetInvokeTarget(f, awslambda.NewAlias(stack, jsii.String(id+"Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: f.CurrentVersion()}))
		}
		return f
	}
	bus := eventbus.New(stack, jsii.String("Bus"), nil)
	var ours []constructs.IConstruct
	for _, alias := range []bool{false, true} {
		sfx := fmt.Sprint(alias)
		key := awskms.NewKey(stack, jsii.String("Key"+sfx), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		ours = append(ours,
			buckettrigger.New(stack, jsii.String("Trigger"+sfx), &buckettrigger.Props{Bucket: awss3.Bucket_FromBucketName(stack, jsii.String("B"+sfx), jsii.String("uploads")), Function: fn("T"+sfx, alias), Prefix: jsii.String("in/")}),
			scheduledfunction.New(stack, jsii.String("Scheduler"+sfx), &scheduledfunction.Props{Function: fn("S"+sfx, alias), Schedule: awsevents.Schedule_Rate(awscdk.Duration_Hours(jsii.Number(1))),
				DeadLetterQueueProps: &awssqs.QueueProps{Encryption: awssqs.QueueEncryption_KMS, EncryptionMasterKey: key}}),
			scheduledfunction.New(stack, jsii.String("Rule"+sfx), &scheduledfunction.Props{Function: fn("R"+sfx, alias), Schedule: awsevents.Schedule_Rate(awscdk.Duration_Hours(jsii.Number(1))), Kind: scheduledfunction.KindRule}),
			eventrule.New(stack, jsii.String("EventRule"+sfx), &eventrule.Props{EventBus: bus.Bus, EventPattern: &awsevents.EventPattern{Source: jsii.Strings("x")}, Function: fn("E"+sfx, alias)}),
			topicsubscriber.New(stack, jsii.String("Subscriber"+sfx), &topicsubscriber.Props{Topic: awssns.NewTopic(stack, jsii.String("Topic"+sfx), nil), Function: fn("N"+sfx, alias),
				DeadLetterQueueProps: &awssqs.QueueProps{Encryption: awssqs.QueueEncryption_KMS, EncryptionMasterKey: key}}),
		)
		// The key's own statements (the account's root) are not a service's;
		// what the constructs add to it is checked.
		ours = append(ours, key)
	}
	ours = append(ours, bus, alarmtopic.New(stack, jsii.String("Alarms"), nil))
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}

	ids := map[string]bool{}
	for _, c := range ours {
		for _, child := range *c.Node().FindAll(constructs.ConstructOrder_PREORDER) {
			if r, ok := child.(awscdk.CfnResource); ok {
				ids[stack.Resolve(r.LogicalId()).(string)] = true
			}
		}
	}
	// Permissions the CDK or the constructs put under a function or alias
	// (none expected: each is under its construct) are walked too.
	resources := (*assertions.Template_FromStack(stack, nil).ToJSON())["Resources"].(map[string]any)
	var checked, missing []string
	for id, r := range resources {
		res := r.(map[string]any)
		typ, _ := res["Type"].(string)
		props, _ := res["Properties"].(map[string]any)
		if typ == "AWS::Lambda::Permission" {
			if !ids[id] {
				missing = append(missing, id+": a Lambda permission outside the constructs")
			}
			if p, _ := props["Principal"].(string); strings.HasSuffix(p, ".amazonaws.com") {
				checked = append(checked, id)
				if props["SourceAccount"] == nil || props["SourceArn"] == nil {
					missing = append(missing, fmt.Sprintf("%s: %s without SourceAccount and SourceArn", id, p))
				}
			}
			continue
		}
		if !ids[id] {
			continue
		}
		for _, doc := range []string{"PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument"} {
			d, ok := props[doc].(map[string]any)
			if !ok {
				continue
			}
			for i, s := range d["Statement"].([]any) {
				st := s.(map[string]any)
				principal, _ := st["Principal"].(map[string]any)
				service := principal["Service"]
				if st["Effect"] != "Allow" || service == nil {
					continue
				}
				checked = append(checked, fmt.Sprintf("%s %s[%d]", id, doc, i))
				keys := conditionKeys(st["Condition"])
				if !keys["aws:SourceAccount"] || !keys["aws:SourceArn"] {
					missing = append(missing, fmt.Sprintf("%s %s[%d]: %v without aws:SourceAccount and aws:SourceArn: %s", id, doc, i, service, mustJSON(st["Condition"])))
				}
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("got %d service-principal statements without source conditions, want none:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	// What the walk must have seen: 6 invoke permissions (bucket trigger,
	// scheduled rule, event rule, topic subscriber, with and without alias
	// minus none), the rules' and topics' dead-letter queue statements, the
	// schedules' trust policies, the keys' SNS statements, the alarm topic's
	// two CloudWatch statements.
	if len(checked) < 6*2+2*2 {
		t.Errorf("checked %d statements (%v), want at least %d: the walk misses what it should check", len(checked), checked, 6*2+2*2)
	}
}

func conditionKeys(c any) map[string]bool {
	keys := map[string]bool{}
	m, _ := c.(map[string]any)
	for _, byKey := range m {
		for k := range byKey.(map[string]any) {
			keys[k] = true
		}
	}
	return keys
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
