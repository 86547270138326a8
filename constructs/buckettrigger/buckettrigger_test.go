package buckettrigger

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestKeyFilter(t *testing.T) {
	tests := []struct {
		name, prefix, suffix, want string
	}{
		{"prefix", "incoming/", "", `{"prefix":"incoming/"}`},
		{"suffix", "", ".csv", `{"suffix":".csv"}`},
		{"both", "incoming/", ".csv", `{"wildcard":"incoming/*.csv"}`},
		{"both escaped", `in*co\ming/`, ".csv", `{"wildcard":"in\\*co\\\\ming/*.csv"}`},
		{"none", "", "", `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(keyFilter(tt.prefix, tt.suffix))
			if got := string(b); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRuleTargetsFunctionWithRetriesAndDeadLetterQueue(t *testing.T) {
	stack := constructstest.Stack()
	bucket := awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("uploads"))
	New(stack, jsii.String("Trigger"), &Props{Bucket: bucket, Function: constructstest.Function(stack, "Fn", 30), Prefix: jsii.String("incoming/")})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
		"EventPattern": map[string]any{
			"source":      []any{"aws.s3"},
			"detail-type": []any{"Object Created"},
			"detail":      map[string]any{"bucket": map[string]any{"name": []any{"uploads"}}, "object": map[string]any{"key": []any{map[string]any{"prefix": "incoming/"}}}},
		},
		"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
			"DeadLetterConfig": assertions.Match_AnyValue(),
			"RetryPolicy":      map[string]any{"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
		})},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
		"MaximumRetryAttempts":     2,
		"MaximumEventAgeInSeconds": 21600,
		"DestinationConfig":        map[string]any{"OnFailure": assertions.Match_AnyValue()},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{"SqsManagedSseEnabled": true})
}

func TestBadPropsFailSynth(t *testing.T) {
	tests := []struct {
		name  string
		props func(*Props)
		want  []string
	}{
		{"no key filter", func(p *Props) {}, []string{"[S/Trigger] buckettrigger: Prefix and Suffix are both empty; set AllKeys to trigger on every key"}},
		{"retries", func(p *Props) { p.Prefix = jsii.String("x/"); p.RetryAttempts = jsii.Number(3) },
			[]string{"[S/Trigger] buckettrigger: RetryAttempts 3 is outside 0-2 (Lambda asynchronous invocation)"}},
		{"event age and retention", func(p *Props) {
			p.AllKeys = jsii.Bool(true)
			p.MaxEventAge = awscdk.Duration_Hours(jsii.Number(7))
			p.DeadLetterRetentionPeriod = awscdk.Duration_Days(jsii.Number(15))
		}, []string{
			"[S/Trigger] buckettrigger: MaxEventAge 25200s is outside 60-21600s (Lambda asynchronous invocation)",
			"[S/Trigger] buckettrigger: DeadLetterRetentionPeriod 1296000s is outside 60-1209600s (SQS quotas)",
		}},
		{"required", func(p *Props) { p.Bucket, p.Function, p.Prefix = nil, nil, jsii.String("x/") }, []string{
			"[S/Trigger] buckettrigger: Bucket is required (the bucket whose object creations trigger the function)",
			"[S/Trigger] buckettrigger: Function is required (the function to invoke)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			p := &Props{Bucket: awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("uploads")), Function: constructstest.Function(stack, "Fn", 3)}
			tt.props(p)
			tr := New(stack, jsii.String("Trigger"), p)
			if tr.Rule == nil || tr.DeadLetterQueue == nil {
				t.Error("want the rule and the dead-letter queue built")
			}
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}

func TestBucketOfTheAppNeedsEventBridgeNotifications(t *testing.T) {
	const want = "[S/Trigger] buckettrigger: Bucket S/Uploads has EventBridge notifications off, so the rule would never fire: call buckettrigger.EnableEventBridge(bucket), which sets NotificationConfiguration.EventBridgeConfiguration on the bucket (no custom resource)"
	tests := []struct {
		name   string
		bucket func(awscdk.Stack) awss3.Bucket
		want   []string
	}{
		{"off", func(s awscdk.Stack) awss3.Bucket { return awss3.NewBucket(s, jsii.String("Uploads"), nil) }, []string{want}},
		// The L2 prop turns them on through a custom resource, which the
		// check does not see: the message names the supported way.
		{"custom resource", func(s awscdk.Stack) awss3.Bucket {
			return awss3.NewBucket(s, jsii.String("Uploads"), &awss3.BucketProps{EventBridgeEnabled: jsii.Bool(true)})
		}, []string{want}},
		{"enabled after New", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			var bucket awss3.Bucket
			if tt.bucket != nil {
				bucket = tt.bucket(stack)
			} else {
				bucket = awss3.NewBucket(stack, jsii.String("Uploads"), nil)
			}
			New(stack, jsii.String("Trigger"), &Props{Bucket: bucket, Function: constructstest.Function(stack, "Fn", 3), Prefix: jsii.String("in/")})
			if tt.bucket == nil {
				EnableEventBridge(bucket) // after New: the check runs at synth
			}
			if got := constructstest.Problems(t, stack); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got problems %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEnableEventBridgeSetsThePropertyAndKeepsTheRest(t *testing.T) {
	stack := constructstest.Stack()
	bucket := awss3.NewBucket(stack, jsii.String("Uploads"), nil)
	cfn := bucket.Node().DefaultChild().(awss3.CfnBucket)
	cfn.SetNotificationConfiguration(&awss3.CfnBucket_NotificationConfigurationProperty{
		QueueConfigurations: []any{map[string]any{"event": "s3:ObjectRemoved:*", "queue": "arn:aws:sqs:us-east-1:123456789012:removed"}},
	})
	EnableEventBridge(bucket)
	EnableEventBridge(bucket) // idempotent
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), &map[string]any{
		"NotificationConfiguration": map[string]any{
			"EventBridgeConfiguration": map[string]any{"EventBridgeEnabled": true},
			"QueueConfigurations":      []any{map[string]any{"Event": "s3:ObjectRemoved:*", "Queue": "arn:aws:sqs:us-east-1:123456789012:removed"}},
		},
	})
	tmpl.ResourceCountIs(jsii.String("Custom::S3BucketNotifications"), jsii.Number(0))
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(0))
}

func TestTwoTriggersShareTheFunctionsAsyncConfiguration(t *testing.T) {
	stack := constructstest.Stack()
	bucket := awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("uploads"))
	fn := constructstest.Function(stack, "Fn", 3)
	New(stack, jsii.String("Csv"), &Props{Bucket: bucket, Function: fn, Suffix: jsii.String(".csv")})
	New(stack, jsii.String("Json"), &Props{Bucket: bucket, Function: fn, Suffix: jsii.String(".json")})
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	assertions.Template_FromStack(stack, nil).ResourceCountIs(jsii.String("AWS::Lambda::EventInvokeConfig"), jsii.Number(1))

	stack = constructstest.Stack()
	bucket = awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("uploads"))
	fn = constructstest.Function(stack, "Fn", 3)
	New(stack, jsii.String("Csv"), &Props{Bucket: bucket, Function: fn, Suffix: jsii.String(".csv")})
	New(stack, jsii.String("Json"), &Props{Bucket: bucket, Function: fn, Suffix: jsii.String(".json"), RetryAttempts: jsii.Number(0)})
	constructstest.WantProblems(t, stack, "[S/Json] buckettrigger: RetryAttempts 0 and MaxEventAge 21600s differ from the 2 and 21600s that S/Csv gave the same function S/Fn (a function has one asynchronous-invoke configuration: give both the same values)")
}
