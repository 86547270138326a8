package cdkapp_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/example/orderflow/constructs/albtarget"
	"github.com/example/orderflow/constructs/buckettrigger"
	"github.com/example/orderflow/constructs/cdkapp"
	"github.com/example/orderflow/constructs/eventbus"
	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventrule"
	"github.com/example/orderflow/constructs/functionurl"
	"github.com/example/orderflow/constructs/gofunction"
	"github.com/example/orderflow/constructs/httpapi"
	"github.com/example/orderflow/constructs/kinesisconsumer"
	"github.com/example/orderflow/constructs/queueworker"
	"github.com/example/orderflow/constructs/scheduledfunction"
	"github.com/example/orderflow/constructs/streamconsumer"
	"github.com/example/orderflow/constructs/topicsubscriber"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// A stack with mistakes in every construct of the library: New returns for
// each, and one synth reports every problem, one line each, with its path.
func TestEveryProblemOfEveryConstructInOneSynth(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Svc"), nil)

	fn := gofunction.New(stack, jsii.String("Api"), &gofunction.Props{MemorySize: jsii.Number(100), Timeout: awscdk.Duration_Seconds(jsii.Number(901))})
	queueworker.New(stack, jsii.String("Jobs"), &queueworker.Props{Function: fn.Function, BatchSize: jsii.Number(11)})
	streamconsumer.New(stack, jsii.String("Stream"), &streamconsumer.Props{
		Table: awsdynamodb.Table_FromTableName(stack, jsii.String("Orders"), jsii.String("orders")), Function: fn.Function,
	})
	buckettrigger.New(stack, jsii.String("Uploads"), &buckettrigger.Props{
		Bucket: awss3.NewBucket(stack, jsii.String("Bucket"), nil), Function: fn.Function, Prefix: jsii.String("in/"),
	})
	scheduledfunction.New(stack, jsii.String("Sweep"), &scheduledfunction.Props{Function: fn.Function})
	api := httpapi.New(stack, jsii.String("Http"), &httpapi.Props{ThrottlingBurstLimit: jsii.Number(-1)})
	httpapi.NewRoute(stack, jsii.String("Get"), &httpapi.RouteProps{Api: api.Api, Path: jsii.String("orders"),
		Methods: []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET}, Function: fn.Function})
	topicsubscriber.New(stack, jsii.String("Notify"), &topicsubscriber.Props{Topic: awssns.NewTopic(stack, jsii.String("Topic"), nil), Function: fn.Function,
		RetryAttempts: jsii.Number(3)})
	bus := eventbus.New(stack, jsii.String("Bus"), &eventbus.Props{ArchiveRetention: awscdk.Duration_Hours(jsii.Number(12))})
	eventrule.New(stack, jsii.String("Rule"), &eventrule.Props{EventBus: bus.Bus, EventPattern: &awsevents.EventPattern{}, Function: fn.Function})
	kinesisconsumer.New(stack, jsii.String("Clicks"), &kinesisconsumer.Props{Function: fn.Function, ParallelizationFactor: jsii.Number(11),
		Filters: []eventfilter.Filter{eventfilter.Pattern{"data": eventfilter.Prefix("{")}}})
	functionurl.New(stack, jsii.String("Url"), &functionurl.Props{Function: fn.Function, Public: jsii.String("")})
	albtarget.New(stack, jsii.String("Alb"), &albtarget.Props{
		Listener: elbv2.ApplicationListener_FromApplicationListenerAttributes(stack, jsii.String("Listener"), &elbv2.ApplicationListenerAttributes{
			ListenerArn:   jsii.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shared/50dc6c495c0c9188/f2f7dc8efc522ab2"),
			SecurityGroup: awsec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("Sg"), jsii.String("sg-0123456789abcdef0"), nil),
		}),
		Function: fn.Function, Priority: jsii.Number(0), PathPatterns: jsii.Strings("/x"),
	})

	_, err := cdkapp.Synth(app)
	var e *cdkapp.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a *cdkapp.Error", err)
	}
	want := []string{
		`[Svc/Api] gofunction: Entry is required (the directory of the function's main package, e.g. "functions/api")`,
		"[Svc/Api] gofunction: MemorySize 100 MB is outside 128-10240 MB (Lambda quotas)",
		"[Svc/Api] gofunction: Timeout 901s is outside 1-900s (Lambda quotas)",
		"[Svc/Jobs] queueworker: BatchSize 11 is outside 1-10 (up to 10000 with a MaxBatchingWindow)",
		"[Svc/Stream] streamconsumer: Table Svc/Orders has no stream this app knows of: give a table of the app its stream (awsdynamodb.TableProps.Stream, or TableV2's DynamoStream), or import it with awsdynamodb.Table_FromTableAttributes and TableStreamArn",
		"[Svc/Uploads] buckettrigger: Bucket Svc/Bucket has EventBridge notifications off, so the rule would never fire: call buckettrigger.EnableEventBridge(bucket), which sets NotificationConfiguration.EventBridgeConfiguration on the bucket (no custom resource)",
		"[Svc/Sweep] scheduledfunction: Schedule is required (a rate or cron expression, e.g. awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))))",
		"[Svc/Sweep] scheduledfunction: RetryAttempts 2 and MaxEventAge 3600s differ from the 2 and 21600s that Svc/Uploads gave the same function Svc/Api/Function (a function has one asynchronous-invoke configuration: give both the same values)",
		"[Svc/Http] httpapi: ThrottlingBurstLimit -1 must be a whole number greater than 0 (requests per second)",
		`[Svc/Get] httpapi: Path "orders" must start with "/"`,
		"[Svc/Notify] topicsubscriber: RetryAttempts 3 is outside 0-2 (Lambda asynchronous invocation)",
		"[Svc/Bus] eventbus: ArchiveRetention 43200s is not a whole number of days of at least 1 (the archive keeps events for a number of days)",
		"[Svc/Rule] eventrule: EventPattern is empty: give the fields events must match, e.g. Source and DetailType (a rule without a pattern matches no event)",
		"[Svc/Clicks] kinesisconsumer: ParallelizationFactor 11 is outside 1-10 (event source mapping)",
		"[Svc/Clicks] kinesisconsumer: Filters[0] data: must be an object of fields, not a rule: Lambda event filtering for Kinesis matches the record's data as JSON",
		"[Svc/Url] functionurl: Public is empty: give the reason the URL needs no authorization (it is recorded as the cdk-nag suppression)",
		"[Svc/Alb] albtarget: Priority 0 is outside 1-50000 (ALB quotas)",
	}
	if got := strings.Join(e.Problems, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got problems:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if got, wantHead := err.Error(), fmt.Sprintf("synth failed, %d problems:\n", len(want))+want[0]+"\n"; !strings.HasPrefix(got, wantHead) {
		t.Errorf("got error %q, want it to start with %q", got, wantHead)
	}
}

func TestSynthSucceeds(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	eventbus.New(awscdk.NewStack(app, jsii.String("Ok"), nil), jsii.String("Bus"), nil)
	assembly, err := cdkapp.Synth(app)
	if err != nil || assembly == nil {
		t.Fatalf("got %v, %v; want an assembly", assembly, err)
	}
	if _, err := os.Stat(filepath.Join(*assembly.Directory(), "Ok.template.json")); err != nil {
		t.Error(err)
	}
}

func TestCatchReturnsACDKErrorRaisedWhileBuilding(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	err := cdkapp.Catch(func() {
		awsevents.NewRule(stack, jsii.String("R"), nil)
		awsevents.NewRule(stack, jsii.String("R"), nil) // a duplicate construct ID
	})
	var e *cdkapp.Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, "There is already a Construct with name 'R'") || strings.Contains(e.Message, "    at ") {
		t.Errorf("got %#v, want the CDK message without its JavaScript stack", err)
	}
	if err := cdkapp.Catch(func() {}); err != nil {
		t.Errorf("got %v, want nil", err)
	}
}

func TestGoRuntimeErrorsStillPanic(t *testing.T) {
	defer func() {
		if _, ok := recover().(runtime.Error); !ok {
			t.Error("want the Go runtime error to propagate")
		}
	}()
	var m map[string]int
	_ = cdkapp.Catch(func() { m["x"] = 1 })
}

// The broken app prints one line per problem on stderr and exits 1: no Go
// panic, no goroutine trace.
func TestBrokenAppExitsOneWithTheProblems(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an app")
	}
	bin := filepath.Join(t.TempDir(), "brokenapp")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/brokenapp").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "CDK_OUTDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("got %v, want exit status 1; stderr:\n%s", err, stderr.String())
	}
	var lines []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(line, "!!") || strings.TrimSpace(line) == "" { // Node's end-of-life banner, when jsii runs on Node 20
			continue
		}
		lines = append(lines, line)
	}
	want := []string{
		"synth failed, 3 problems:",
		`[Broken/Worker] gofunction: Entry is required (the directory of the function's main package, e.g. "functions/api")`,
		"[Broken/Worker] gofunction: MemorySize 64 MB is outside 128-10240 MB (Lambda quotas)",
		"[Broken/Jobs] queueworker: BatchSize 11 is outside 1-10 (up to 10000 with a MaxBatchingWindow)",
	}
	if got := strings.Join(lines, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got stderr:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if stdout.Len() != 0 {
		t.Errorf("got stdout %q, want nothing", stdout.String())
	}
}

// An error annotation (a cdk-nag finding) fails Synth, its findings
// themselves as Problems: with the library's feature flags (as with a
// cdk.json that has them) CDK fails synth with only a pointer to
// validation-report.json; without them (`go run .` outside the CLI) CDK
// synthesizes, and Synth finds the annotations.
func TestNagFindingsComeBackAsProblems(t *testing.T) {
	for name, context := range map[string]*map[string]any{"flags": ptr(cdkapp.FeatureFlags()), "no flags": nil} {
		t.Run(name, func(t *testing.T) {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: context})
			stack := awscdk.NewStack(app, jsii.String("S"), nil)
			awssqs.NewQueue(stack, jsii.String("Plain"), &awssqs.QueueProps{Encryption: awssqs.QueueEncryption_UNENCRYPTED})
			awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
			_, err := cdkapp.Synth(app)
			var e *cdkapp.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *cdkapp.Error", err)
			}
			got := strings.Join(e.Problems, "\n")
			for _, want := range []string{
				"[S/Plain/Resource] AwsSolutions-SQS2: The SQS Queue does not have server-side encryption enabled.",
				"[S/Plain/Resource] AwsSolutions-SQS4: The SQS queue does not require requests to use SSL.",
			} {
				if !strings.Contains(got, want) {
					t.Errorf("got problems:\n%s\nwant a line starting %q", got, want)
				}
			}
			if strings.Contains(err.Error(), "validation-report.json") {
				t.Errorf("got %q, want the findings, not a pointer to the report", err)
			}
		})
	}
}

func TestFeatureFlagsAreTheRecommendedOnes(t *testing.T) {
	flags := cdkapp.FeatureFlags()
	if len(flags) < 80 {
		t.Fatalf("got %d flags, want the recommended flags of aws-cdk-lib (80+)", len(flags))
	}
	if got := flags["@aws-cdk/aws-iam:importedRoleStackSafeDefaultPolicyName"]; got != true {
		t.Errorf("@aws-cdk/aws-iam:importedRoleStackSafeDefaultPolicyName: got %v, want true", got)
	}
	flags["x"] = 1
	if _, ok := cdkapp.FeatureFlags()["x"]; ok {
		t.Error("FeatureFlags returned a shared map: a caller's change leaked")
	}
}

func ptr[T any](v T) *T { return &v }
