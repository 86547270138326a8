package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close() // stops the Node child and removes its temp folder
	os.Exit(code)
}

// synth builds the example stack in an app writing to a temp folder, with
// cdk.json's context (the feature flags) and the cdk-nag checks, as `cdk
// synth` runs it; the synth builds both functions from functions/.
func synth(t *testing.T) (*ThumbnailsStack, assertions.Template, string) {
	t.Helper()
	outdir := t.TempDir()
	ctx := cdkJSONContext(t, "cdk.json")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), Context: &ctx})
	s := NewThumbnailsStack(app, "Example", nil)
	addChecks(app)
	return s, assertions.Template_FromStack(s.Stack, nil), outdir
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

// The module carries the library's feature flags: the root project's
// cdk.json context, which the CLI checks against the recommended flags.
func TestFeatureFlagsAreTheLibrarys(t *testing.T) {
	got, want := cdkJSONContext(t, "cdk.json"), cdkJSONContext(t, "../../cdk.json")
	if len(want) < 50 {
		t.Fatalf("root cdk.json has %d context entries, want the feature flags", len(want))
	}
	if g, w := mustJSON(got), mustJSON(want); g != w {
		t.Errorf("cdk.json context differs from the root project's:\ngot  %s\nwant %s", g, w)
	}
}

func TestNoCdkNagFindings(t *testing.T) {
	s, _, _ := synth(t)
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

func logicalID(s *ThumbnailsStack, c constructs.IConstruct) string {
	return *s.Stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func getAtt(id, attr string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }
func ref(id string) map[string]any          { return map[string]any{"Ref": id} }

// objects is the ARN pattern of the objects under prefix in bucket id.
func objects(id, prefix string) map[string]any {
	return map[string]any{"Fn::Join": []any{"", []any{getAtt(id, "Arn"), "/" + prefix + "*"}}}
}

func TestWiring(t *testing.T) {
	s, tmpl, outdir := synth(t)
	images, queue, dlq := logicalID(s, s.Images), logicalID(s, s.Jobs.Queue), logicalID(s, s.Jobs.DeadLetterQueue)
	thumb, enqueue := logicalID(s, s.Thumbnail.Function), logicalID(s, s.Enqueue.Function)

	// Upload -> enqueue: the bucket's "Object Created" events under uploads/.
	tmpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), &map[string]any{
		"NotificationConfiguration": map[string]any{"EventBridgeConfiguration": map[string]any{"EventBridgeEnabled": true}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
		"EventPattern": map[string]any{
			"source":      []any{"aws.s3"},
			"detail-type": []any{"Object Created"},
			"detail": map[string]any{
				"bucket": map[string]any{"name": []any{ref(images)}},
				"object": map[string]any{"key": []any{map[string]any{"prefix": "uploads/"}}},
			},
		},
		"Targets": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"Arn": getAtt(enqueue, "Arn")})}),
	})

	// Enqueue -> queue: the queue's URL in its environment.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{"JOBS_QUEUE_URL": ref(queue)}},
		"Runtime":     "provided.al2023",
		"Handler":     "bootstrap",
	})

	// Queue -> thumbnail: batches of 5, at most 5 at once, failures reported
	// per message; 3 receives, then the dead-letter queue.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"EventSourceArn":        getAtt(queue, "Arn"),
		"FunctionName":          ref(thumb),
		"BatchSize":             5,
		"ScalingConfig":         map[string]any{"MaximumConcurrency": 5},
		"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"VisibilityTimeout": 180, // 6 x the thumbnail function's 30 s
		"RedrivePolicy":     map[string]any{"deadLetterTargetArn": getAtt(dlq, "Arn"), "maxReceiveCount": 3},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{"IMAGES_BUCKET_NAME": ref(images)}},
		"MemorySize":  512,
		"Timeout":     30,
	})
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(2))
	tmpl.ResourceCountIs(jsii.String("Custom::S3BucketNotifications"), jsii.Number(0))

	// Both functions were built into their assets.
	for _, fn := range []*struct {
		name string
		hash string
	}{{"Enqueue", *s.Enqueue.Asset.AssetHash()}, {"Thumbnail", *s.Thumbnail.Asset.AssetHash()}} {
		if _, err := os.Stat(filepath.Join(outdir, "asset."+fn.hash, "bootstrap")); err != nil {
			t.Errorf("%s: %v", fn.name, err)
		}
	}
}

func TestLeastPrivilege(t *testing.T) {
	s, tmpl, _ := synth(t)
	images, queue := logicalID(s, s.Images), logicalID(s, s.Jobs.Queue)
	enqueue := statements(t, tmpl, logicalID(s, s.Enqueue.Role))
	thumb := statements(t, tmpl, logicalID(s, s.Thumbnail.Role))

	tests := []struct {
		name     string
		stmts    []statement
		action   string
		resource any
		want     bool
	}{
		{"enqueue sends jobs", enqueue, "sqs:SendMessage", getAtt(queue, "Arn"), true},
		{"thumbnail reads uploads", thumb, "s3:GetObject", objects(images, uploadsPrefix), true},
		{"thumbnail writes thumbnails", thumb, "s3:PutObject", objects(images, thumbnailsPrefix), true},
		{"thumbnail consumes jobs", thumb, "sqs:DeleteMessage", getAtt(queue, "Arn"), true},
		{"thumbnail never overwrites uploads", thumb, "s3:PutObject", objects(images, uploadsPrefix), false},
		{"thumbnail reads nothing outside uploads", thumb, "s3:GetObject", objects(images, thumbnailsPrefix), false},
		{"thumbnail lists nothing", thumb, "s3:List*", getAtt(images, "Arn"), false},
		{"thumbnail sends no jobs", thumb, "sqs:SendMessage", getAtt(queue, "Arn"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allows(tt.stmts, tt.action, tt.resource); got != tt.want {
				t.Errorf("got allowed=%v for %s on %s, want %v", got, tt.action, mustJSON(tt.resource), tt.want)
			}
		})
	}
	for _, st := range enqueue {
		for _, a := range st.Actions {
			if strings.HasPrefix(a, "s3:") {
				t.Errorf("enqueue: got %s, want no S3 permission (the event carries the key)", a)
			}
		}
	}
}

// statement is one Allow statement of an IAM policy.
type statement struct {
	Actions   []string
	Resources []string // JSON of each resource
}

// statements returns the Allow statements of the policies attached to role.
func statements(t *testing.T, tmpl assertions.Template, role string) []statement {
	t.Helper()
	var out []statement
	for _, r := range *tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		p := (*r)["Properties"].(map[string]any)
		if !strings.Contains(mustJSON(p["Roles"]), mustJSON(ref(role))) {
			continue
		}
		for _, s := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			if st["Effect"] != "Allow" {
				continue
			}
			var one statement
			for _, a := range list(st["Action"]) {
				one.Actions = append(one.Actions, a.(string))
			}
			for _, res := range list(st["Resource"]) {
				one.Resources = append(one.Resources, mustJSON(res))
			}
			out = append(out, one)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no policy statements for role %s", role)
	}
	return out
}

// allows reports whether a statement grants action (as written in the
// policy) on resource.
func allows(stmts []statement, action string, resource any) bool {
	want := mustJSON(resource)
	for _, st := range stmts {
		hasAction, hasResource := false, false
		for _, a := range st.Actions {
			hasAction = hasAction || a == action
		}
		for _, r := range st.Resources {
			hasResource = hasResource || r == want
		}
		if hasAction && hasResource {
			return true
		}
	}
	return false
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
