package test

import (
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/stacks"
)

var functionNames = []string{"api", "publisher", "kitchen", "importer", "sweeper", "notifier"}

func TestFunctionsAreGoOnArm64WithAnExecutableBootstrap(t *testing.T) {
	s := synth(t, stacks.StageDev)
	fns := resources(s.service, "AWS::Lambda::Function")
	if got, want := len(fns), len(functionNames); got != want {
		t.Fatalf("got %d functions, want %d", got, want)
	}
	for name, f := range s.app.Service.Functions {
		t.Run(name, func(t *testing.T) {
			id := logicalID(s.app.Service.Stack, f.Function.Node().DefaultChild())
			p := props(fns[id])
			if got := p["Runtime"]; got != "provided.al2023" {
				t.Errorf("Runtime: got %v, want provided.al2023", got)
			}
			if got := p["Handler"]; got != "bootstrap" {
				t.Errorf("Handler: got %v, want bootstrap", got)
			}
			if got, _ := json.Marshal(p["Architectures"]); string(got) != `["arm64"]` {
				t.Errorf("Architectures: got %s, want [\"arm64\"]", got)
			}
			bootstrap := filepath.Join(s.outdir, "asset."+*f.Asset.AssetHash(), "bootstrap")
			fi, err := os.Stat(bootstrap)
			if err != nil {
				t.Fatalf("asset of %s: %v", name, err)
			}
			if fi.Mode().Perm()&0o111 == 0 {
				t.Errorf("bootstrap mode %v: want executable", fi.Mode())
			}
			bin, err := elf.Open(bootstrap)
			if err != nil {
				t.Fatalf("bootstrap of %s is not an ELF binary: %v", name, err)
			}
			defer bin.Close()
			if bin.Machine != elf.EM_AARCH64 || bin.OSABI != elf.ELFOSABI_NONE && bin.OSABI != elf.ELFOSABI_LINUX {
				t.Errorf("bootstrap of %s: got machine %v OS ABI %v, want linux/arm64", name, bin.Machine, bin.OSABI)
			}
		})
	}
}

func TestEveryFunctionHasItsOwnRoleAndLogGroup(t *testing.T) {
	s := synth(t, stacks.StageDev)
	roles := map[string]bool{}
	groups := map[string]bool{}
	for name, f := range resourcesByName(s) {
		p := props(f)
		role := ref(p["Role"])
		if role == "" || roles[role] {
			t.Errorf("%s: role %q missing or shared", name, role)
		}
		roles[role] = true
		lc, _ := p["LoggingConfig"].(map[string]any)
		if lc["LogFormat"] != "JSON" {
			t.Errorf("%s: LoggingConfig.LogFormat got %v, want JSON", name, lc["LogFormat"])
		}
		group := ref(lc["LogGroup"])
		if group == "" || groups[group] {
			t.Errorf("%s: log group %q missing or shared", name, group)
		}
		groups[group] = true
		lg := props(resources(s.service, "AWS::Logs::LogGroup")[group])
		if lg["RetentionInDays"] == nil {
			t.Errorf("%s: log group %s has no retention", name, group)
		}
	}
	s.service.ResourceCountIs(jsii.String("Custom::LogRetention"), jsii.Number(0))
	for id, r := range resources(s.service, "AWS::IAM::Role") {
		if mp := props(r)["ManagedPolicyArns"]; mp != nil {
			t.Errorf("role %s has managed policies %v, want none", id, mp)
		}
	}
}

func TestApiRoutesUsePayloadFormat2(t *testing.T) {
	s := synth(t, stacks.StageDev)
	var keys []string
	for _, r := range resources(s.service, "AWS::ApiGatewayV2::Route") {
		keys = append(keys, props(r)["RouteKey"].(string))
	}
	got := strings.Join(sorted(keys), ",")
	if want := "ANY /orders,ANY /orders/{id}"; got != want {
		t.Errorf("routes: got %s, want %s", got, want)
	}
	s.service.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Integration"), &map[string]any{
		"IntegrationType":      "AWS_PROXY",
		"PayloadFormatVersion": "2.0",
	})
	s.service.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), &map[string]any{
		"StageName":            "$default",
		"DefaultRouteSettings": assertions.Match_ObjectLike(&map[string]any{"ThrottlingRateLimit": assertions.Match_AnyValue(), "ThrottlingBurstLimit": assertions.Match_AnyValue()}),
		"AccessLogSettings":    assertions.Match_ObjectLike(&map[string]any{"DestinationArn": assertions.Match_AnyValue()}),
	})
}

func TestQueueAndStreamConsumersReportBatchItemFailures(t *testing.T) {
	s := synth(t, stacks.StageDev)
	esms := resources(s.service, "AWS::Lambda::EventSourceMapping")
	if len(esms) != 2 {
		t.Fatalf("got %d event source mappings, want 2", len(esms))
	}
	// A mapping invokes its function's live alias (FunctionName: the
	// function's name joined with ":live", taken from the alias's ARN).
	aliasOf := func(name string) string {
		return logicalID(s.app.Service.Stack, s.app.Service.Functions[name].Alias)
	}
	byFunction := map[string]map[string]any{}
	for _, m := range esms {
		p := props(m)
		for _, name := range []string{"kitchen", "publisher"} {
			if fn := mustJSON(p["FunctionName"]); strings.Contains(fn, `{"Ref":"`+aliasOf(name)+`"}`) && strings.HasSuffix(fn, `":live"]]}`) {
				byFunction[name] = p
			}
		}
		if got, _ := json.Marshal(p["FunctionResponseTypes"]); string(got) != `["ReportBatchItemFailures"]` {
			t.Errorf("FunctionResponseTypes: got %s, want [\"ReportBatchItemFailures\"]", got)
		}
	}
	kitchen := byFunction["kitchen"]
	if kitchen == nil || !strings.Contains(mustJSON(kitchen["EventSourceArn"]), logicalID(s.app.Service.Stack, s.app.Service.Kitchen.Queue.Node().DefaultChild())) {
		t.Errorf("kitchen: got mapping %v, want one from the kitchen queue", kitchen)
	}
	publisher := byFunction["publisher"]
	if publisher == nil {
		t.Fatal("publisher has no event source mapping")
	}
	if !strings.Contains(mustJSON(publisher["EventSourceArn"]), "StreamArn") {
		t.Errorf("publisher: EventSourceArn got %s, want the table's stream", mustJSON(publisher["EventSourceArn"]))
	}
	for field, want := range map[string]string{
		"StartingPosition":           `"TRIM_HORIZON"`,
		"BisectBatchOnFunctionError": `true`,
		"FilterCriteria":             `{"Filters":[{"Pattern":"{\"eventName\":[\"INSERT\"]}"}]}`,
	} {
		if got := mustJSON(publisher[field]); got != want {
			t.Errorf("publisher %s: got %s, want %s", field, got, want)
		}
	}
	if got := mustJSON(publisher["DestinationConfig"]); !strings.Contains(got, "OnFailure") {
		t.Errorf("publisher DestinationConfig: got %s, want an on-failure destination", got)
	}
}

func TestKitchenQueueHasDeadLetterQueueAndVisibilityTimeoutRule(t *testing.T) {
	s := synth(t, stacks.StageDev)
	stack := s.app.Service.Stack
	queues := resources(s.service, "AWS::SQS::Queue")
	q := props(queues[logicalID(stack, s.app.Service.Kitchen.Queue.Node().DefaultChild())])
	dlq := props(queues[logicalID(stack, s.app.Service.Kitchen.DeadLetterQueue.Node().DefaultChild())])
	redrive, _ := q["RedrivePolicy"].(map[string]any)
	if redrive == nil || !strings.Contains(mustJSON(redrive["deadLetterTargetArn"]), logicalID(stack, s.app.Service.Kitchen.DeadLetterQueue.Node().DefaultChild())) {
		t.Fatalf("kitchen RedrivePolicy: got %v, want the kitchen dead-letter queue", redrive)
	}
	if n, _ := redrive["maxReceiveCount"].(float64); n < 1 {
		t.Errorf("maxReceiveCount: got %v, want >= 1", redrive["maxReceiveCount"])
	}
	fn := props(resourcesByName(s)["kitchen"])
	timeout := fn["Timeout"].(float64)
	if vt := q["VisibilityTimeout"].(float64); vt < 6*timeout {
		t.Errorf("VisibilityTimeout: got %vs, want >= 6 x function timeout %vs", vt, timeout)
	}
	if qr, dr := retention(q), retention(dlq); dr <= qr {
		t.Errorf("dead-letter retention %vs: want longer than the queue's %vs", dr, qr)
	}
}

func TestImporterIsTriggeredOnlyUnderIncoming(t *testing.T) {
	s := synth(t, stacks.StageDev)
	rules := resources(s.service, "AWS::Events::Rule")
	var found bool
	for _, r := range rules {
		p := props(r)
		pattern := mustJSON(p["EventPattern"])
		if !strings.Contains(pattern, `"Object Created"`) {
			continue
		}
		found = true
		if !strings.Contains(pattern, `"key":[{"prefix":"incoming/"}]`) {
			t.Errorf("importer rule pattern: got %s, want key prefix incoming/", pattern)
		}
		if strings.Contains(pattern, "reports/") {
			t.Errorf("importer rule pattern %s matches reports/", pattern)
		}
		if !strings.Contains(mustJSON(p["Targets"]), "DeadLetterConfig") {
			t.Errorf("importer rule target: got %s, want a dead-letter queue", mustJSON(p["Targets"]))
		}
	}
	if !found {
		t.Fatal("no Object Created rule for the importer")
	}
	s.stateful.HasResourceProperties(jsii.String("AWS::S3::Bucket"), &map[string]any{
		"NotificationConfiguration": &map[string]any{"EventBridgeConfiguration": &map[string]any{"EventBridgeEnabled": true}},
	})
	s.service.ResourceCountIs(jsii.String("Custom::S3BucketNotifications"), jsii.Number(0))
}

func TestSweeperRunsEveryFiveMinutes(t *testing.T) {
	s := synth(t, stacks.StageDev)
	sweeper := logicalID(s.app.Service.Stack, s.app.Service.Functions["sweeper"].Alias)
	// An EventBridge Scheduler schedule, invoking the sweeper's live alias,
	// retrying delivery and keeping what it could not deliver.
	s.service.HasResourceProperties(jsii.String("AWS::Scheduler::Schedule"), &map[string]any{
		"ScheduleExpression": "rate(5 minutes)",
		"State":              "ENABLED",
		"Target": assertions.Match_ObjectLike(&map[string]any{
			"Arn":              map[string]any{"Ref": sweeper},
			"DeadLetterConfig": assertions.Match_AnyValue(),
			"RetryPolicy":      assertions.Match_AnyValue(),
			"RoleArn":          assertions.Match_AnyValue(),
		}),
	})
	if rules := resources(s.service, "AWS::Events::Rule"); len(rules) != 2 {
		t.Errorf("got %d rules, want the importer's and the OrderReady rule only (the sweep is a schedule)", len(rules))
	}
	env := props(resourcesByName(s)["sweeper"])["Environment"].(map[string]any)["Variables"].(map[string]any)
	if env["STALE_AFTER"] == nil || env["ORDERS_PENDING_INDEX_NAME"] != stacks.PendingIndexName {
		t.Errorf("sweeper environment: got %v, want STALE_AFTER and the pending index", env)
	}
}

func TestStatefulResourcesAreRetainedAndRecoverable(t *testing.T) {
	for _, stage := range []string{stacks.StageDev, stacks.StageProd} {
		t.Run(stage, func(t *testing.T) {
			s := synth(t, stage)
			s.stateful.HasResource(jsii.String("AWS::DynamoDB::Table"), &map[string]any{
				"DeletionPolicy":      "Retain",
				"UpdateReplacePolicy": "Retain",
				"Properties": assertions.Match_ObjectLike(&map[string]any{
					"BillingMode":                      "PAY_PER_REQUEST",
					"KeySchema":                        []any{map[string]any{"AttributeName": "orderId", "KeyType": "HASH"}},
					"StreamSpecification":              map[string]any{"StreamViewType": "NEW_AND_OLD_IMAGES"},
					"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
					"SSESpecification":                 assertions.Match_ObjectLike(&map[string]any{"SSEEnabled": true}),
					"DeletionProtectionEnabled":        stage == stacks.StageProd,
					"GlobalSecondaryIndexes": []any{map[string]any{
						"IndexName":  stacks.PendingIndexName,
						"KeySchema":  []any{map[string]any{"AttributeName": "pendingShard", "KeyType": "HASH"}, map[string]any{"AttributeName": "createdAt", "KeyType": "RANGE"}},
						"Projection": map[string]any{"ProjectionType": "KEYS_ONLY"},
					}},
				}),
			})
			s.stateful.HasResource(jsii.String("AWS::S3::Bucket"), &map[string]any{
				"DeletionPolicy":      "Retain",
				"UpdateReplacePolicy": "Retain",
				"Properties": assertions.Match_ObjectLike(&map[string]any{
					"VersioningConfiguration": map[string]any{"Status": "Enabled"},
					"PublicAccessBlockConfiguration": map[string]any{
						"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
					},
					"BucketEncryption": assertions.Match_AnyValue(),
				}),
			})
		})
	}
}

// TestStatefulLogicalIDsArePinned guards against a refactor that renames a
// table or bucket: CloudFormation would create new, empty ones (for the
// idempotency table: every event of the last hour could notify again).
func TestStatefulLogicalIDsArePinned(t *testing.T) {
	s := synth(t, stacks.StageDev)
	for typ, want := range map[string]string{
		"AWS::DynamoDB::Table": "IdempotencyTable48612DF4,OrdersA9B65338",
		"AWS::S3::Bucket":      "AccessLogs8B620ECA,Uploads4F6EB0FD",
	} {
		var got []string
		for id := range resources(s.stateful, typ) {
			got = append(got, id)
		}
		if g := strings.Join(sorted(got), ","); g != want {
			t.Errorf("%s logical IDs: got %s, want %s", typ, g, want)
		}
	}
}

func TestThrowawayStageCanOptInToDestroyData(t *testing.T) {
	for _, tt := range []struct {
		destroyData string
		want        string
	}{{"", "Retain"}, {"true", "Delete"}} {
		t.Run("destroyData="+tt.destroyData, func(t *testing.T) {
			cfg, err := stacks.ConfigForContext("pr-42", tt.destroyData)
			if err != nil {
				t.Fatal(err)
			}
			app := newApp(t, t.TempDir())
			s := stacks.NewStatefulStack(app, stacks.StackName(cfg.Stage, "Stateful"), &stacks.StatefulStackProps{Config: cfg})
			tmpl := assertions.Template_FromStack(s.Stack, nil)
			for _, typ := range []string{"AWS::DynamoDB::Table", "AWS::S3::Bucket"} {
				for id, r := range resources(tmpl, typ) {
					if got := r["DeletionPolicy"]; got != tt.want {
						t.Errorf("%s %s DeletionPolicy: got %v, want %s", typ, id, got, tt.want)
					}
				}
			}
		})
	}
}
