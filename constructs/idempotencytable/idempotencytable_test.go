package idempotencytable_test

import (
	"os"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/idempotencytable"
	"github.com/example/orderflow/constructs/internal/nag"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestTable(t *testing.T) {
	stack := constructstest.Stack()
	topic := awssns.NewTopic(stack, jsii.String("Alarms"), nil)
	idem := idempotencytable.New(stack, jsii.String("Idempotency"), &idempotencytable.Props{
		AlarmAction: awscloudwatchactions.NewSnsAction(topic),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1))
	tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), &map[string]any{
		"Properties": map[string]any{
			"KeySchema":                        []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
			"AttributeDefinitions":             []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
			"BillingMode":                      "PAY_PER_REQUEST",
			"TimeToLiveSpecification":          map[string]any{"AttributeName": "expiration", "Enabled": true},
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"SSESpecification":                 map[string]any{"SSEEnabled": true},
			"DeletionProtectionEnabled":        false,
			"TableName":                        assertions.Match_Absent(),
			"StreamSpecification":              assertions.Match_Absent(),
			"GlobalSecondaryIndexes":           assertions.Match_Absent(),
			"OnDemandThroughput":               assertions.Match_Absent(),
		},
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
	})
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"ComparisonOperator": "GreaterThanThreshold",
		"Threshold":          0,
		"EvaluationPeriods":  1,
		"TreatMissingData":   "notBreaching",
		"Metrics": assertions.Match_ArrayWith(&[]any{
			map[string]any{"Expression": "r + w", "Id": "expr_1", "Label": "Throttled requests", "ReturnData": true},
		}),
		"AlarmActions": constructstest.AlarmActions(stack, topic),
		"OKActions":    constructstest.AlarmActions(stack, topic),
	})
	if got := *idem.Node().Path(); got != "S/Idempotency" {
		t.Errorf("got path %s, want S/Idempotency", got)
	}
	// A real construct: its children are the table and the alarm.
	var ids []string
	for _, c := range *idem.Node().Children() {
		ids = append(ids, *c.Node().Id())
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"Table", "ThrottleAlarm"}) {
		t.Errorf("got children %v, want [Table ThrottleAlarm]", ids)
	}
}

// Grant gives exactly Actions on the table's ARN: the actions that must be
// there, and none of the table's other actions.
func TestGrantIsExactlyTheRuntimeActions(t *testing.T) {
	stack := constructstest.Stack()
	idem := idempotencytable.New(stack, jsii.String("Idempotency"), nil)
	fn := constructstest.Function(stack, "Fn", 10)
	idem.Grant(fn)
	tmpl := assertions.Template_FromStack(stack, nil)
	tableArn := map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, idem.Table), "Arn"}}
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"},
			"Resource": []any{tableArn},
		}}},
	})
	for _, not := range []string{"dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:*", "kms:Decrypt"} {
		tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_Not(assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"Action": assertions.Match_ArrayWith(&[]any{not})}),
			}))},
		})
	}
	if !slices.Equal(idempotencytable.Actions, []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"}) {
		t.Errorf("got Actions %v", idempotencytable.Actions)
	}
}

func TestCustomerManagedKey(t *testing.T) {
	stack := constructstest.Stack()
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	idem := idempotencytable.New(stack, jsii.String("Idempotency"), &idempotencytable.Props{
		EncryptionKey: key, RemovalPolicy: awscdk.RemovalPolicy_DESTROY, MaxWriteRequestUnits: jsii.Number(500),
	})
	idem.Grant(constructstest.Function(stack, "Fn", 10))
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), &map[string]any{
		"Properties": map[string]any{
			"SSESpecification":   map[string]any{"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, key), "Arn"}}},
			"OnDemandThroughput": map[string]any{"MaxWriteRequestUnits": 500},
		},
		"DeletionPolicy": "Delete",
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{"Action": assertions.Match_ArrayWith(&[]any{"kms:Decrypt", "kms:Encrypt"})}),
		})},
	})
}

func TestWrongProps(t *testing.T) {
	stack := constructstest.Stack()
	idempotencytable.New(stack, jsii.String("Idempotency"), &idempotencytable.Props{MaxWriteRequestUnits: jsii.Number(0)})
	constructstest.WantProblems(t, stack,
		"[S/Idempotency] idempotencytable: MaxWriteRequestUnits 0 is outside 1-40000 (DynamoDB's on-demand table quota)")
}

func TestNagClean(t *testing.T) {
	stack := constructstest.Stack()
	idem := idempotencytable.New(stack, jsii.String("Idempotency"), nil)
	fn := constructstest.NagCleanFunction(stack, "Fn", 10)
	nag.NotAsyncInvoked(fn, "a test's stand-in") // the function's finding, not the table's
	idem.Grant(fn)
	constructstest.NoNagFindings(t, stack)
}

// Tags and dependencies reach what the construct built.
func TestIsAConstruct(t *testing.T) {
	stack := constructstest.Stack()
	idem := idempotencytable.New(stack, jsii.String("Idempotency"), nil)
	awscdk.Tags_Of(idem).Add(jsii.String("team"), jsii.String("orders"), nil)
	fn := constructstest.Function(stack, "Fn", 10)
	fn.Node().AddDependency(idem)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), &map[string]any{
		"Tags": []any{map[string]any{"Key": "team", "Value": "orders"}},
	})
	tmpl.HasResource(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{constructstest.LogicalID(stack, idem.Table)}),
	})
}
