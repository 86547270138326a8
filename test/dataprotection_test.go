package test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/stacks"
)

// TestEveryBucketAndQueueIsEncryptedAndTLSOnly checks every bucket and queue
// of both stacks, not a list: a new one without protection fails.
func TestEveryBucketAndQueueIsEncryptedAndTLSOnly(t *testing.T) {
	s := synth(t, stacks.StageDev)
	for _, tmpl := range []assertions.Template{s.stateful, s.service} {
		policies := resources(tmpl, "AWS::S3::BucketPolicy")
		for id, b := range resources(tmpl, "AWS::S3::Bucket") {
			p := props(b)
			pab, _ := p["PublicAccessBlockConfiguration"].(map[string]any)
			for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
				if pab[k] != true {
					t.Errorf("bucket %s: PublicAccessBlockConfiguration.%s got %v, want true", id, k, pab[k])
				}
			}
			if p["BucketEncryption"] == nil {
				t.Errorf("bucket %s: no BucketEncryption", id)
			}
			if !deniesInsecureTransport(policies, "Bucket", id) {
				t.Errorf("bucket %s: no policy denying aws:SecureTransport false", id)
			}
		}
		qpolicies := resources(tmpl, "AWS::SQS::QueuePolicy")
		for id, q := range resources(tmpl, "AWS::SQS::Queue") {
			p := props(q)
			if p["SqsManagedSseEnabled"] != true && p["KmsMasterKeyId"] == nil {
				t.Errorf("queue %s: not encrypted", id)
			}
			if !deniesInsecureTransport(qpolicies, "Queues", id) {
				t.Errorf("queue %s: no policy denying aws:SecureTransport false", id)
			}
		}
	}
}

// deniesInsecureTransport reports whether one of policies (bucket or queue
// policies) names the resource id in field and has a Deny statement on
// aws:SecureTransport false.
func deniesInsecureTransport(policies map[string]map[string]any, field, id string) bool {
	for _, pol := range policies {
		p := props(pol)
		if !strings.Contains(mustJSON(p[field]), `"`+id+`"`) {
			continue
		}
		for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			stmt := st.(map[string]any)
			if stmt["Effect"] == "Deny" && strings.Contains(mustJSON(stmt["Condition"]), `{"Bool":{"aws:SecureTransport":"false"}}`) {
				return true
			}
		}
	}
	return false
}

// TestCdkNagCatchesAFinding proves the checks bite: the same packs on a stack
// with an unencrypted, non-TLS queue make synth fail, naming the rules.
func TestCdkNagCatchesAFinding(t *testing.T) {
	outdir := t.TempDir()
	app := newApp(t, outdir)
	stack := awscdk.NewStack(app, jsii.String("Bad"), nil)
	awssqs.NewQueue(stack, jsii.String("Plain"), &awssqs.QueueProps{Encryption: awssqs.QueueEncryption_UNENCRYPTED})
	stacks.AddChecks(app)
	msg := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		app.Synth(nil)
		return ""
	}()
	if !strings.Contains(msg, "Validation failed") {
		t.Fatalf("synth of a stack with findings: got %q, want it to fail validation", msg)
	}
	report, err := os.ReadFile(filepath.Join(outdir, "validation-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range []string{"AwsSolutions-SQS2", "AwsSolutions-SQS4"} {
		if !strings.Contains(string(report), rule) {
			t.Errorf("validation report: want %s in\n%s", rule, report)
		}
	}
}
