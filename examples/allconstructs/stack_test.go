package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/gofunction"
)

var runDir string

func TestMain(m *testing.M) {
	var err error
	if runDir, err = os.MkdirTemp("", "allconstructs-test-"); err != nil {
		panic(err)
	}
	code := m.Run()
	jsii.Close() // stops the Node child and removes its temp folder
	os.RemoveAll(runDir)
	os.Exit(code)
}

var (
	once    sync.Once
	example *Stack
	tmpl    assertions.Template
	outdir  string
)

// synth builds the example once per run, as `cdk synth` does: cdk.json's
// context (the feature flags), the cdk-nag checks, the three functions built
// into assets under a directory of this run.
func synth(t *testing.T) (*Stack, assertions.Template) {
	t.Helper()
	once.Do(func() {
		outdir = filepath.Join(runDir, "cdk.out")
		ctx := cdkJSONContext(t, "cdk.json")
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), Context: &ctx})
		example = NewStack(app, "Example", &awscdk.StackProps{Env: Env})
		addChecks(app)
		tmpl = assertions.Template_FromStack(example.Stack, nil)
	})
	if example == nil || tmpl == nil {
		t.Fatal("synth failed in an earlier test")
	}
	return example, tmpl
}

// cdkJSONContext reads the "context" of a cdk.json.
func cdkJSONContext(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c.Context
}

func logicalID(s *Stack, c constructs.IConstruct) string {
	if dc := c.Node().DefaultChild(); dc != nil {
		c = dc
	}
	return *s.Stack.GetLogicalId(c.(awscdk.CfnElement))
}

func getAtt(id, attr string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }
func ref(id string) map[string]any          { return map[string]any{"Ref": id} }

func TestNoCdkNagFindings(t *testing.T) {
	s, _ := synth(t)
	// cdk-nag's findings (and CDK's own warnings) are error and warning
	// metadata of the constructs of the synthesized stack.
	for _, c := range *s.Stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		for _, e := range *c.Node().Metadata() {
			if typ := *e.Type; typ == "aws:cdk:error" || typ == "aws:cdk:warning" {
				t.Errorf("/%s: %v", *c.Node().Path(), e.Data)
			}
		}
	}
}

// The module carries the library's feature flags: the root project's
// cdk.json context, which the CLI checks against the recommended flags.
func TestFeatureFlagsAreTheLibrarys(t *testing.T) {
	got, want := cdkJSONContext(t, "cdk.json"), cdkJSONContext(t, "../../cdk.json")
	if len(want) < 50 {
		t.Fatalf("root cdk.json has %d context entries, want the feature flags", len(want))
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("cdk.json context differs from the root project's:\ngot  %s\nwant %s", g, w)
	}
}

func TestEveryFunctionIsBuilt(t *testing.T) {
	s, _ := synth(t)
	for name, fn := range map[string]*gofunction.Function{"Web": s.Web, "Records": s.Records, "Events": s.Events} {
		if _, err := os.Stat(filepath.Join(outdir, "asset."+*fn.Asset.AssetHash(), "bootstrap")); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Each construct wired to an existing resource, in the template.
func TestImportedResources(t *testing.T) {
	s, tmpl := synth(t)
	web, records, events := logicalID(s, s.Web.Alias), logicalID(s, s.Records.Function), logicalID(s, s.Events.Function)
	tests := []struct {
		name  string
		typ   string
		props map[string]any
	}{
		{"route on the shared HTTP API, IAM authorization", "AWS::ApiGatewayV2::Route", map[string]any{
			"ApiId": SharedApiID, "RouteKey": "GET /orders/{id}", "AuthorizationType": "AWS_IAM",
		}},
		{"public health route on the new API", "AWS::ApiGatewayV2::Route", map[string]any{
			"ApiId": ref(logicalID(s, s.Status.Api)), "RouteKey": "GET /health", "AuthorizationType": "NONE",
		}},
		{"rule on the existing listener", "AWS::ElasticLoadBalancingV2::ListenerRule", map[string]any{
			"ListenerArn": HttpsListener, "Priority": 100,
		}},
		{"URL of the existing function", "AWS::Lambda::Url", map[string]any{
			"TargetFunctionArn": ReportsFunction, "AuthType": "AWS_IAM",
		}},
		{"existing queue", "AWS::Lambda::EventSourceMapping", map[string]any{
			"EventSourceArn": JobsQueue, "FunctionName": ref(records), "FunctionResponseTypes": []any{"ReportBatchItemFailures"},
		}},
		{"existing table's stream", "AWS::Lambda::EventSourceMapping", map[string]any{
			"EventSourceArn": CustomersTableStream, "FunctionName": ref(records), "BisectBatchOnFunctionError": true,
		}},
		{"new Kinesis stream", "AWS::Lambda::EventSourceMapping", map[string]any{
			"EventSourceArn": getAtt(logicalID(s, s.Clicks.Stream), "Arn"), "FunctionName": ref(records),
		}},
		{"existing bucket", "AWS::Events::Rule", map[string]any{
			"EventPattern": map[string]any{"source": []any{"aws.s3"}, "detail-type": []any{"Object Created"},
				"detail": map[string]any{"bucket": map[string]any{"name": []any{LandingBucket}}, "object": map[string]any{"key": []any{map[string]any{"prefix": "inbox/"}}}}},
		}},
		{"hourly schedule", "AWS::Scheduler::Schedule", map[string]any{"ScheduleExpression": "rate(1 hour)"}},
		{"rule on the new bus", "AWS::Events::Rule", map[string]any{
			"EventBusName": ref(logicalID(s, s.Bus.Bus)), "EventPattern": map[string]any{"source": []any{"acme.orders"}, "detail-type": []any{"OrderPlaced"}},
		}},
		{"existing topic", "AWS::SNS::Subscription", map[string]any{
			"TopicArn": OrdersTopic, "Endpoint": getAtt(events, "Arn"), "FilterPolicy": map[string]any{"eventType": []any{"OrderPlaced", "OrderCancelled"}},
		}},
		{"existing role runs Events", "AWS::Lambda::Function", map[string]any{"Role": EventsRole}},
		{"existing DLQ alarmed on", "AWS::CloudWatch::Alarm", map[string]any{
			"MetricName": "ApproximateNumberOfMessagesVisible", "Dimensions": []any{map[string]any{"Name": "QueueName", "Value": "acme-jobs-dlq"}},
		}},
		{"web's live alias behind the load balancer", "AWS::Lambda::Permission", map[string]any{
			"Principal": "elasticloadbalancing.amazonaws.com", "FunctionName": ref(web),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := tt.props
			tmpl.HasResourceProperties(jsii.String(tt.typ), &props)
		})
	}
	// One asynchronous-invoke configuration for Events' four sources; the
	// grants for its destination land on the existing role.
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::EventInvokeConfig"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
		"FunctionName": ref(events), "MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600,
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"Roles": []any{"acme-lambda-events"},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action": assertions.Match_ArrayWith(&[]any{"sqs:SendMessage"}),
		})})},
	})
	// Services invoke the functions through permissions naming them; none is
	// open to "*" (the only public entry is the health route's API).
	for id, r := range *tmpl.FindResources(jsii.String("AWS::Lambda::Permission"), nil) {
		if p := (*r)["Properties"].(map[string]any); p["Principal"] == "*" {
			t.Errorf("%s: got a public permission, want none", id)
		}
	}
	tmpl.ResourceCountIs(jsii.String("Custom::S3BucketNotifications"), jsii.Number(0))
	if got := len(*tmpl.FindResources(jsii.String("AWS::Lambda::Function"), nil)); got != 3 {
		t.Errorf("got %d functions, want the 3 of functions/ (no custom resource handler)", got)
	}
	if strings.Contains(mustJSON(tmpl.ToJSON()), "AWSLambdaBasicExecutionRole") {
		t.Error("got a managed policy, want none")
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// The settings production systems use, on the example's functions and
// sources: a live alias shifted linearly by CodeDeploy (Web), a FIFO queue,
// a filter on a stream mapping, an EventBridge Scheduler schedule and an
// on-success destination shared by Events' asynchronous sources.
func TestProductionSettings(t *testing.T) {
	s, tmpl := synth(t)
	web := logicalID(s, s.Web.Alias)
	if s.Web.DeploymentGroup == nil || s.Web.Alias == nil {
		t.Fatal("Web: got no alias or deployment group")
	}
	tmpl.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentGroup"), &map[string]any{
		"DeploymentConfigName": "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
		"AlarmConfiguration": map[string]any{"Enabled": true, "Alarms": []any{
			map[string]any{"Name": ref(logicalID(s, s.Web.NewVersionErrorsAlarm))},
			map[string]any{"Name": ref(logicalID(s, s.Web.NewVersionThrottlesAlarm))},
			map[string]any{"Name": ref(logicalID(s, s.Web.NewVersionDurationAlarm))},
		}},
	})
	tmpl.HasResource(jsii.String("AWS::Lambda::Alias"), &map[string]any{
		"UpdatePolicy": map[string]any{"CodeDeployLambdaAliasUpdate": map[string]any{
			"DeploymentGroupName": ref(logicalID(s, s.Web.DeploymentGroup)),
		}},
	})
	// The routes invoke the alias, not $LATEST.
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Integration"), &map[string]any{"IntegrationUri": ref(web)})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::ApiGatewayV2::Integration"), &map[string]any{
		"IntegrationUri": getAtt(logicalID(s, s.Web.Function), "Arn"),
	}, jsii.Number(0))

	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"FifoQueue": true, "ContentBasedDeduplication": true,
		"RedrivePolicy": map[string]any{"deadLetterTargetArn": getAtt(logicalID(s, s.Ledger.DeadLetterQueue), "Arn"), "maxReceiveCount": 5},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{"FifoQueue": true, "RedrivePolicy": assertions.Match_Absent()})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"EventSourceArn": CustomersTableStream,
		"FilterCriteria": map[string]any{"Filters": []any{map[string]any{"Pattern": `{"eventName":["INSERT","MODIFY"]}`}}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Scheduler::Schedule"), &map[string]any{
		"ScheduleExpression": "rate(1 hour)",
		"Target":             assertions.Match_ObjectLike(&map[string]any{"Arn": getAtt(logicalID(s, s.Events.Function), "Arn")}),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
		"DestinationConfig": map[string]any{
			"OnSuccess": map[string]any{"Destination": getAtt(logicalID(s, s.Bus.Bus), "Arn")},
			"OnFailure": assertions.Match_AnyValue(),
		},
	})
}
