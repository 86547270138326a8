package eventsource_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventsource"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestChecksReturnTheValueToBuildWith(t *testing.T) {
	stack := constructstest.Stack()
	p := eventsource.NewProblems(constructs.NewConstruct(stack, jsii.String("C")), "widget")
	token := awscdk.Token_AsNumber(awscdk.Fn_Ref(jsii.String("P")))
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"count nil gives default", *p.Count("A", nil, 7, 1, 10, "", ""), 7},
		{"count in range", *p.Count("B", jsii.Number(10), 7, 1, 10, "", ""), 10},
		{"count below gives default", *p.Count("C", jsii.Number(0), 7, 1, 10, " MB", "quota"), 7},
		{"count fraction gives default", *p.Count("D", jsii.Number(2.5), 7, 1, 10, "", ""), 7},
		{"count token passes", *p.Count("E", token, 7, 1, 10, "", ""), *token},
		{"duration nil gives default", eventsource.Seconds(p.Duration("F", nil, awscdk.Duration_Seconds(jsii.Number(30)), 1, 60, true, "")), 30},
		{"duration in range", eventsource.Seconds(p.Duration("G", awscdk.Duration_Minutes(jsii.Number(1)), awscdk.Duration_Seconds(jsii.Number(30)), 1, 60, true, "")), 60},
		{"duration above gives default", eventsource.Seconds(p.Duration("H", awscdk.Duration_Seconds(jsii.Number(61)), awscdk.Duration_Seconds(jsii.Number(30)), 1, 60, true, "")), 30},
		{"duration fraction gives default", eventsource.Seconds(p.Duration("I", awscdk.Duration_Millis(jsii.Number(1500)), awscdk.Duration_Seconds(jsii.Number(30)), 1, 60, true, "")), 30},
		{"duration fraction allowed", eventsource.Seconds(p.Duration("J", awscdk.Duration_Millis(jsii.Number(1500)), awscdk.Duration_Seconds(jsii.Number(30)), 1, 60, false, "")), 1.5},
		{"min duration", eventsource.Seconds(p.MinDuration("K", awscdk.Duration_Millis(jsii.Number(500)), awscdk.Duration_Seconds(jsii.Number(5)), 1)), 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	want := []string{
		"widget: C 0 MB is outside 1-10 MB (quota)",
		"widget: D 2.5 is not a whole number",
		"widget: H 61s is outside 1-60s",
		"widget: I 1.5s is not a whole number of seconds",
		"widget: K 0.5s must be at least 1s",
	}
	got := p.List()
	if len(got) != len(want) {
		t.Fatalf("got problems %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("problem %d: got %q, want %q", i, got[i], want[i])
		}
	}
	constructstest.WantProblems(t, stack, func() []string {
		var lines []string
		for _, w := range want {
			lines = append(lines, "[S/C] "+w)
		}
		return lines
	}()...)
}

func TestDeadLetterQueue(t *testing.T) {
	stack := constructstest.Stack()
	plain := eventsource.NewDeadLetterQueue(stack, "Plain", nil)
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	keyed := eventsource.NewDeadLetterQueue(stack, "Keyed", &eventsource.DeadLetterQueueProps{
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(7)), EncryptionMasterKey: key, RedriveTarget: true,
	})
	eventsource.AllowServiceToSend(plain, "sns.amazonaws.com", jsii.String("arn:aws:sns:us-east-1:123456789012:orders"), nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"Properties": map[string]any{"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 1209600},
		"Metadata": map[string]any{"cdk_nag": map[string]any{"rules_to_suppress": []any{
			assertions.Match_ObjectLike(&map[string]any{"id": "Serverless-SQSRedrivePolicy"}),
			assertions.Match_ObjectLike(&map[string]any{"id": "AwsSolutions-SQS3"}),
		}}},
	})
	// A redrive target is recognised by cdk-nag: no SQS3 suppression.
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"Properties": map[string]any{"KmsMasterKeyId": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, key), "Arn"}}, "MessageRetentionPeriod": 604800},
		"Metadata": map[string]any{"cdk_nag": map[string]any{"rules_to_suppress": []any{
			assertions.Match_ObjectLike(&map[string]any{"id": "Serverless-SQSRedrivePolicy"}),
		}}},
	})
	plainID := constructstest.LogicalID(stack, plain)
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), &map[string]any{
		"Queues": []any{map[string]any{"Ref": plainID}},
		"PolicyDocument": map[string]any{"Statement": []any{
			assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}),
			map[string]any{
				"Effect": "Allow", "Action": "sqs:SendMessage", "Principal": map[string]any{"Service": "sns.amazonaws.com"},
				"Resource":  map[string]any{"Fn::GetAtt": []any{plainID, "Arn"}},
				"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:orders"}},
			},
		}},
	})
	_ = keyed
}

func TestAsyncInvokeIsConfiguredOncePerFunction(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 3)
	first := eventsource.NewDeadLetterQueue(stack, "First", nil)
	second := eventsource.NewDeadLetterQueue(stack, "Second", nil)
	a := eventsource.NewProblems(constructs.NewConstruct(stack, jsii.String("A")), "a")
	b := eventsource.NewProblems(constructs.NewConstruct(stack, jsii.String("B")), "b")
	retry := a.AsyncInvoke(eventsource.AsyncInvoke{}, awscdk.Duration_Hours(jsii.Number(1)))
	if got := eventsource.ConfigureAsyncInvoke(a, fn, retry, first); got != first {
		t.Errorf("first source: got destination %v, want its own queue", got)
	}
	// Same settings: the function keeps the first destination.
	if got := eventsource.ConfigureAsyncInvoke(b, fn, b.AsyncInvoke(eventsource.AsyncInvoke{}, awscdk.Duration_Hours(jsii.Number(1))), second); got != first {
		t.Errorf("second source: got destination %v, want the first one", got)
	}
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	assertions.Template_FromStack(stack, nil).ResourceCountIs(jsii.String("AWS::Lambda::EventInvokeConfig"), jsii.Number(1))
}

func TestAsyncInvokeConfiguredElsewhereIsReported(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 3)
	fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{RetryAttempts: jsii.Number(0)})
	p := eventsource.NewProblems(constructs.NewConstruct(stack, jsii.String("A")), "a")
	eventsource.ConfigureAsyncInvoke(p, fn, p.AsyncInvoke(eventsource.AsyncInvoke{}, awscdk.Duration_Hours(jsii.Number(1))), awssqs.NewQueue(stack, jsii.String("Q"), nil))
	constructstest.WantProblems(t, stack, "[S/A] a: Function S/Fn already has an asynchronous-invoke configuration (ConfigureAsyncInvoke was called on it elsewhere): a function has one; remove the other call and let this construct configure it")
}

func TestFunctionTimeout(t *testing.T) {
	stack := constructstest.Stack()
	imported := awslambda.Function_FromFunctionArn(stack, jsii.String("I"), jsii.String("arn:aws:lambda:us-east-1:123456789012:function:f"))
	noTimeout := awslambda.NewFunction(stack, jsii.String("N"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"), Code: awslambda.Code_FromInline(jsii.String("x")),
	})
	for _, tt := range []struct {
		name  string
		fn    awslambda.IFunction
		want  float64
		known bool
	}{
		{"set", constructstest.Function(stack, "F", 42), 42, true},
		{"Lambda default", noTimeout, 3, true},
		{"imported", imported, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, known := eventsource.FunctionTimeout(tt.fn); got != tt.want || known != tt.known {
				t.Errorf("got %v, %v; want %v, %v", got, known, tt.want, tt.known)
			}
		})
	}
}
