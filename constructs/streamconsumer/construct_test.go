package streamconsumer_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/streamconsumer"
)

// The consumer is a construct: tags, dependencies and lookups on it reach
// what it defined, the event source mapping included.
func TestConsumerIsAConstructOverEverythingItDefines(t *testing.T) {
	stack := constructstest.Stack()
	c := streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: table(stack), Function: constructstest.Function(stack, "Fn", 10)})
	awscdk.Tags_Of(c).Add(jsii.String("team"), jsii.String("orders"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(c)

	if got := c.Node().FindChild(jsii.String("EventSourceMapping")); got == nil || *got.Node().Path() != *c.EventSourceMapping.Node().Path() {
		t.Fatalf("got %v, want the mapping as the consumer's child EventSourceMapping", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tag := assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "orders"}})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{"Tags": tag})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{"Tags": tag})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), &map[string]any{"Tags": tag}, jsii.Number(0))
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::DynamoDB::Table"), &map[string]any{"Tags": tag}, jsii.Number(0))
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{constructstest.LogicalID(stack, c.EventSourceMapping)}),
	})
}

// A stack that consumed a table's stream with fn.AddEventSource keeps its
// deployed mapping when it moves to streamconsumer: same logical ID (a new
// one would create a second mapping reading the stream from TRIM_HORIZON).
func TestMappingKeepsTheLogicalIDOfAddEventSource(t *testing.T) {
	mappingID := func(build func(fn awslambda.Function, tbl awsdynamodb.Table, scope constructs.Construct)) string {
		stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Orders-dev"), nil)
		fn := constructstest.Function(stack, "Publisher", 20)
		tbl := awsdynamodb.NewTable(constructs.NewConstruct(stack, jsii.String("Data")), jsii.String("Orders"), &awsdynamodb.TableProps{
			PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
			Stream:       awsdynamodb.StreamViewType_NEW_IMAGE,
		})
		build(fn, tbl, constructs.NewConstruct(stack, jsii.String("Service")))
		ids := *assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::Lambda::EventSourceMapping"), nil)
		if len(ids) != 1 {
			t.Fatalf("got %d mappings, want 1", len(ids))
		}
		for id := range ids {
			return id
		}
		return ""
	}
	cdk := mappingID(func(fn awslambda.Function, tbl awsdynamodb.Table, _ constructs.Construct) {
		fn.AddEventSource(awslambdaeventsources.NewDynamoEventSource(tbl, &awslambdaeventsources.DynamoEventSourceProps{StartingPosition: awslambda.StartingPosition_TRIM_HORIZON}))
	})
	ours := mappingID(func(fn awslambda.Function, tbl awsdynamodb.Table, scope constructs.Construct) {
		streamconsumer.New(scope, jsii.String("OrdersStream"), &streamconsumer.Props{Table: tbl, Function: fn})
	})
	if ours != cdk {
		t.Errorf("got logical ID %s, want %s (Function.AddEventSource's)", ours, cdk)
	}
}

// An alias given as Function is what the mapping invokes; the grants land
// on the function's role, the alarm on the function's metric.
func TestAliasAsFunction(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 10)
	live := awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
	c := streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: table(stack), Function: live})
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	invokesAlias(t, tmpl, constructstest.LogicalID(stack, live), "live")
	hasStatement(t, tmpl, constructstest.LogicalID(stack, fn.Role()), "dynamodb:GetRecords")
	if got := *c.IteratorAgeAlarm.Metric().ToMetricConfig().MetricStat.Dimensions; len(got) != 1 || *got[0].Name != "FunctionName" {
		t.Errorf("got alarm dimensions %v, want the function's FunctionName only", got)
	}
}

// A function with a live alias (SetInvokeTarget) is invoked through it.
func TestSetInvokeTarget(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 10)
	live := awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
	eventsource.SetInvokeTarget(fn, live)
	streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: table(stack), Function: fn})
	invokesAlias(t, assertions.Template_FromStack(stack, nil), constructstest.LogicalID(stack, live), "live")
}

// invokesAlias asserts that the template's one mapping invokes the alias
// (logical ID) named name: FunctionName "<function name>:<name>", the
// function name taken from the alias's ARN.
func invokesAlias(t *testing.T, tmpl assertions.Template, alias, name string) {
	t.Helper()
	for _, m := range *tmpl.FindResources(jsii.String("AWS::Lambda::EventSourceMapping"), nil) {
		got, _ := json.Marshal((*m)["Properties"].(map[string]any)["FunctionName"])
		if want := `{"Fn::Join":["",[{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"` + alias + `"}]}]},":` + name + `"]]}`; string(got) != want {
			t.Errorf("got FunctionName %s, want %s", got, want)
		}
	}
}

func TestFiltersAreCheckedAndRendered(t *testing.T) {
	stack := constructstest.Stack()
	streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: table(stack), Function: constructstest.Function(stack, "Fn", 10),
		Filters: []eventfilter.Filter{
			eventfilter.Pattern{"eventName": eventfilter.Equals("INSERT")},
			eventfilter.JSON(`{"dynamodb": {"NewImage": {"status": {"S": ["PAID"]}}}}`),
		}})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"FilterCriteria": map[string]any{"Filters": []any{
			map[string]any{"Pattern": `{"eventName":["INSERT"]}`},
			map[string]any{"Pattern": `{"dynamodb":{"NewImage":{"status":{"S":["PAID"]}}}}`},
		}},
	})

	stack = constructstest.Stack()
	var six []eventfilter.Filter
	for range 6 {
		six = append(six, eventfilter.Pattern{"eventName": eventfilter.Equals("INSERT")})
	}
	six[0] = eventfilter.Pattern{"dynamodb": eventfilter.Pattern{"NewImage": eventfilter.Pattern{"status": eventfilter.Equals("PAID")}}}
	c := streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: table(stack), Function: constructstest.Function(stack, "Fn", 10), Filters: six})
	if c.EventSourceMapping == nil {
		t.Fatal("got no mapping, want one built without the bad filters")
	}
	constructstest.WantProblems(t, stack,
		"[S/C] streamconsumer: Filters has 6 filters, more than 5 (Lambda quota per event source mapping: 5 by default, up to 10 on request)",
		`[S/C] streamconsumer: Filters[0] dynamodb.NewImage.status: a DynamoDB attribute is matched through its type (B, BOOL, BS, L, M, N, NS, NULL, S, SS), e.g. {"status": {"S": ["PAID"]}}, got the array ["PAID"]`)
}

func TestScalingAndRetrySettings(t *testing.T) {
	stack := constructstest.Stack()
	streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: table(stack), Function: constructstest.Function(stack, "Fn", 10),
		RetryAttempts: jsii.Number(-1), InfiniteRecordAge: jsii.Bool(true), ParallelizationFactor: jsii.Number(4),
		TumblingWindow: awscdk.Duration_Minutes(jsii.Number(15)), BatchSize: jsii.Number(500), MaxBatchingWindow: awscdk.Duration_Seconds(jsii.Number(5))})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"MaximumRetryAttempts":           -1,
		"MaximumRecordAgeInSeconds":      -1,
		"ParallelizationFactor":          4,
		"TumblingWindowInSeconds":        900,
		"BatchSize":                      500,
		"MaximumBatchingWindowInSeconds": 5,
		"BisectBatchOnFunctionError":     true,
	})
}

// An existing dead-letter queue: a standard one is used (and its customer
// managed key granted); a FIFO one fails synth, Lambda taking none.
func TestExistingDeadLetterQueue(t *testing.T) {
	stack := constructstest.Stack()
	key := awskms.Key_FromKeyArn(stack, jsii.String("Key"), jsii.String("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))
	dlq := awssqs.Queue_FromQueueAttributes(stack, jsii.String("Failures"), &awssqs.QueueAttributes{
		QueueArn: jsii.String("arn:aws:sqs:us-east-1:123456789012:failures"), KeyArn: key.KeyArn(),
	})
	fn := constructstest.Function(stack, "Fn", 10)
	c := streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: table(stack), Function: fn, DeadLetterQueue: dlq})
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	if c.DeadLetterQueue != dlq {
		t.Errorf("got DeadLetterQueue %v, want the existing one", c.DeadLetterQueue)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::SQS::Queue"), jsii.Number(0))
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": "arn:aws:sqs:us-east-1:123456789012:failures"}},
	})
	role := constructstest.LogicalID(stack, fn.Role())
	hasStatement(t, tmpl, role, "sqs:SendMessage")
	hasStatement(t, tmpl, role, "kms:GenerateDataKey*")
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"MetricName": "ApproximateNumberOfMessagesVisible",
		"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": "failures"}},
	})
}

func TestFifoDeadLetterQueueFailsSynth(t *testing.T) {
	stack := constructstest.Stack()
	fifo := awssqs.Queue_FromQueueArn(stack, jsii.String("Failures"), jsii.String("arn:aws:sqs:us-east-1:123456789012:failures.fifo"))
	streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: table(stack), Function: constructstest.Function(stack, "Fn", 10),
		DeadLetterQueue: fifo, DeadLetterRetentionPeriod: awscdk.Duration_Days(jsii.Number(4))})
	constructstest.WantProblems(t, stack,
		"[S/C] streamconsumer: DeadLetterRetentionPeriod is set with an existing DeadLetterQueue (S/Failures): it configures the queue this construct creates",
		"[S/C] streamconsumer: DeadLetterQueue S/Failures is a FIFO queue: Lambda sends the records a stream mapping gives up on to a standard SQS queue only (Lambda API DestinationConfig); give a standard queue")
}

// An imported table encrypted with a customer managed key, imported with
// the key: the function may decrypt the stream.
func TestImportedTableWithItsKey(t *testing.T) {
	stack := constructstest.Stack()
	key := awskms.Key_FromKeyArn(stack, jsii.String("Key"), jsii.String("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))
	fn := constructstest.Function(stack, "Fn", 10)
	streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Function: fn, Table: awsdynamodb.Table_FromTableAttributes(stack, jsii.String("Orders"), &awsdynamodb.TableAttributes{
		TableName: jsii.String("orders"), EncryptionKey: key,
		TableStreamArn: jsii.String("arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"),
	})})
	hasStatement(t, assertions.Template_FromStack(stack, nil), constructstest.LogicalID(stack, fn.Role()), "kms:Decrypt")
}

func TestMappingPropsPassThroughWhatPropsDoNotOffer(t *testing.T) {
	stack := constructstest.Stack()
	streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: table(stack), Function: constructstest.Function(stack, "Fn", 10),
		MappingProps: &awslambda.EventSourceMappingOptions{
			Enabled:       jsii.Bool(false),
			MetricsConfig: &awslambda.MetricsConfig{Metrics: &[]awslambda.MetricType{awslambda.MetricType_EVENT_COUNT}},
		}})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"Enabled":               false,
		"MetricsConfig":         map[string]any{"Metrics": []any{"EventCount"}},
		"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
		"DestinationConfig":     assertions.Match_ObjectLike(&map[string]any{"OnFailure": assertions.Match_AnyValue()}),
	})

	stack = constructstest.Stack()
	streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: table(stack), Function: constructstest.Function(stack, "Fn", 10),
		MappingProps: &awslambda.EventSourceMappingOptions{
			BatchSize: jsii.Number(5), MaxConcurrency: jsii.Number(5), ReportBatchItemFailures: jsii.Bool(false),
			OnFailure: awslambdaeventsources.NewSqsDlq(awssqs.NewQueue(stack, jsii.String("Q"), nil)), KafkaTopic: jsii.String("t"),
			ProvisionedPollerConfig: &awslambda.ProvisionedPollerConfig{MinimumPollers: jsii.Number(2)},
			FilterEncryption:        awskms.NewKey(stack, jsii.String("K"), nil),
		}})
	constructstest.WantProblems(t, stack,
		"[S/C] streamconsumer: MappingProps.BatchSize is set: use Props.BatchSize, which is checked at synth",
		"[S/C] streamconsumer: MappingProps.MaxConcurrency is set: it does not apply to a DynamoDB stream mapping",
		"[S/C] streamconsumer: MappingProps.OnFailure is set: use Props.DeadLetterQueue, which is checked at synth",
		"[S/C] streamconsumer: MappingProps.ReportBatchItemFailures is set: the construct always turns it on, so that one failed record is retried alone, not with its whole batch",
		"[S/C] streamconsumer: MappingProps.KafkaTopic is set: it applies to Kafka and broker sources, not to a DynamoDB stream mapping",
		"[S/C] streamconsumer: MappingProps.FilterEncryption is set without Filters: it encrypts the filter criteria",
		"[S/C] streamconsumer: MappingProps.ProvisionedPollerConfig is set: Lambda's provisioned mode serves SQS and Kafka mappings, not a DynamoDB stream mapping")
}

func TestCdkNagClean(t *testing.T) {
	stack := constructstest.Stack()
	tbl := awsdynamodb.NewTable(stack, jsii.String("T"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		Stream:                           awsdynamodb.StreamViewType_NEW_IMAGE,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
	})
	streamconsumer.New(stack, jsii.String("C"), &streamconsumer.Props{Table: tbl, Function: constructstest.NagCleanFunction(stack, "Fn", 10),
		Filters: []eventfilter.Filter{eventfilter.Pattern{"eventName": eventfilter.Equals("INSERT")}}})
	constructstest.NoNagFindings(t, stack)
}

// hasStatement asserts that a policy of role in tmpl allows action.
func hasStatement(t *testing.T, tmpl assertions.Template, role, action string) {
	t.Helper()
	for _, res := range *tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		props := (*res)["Properties"].(map[string]any)
		roles, _ := json.Marshal(props["Roles"])
		if !strings.Contains(string(roles), `"`+role+`"`) {
			continue
		}
		for _, st := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			actions, _ := json.Marshal(st.(map[string]any)["Action"])
			if strings.Contains(string(actions), `"`+action+`"`) {
				return
			}
		}
	}
	t.Errorf("got no policy of %s allowing %s, want one", role, action)
}
