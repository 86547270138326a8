package buckettrigger

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/constructstest"
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

func TestBadPropsFail(t *testing.T) {
	tests := []struct {
		name  string
		props func(*Props)
		want  string
	}{
		{"no key filter", func(p *Props) {}, "buckettrigger: Prefix and Suffix are both empty; set AllKeys to trigger on every key"},
		{"retries", func(p *Props) { p.Prefix = jsii.String("x/"); p.RetryAttempts = jsii.Number(3) }, "buckettrigger: RetryAttempts 3 is outside 0-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			p := &Props{Bucket: awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("uploads")), Function: constructstest.Function(stack, "Fn", 3)}
			tt.props(p)
			got := constructstest.PanicMessage(func() { New(stack, jsii.String("Trigger"), p) })
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
