// Package constructstest has test helpers for stacks built with this
// library, for its own tests and for yours:
//
//   - NewApp: an app with the library's feature flags (cdkapp.FeatureFlags)
//     and an output folder under t.TempDir(), as the CLI would run yours;
//   - NagFindings, NoNagFindings: the cdk-nag AwsSolutions and Serverless
//     findings of a stack as lines a test compares ("/S/Queue/Resource:
//     AwsSolutions-SQS4: ..."), so a failing test shows the findings
//     themselves;
//   - NagCleanFunction, Function: a function that needs no build, to wire
//     constructs to in unit tests (gofunction builds Go code at synth);
//   - Problems, WantProblems: the bad-props problems a synth fails with.
//
// A unit test of a stack of yours:
//
//	func TestOrdersStack(t *testing.T) {
//		app := constructstest.NewApp(t)
//		stack := awscdk.NewStack(app, jsii.String("Orders"), nil)
//		fn := constructstest.NagCleanFunction(stack, "Worker", 30)
//		queueworker.New(stack, jsii.String("Jobs"), &queueworker.Props{Function: fn})
//		constructstest.NoNagFindings(t, stack)
//	}
package constructstest

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/example/orderflow/constructs/cdkapp"
)

// NewApp returns an app whose output folder is under t.TempDir() and whose
// context holds the library's feature flags (cdkapp.FeatureFlags) plus
// context (later maps win), as `cdk synth` passes cdk.json's context.
func NewApp(t testing.TB, context ...map[string]any) awscdk.App {
	t.Helper()
	ctx := cdkapp.FeatureFlags()
	for _, c := range context {
		maps.Copy(ctx, c)
	}
	return awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &ctx})
}

// Stack returns a new stack "S" in a new app without feature flags.
func Stack() awscdk.Stack {
	return awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
}

// Function returns a function with inline code and the given timeout in
// seconds: enough to wire, nothing to build.
func Function(stack awscdk.Stack, id string, timeoutSeconds float64) awslambda.Function {
	return awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => {}")),
		Timeout: awscdk.Duration_Seconds(jsii.Number(timeoutSeconds)),
	})
}

// Problems synthesizes the app of stack and returns the problems that
// failed synth, one per entry ("[S/Worker] queueworker: ..."), or nil when
// synth succeeded. Any other synth failure fails the test.
func Problems(t testing.TB, stack awscdk.Stack) []string {
	t.Helper()
	_, err := cdkapp.Synth(awscdk.Stage_Of(stack))
	if err == nil {
		return nil
	}
	var e *cdkapp.Error
	if !errors.As(err, &e) || len(e.Problems) == 0 {
		t.Fatalf("synth failed without problems: %v", err)
	}
	return e.Problems
}

// WantProblems checks that synthesizing stack's app fails with exactly the
// problems want, in any order.
func WantProblems(t testing.TB, stack awscdk.Stack, want ...string) {
	t.Helper()
	got := Problems(t, stack)
	g, w := append([]string(nil), got...), append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("got problems:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

// LogicalID returns the logical ID of c's L1 resource (c itself or its
// default child).
func LogicalID(stack awscdk.Stack, c constructs.IConstruct) string {
	if dc := c.Node().DefaultChild(); dc != nil {
		c = dc
	}
	// Resolved, not stack.GetLogicalId: that is the allocated ID, blind to
	// OverrideLogicalId.
	return stack.Resolve(c.(awscdk.CfnElement).LogicalId()).(string)
}

// AlarmActions is the AlarmActions (and OKActions) value of an alarm that
// notifies topic: [{"Ref": topic}], or absent when topic is nil.
func AlarmActions(stack awscdk.Stack, topic awssns.ITopic) any {
	if topic == nil {
		return assertions.Match_Absent()
	}
	return []any{map[string]any{"Ref": LogicalID(stack, topic)}}
}

// HasDeadLetterQueueAlarm asserts that tmpl holds the alarm every construct
// defines on its dead-letter queue (the queue with construct queue): visible
// messages, Maximum over 5 minutes, > 0, missing data ignored, notifying
// topic on ALARM and OK (nobody when nil), no physical name.
func HasDeadLetterQueueAlarm(tmpl assertions.Template, stack awscdk.Stack, queue constructs.IConstruct, topic awssns.ITopic) {
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"Namespace":          "AWS/SQS",
		"MetricName":         "ApproximateNumberOfMessagesVisible",
		"Dimensions":         []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{LogicalID(stack, queue), "QueueName"}}}},
		"Statistic":          "Maximum",
		"Period":             300,
		"EvaluationPeriods":  1,
		"ComparisonOperator": "GreaterThanThreshold",
		"Threshold":          0,
		"TreatMissingData":   "ignore",
		"AlarmActions":       AlarmActions(stack, topic),
		"OKActions":          AlarmActions(stack, topic),
		"AlarmName":          assertions.Match_Absent(),
	})
}

// NagCleanFunction returns a function that passes the cdk-nag AwsSolutions
// and Serverless packs on its own, as gofunction's do (provided.al2023,
// explicit memory and timeout, active tracing, its own role with log writes
// on its own log group), without a build: the code is an object of an
// imported bucket. Findings in a construct's test are then the construct's.
func NagCleanFunction(stack awscdk.Stack, id string, timeoutSeconds float64) awslambda.Function {
	logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_WEEK, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	logs.GrantWrite(role)
	code := awss3.Bucket_FromBucketName(stack, jsii.String(id+"Code"), jsii.String("example-code"))
	fn := awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Runtime:    awslambda.Runtime_PROVIDED_AL2023(),
		Handler:    jsii.String("bootstrap"),
		Code:       awslambda.Code_FromBucketV2(code, jsii.String(id+".zip"), nil),
		MemorySize: jsii.Number(256),
		Timeout:    awscdk.Duration_Seconds(jsii.Number(timeoutSeconds)),
		Role:       role,
		LogGroup:   logs,
		Tracing:    awslambda.Tracing_ACTIVE,
	})
	awscdk.Annotations_Of(code).AcknowledgeWarning(jsii.String("@aws-cdk/aws-lambda:codeFromBucketObjectVersionNotSpecified"), jsii.String("test code"))
	cdknag.NagSuppressions_AddResourceSuppressions(role.Node().FindChild(jsii.String("DefaultPolicy")).Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("X-Ray has no resource-level permissions"), AppliesTo: &[]interface{}{"Resource::*"},
	}}, nil)
	return fn
}

// Message is an error or warning annotation of a construct: cdk-nag's
// findings, CDK's own warnings, a construct's problems.
type Message struct {
	// Path is the construct path with a leading slash, as the CLI prints
	// it: "/S/Fn/Resource".
	Path string
	// Text is the annotation's message.
	Text string
}

// Messages synthesizes the app of stack (once: a later synth returns the
// same assembly, so add aspects before the first) and returns the error and
// warning annotations of the constructs of stack, in tree order. With the
// feature flags of NewApp an error annotation fails synth; its message is
// returned all the same. A synth that fails for another reason (a
// construct's props) panics with its *cdkapp.Error.
func Messages(stack awscdk.Stack) []Message {
	stage := awscdk.Stage_Of(stack)
	_, err := cdkapp.Synth(stage)
	var out []Message
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if *awscdk.Stack_Of(c).Node().Path() != *stack.Node().Path() {
			continue // a nested stack's construct
		}
		for _, e := range *c.Node().Metadata() {
			if t := *e.Type; t == "aws:cdk:error" || t == "aws:cdk:warning" {
				out = append(out, Message{Path: "/" + *c.Node().Path(), Text: fmt.Sprint(e.Data)})
			}
		}
	}
	errors := 0 // in the whole app: any of them fails its synth
	for _, c := range *stage.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		for _, e := range *c.Node().Metadata() {
			if *e.Type == "aws:cdk:error" {
				errors++
			}
		}
	}
	if err != nil && errors == 0 {
		panic(err)
	}
	return out
}

// NagFindings runs the cdk-nag AwsSolutions and Serverless packs over the
// app of stack, as the app and its tests do, and returns the stack's
// findings (errors and warnings, CDK's own warnings included) as
// "<construct path>: <message>" lines. Call it once per app, before any
// other synth of it.
func NagFindings(t testing.TB, stack awscdk.Stack) []string {
	t.Helper()
	aspects := awscdk.Aspects_Of(awscdk.Stage_Of(stack))
	props := &cdknag.NagPackProps{Verbose: jsii.Bool(true)}
	aspects.Add(cdknag.NewAwsSolutionsChecks(props), nil)
	aspects.Add(cdknag.NewServerlessChecks(props), nil)
	var out []string
	for _, m := range Messages(stack) {
		msg := m.Text
		if i := strings.Index(msg, "\n"); i > 0 {
			msg = msg[:i]
		}
		out = append(out, m.Path+": "+msg)
	}
	sort.Strings(out)
	return out
}

// NoNagFindings fails the test when NagFindings is not empty.
func NoNagFindings(t testing.TB, stack awscdk.Stack) {
	t.Helper()
	if got := NagFindings(t, stack); len(got) > 0 {
		t.Errorf("got %d cdk-nag findings, want none:\n%s", len(got), strings.Join(got, "\n"))
	}
}
