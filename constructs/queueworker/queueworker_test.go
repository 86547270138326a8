package queueworker_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/queueworker"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestDefaults(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 20)
	w := queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: fn})
	tmpl := assertions.Template_FromStack(stack, nil)
	dlqID := *stack.GetLogicalId(w.DeadLetterQueue.Node().DefaultChild().(awscdk.CfnElement))
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"VisibilityTimeout":      120, // 6 x 20 s
		"MessageRetentionPeriod": 4 * 24 * 3600,
		"SqsManagedSseEnabled":   true,
		"RedrivePolicy": map[string]any{
			"deadLetterTargetArn": map[string]any{"Fn::GetAtt": []any{dlqID, "Arn"}},
			"maxReceiveCount":     5,
		},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"MessageRetentionPeriod": 14 * 24 * 3600,
		"SqsManagedSseEnabled":   true,
		"RedrivePolicy":          assertions.Match_Absent(),
	})
	// Both queues deny requests without TLS.
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::SQS::QueuePolicy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect":    "Deny",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})},
	}, jsii.Number(2))
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"BatchSize":             10,
		"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
	})
}

func TestBadPropsFailSynthNamingFieldValueAndRange(t *testing.T) {
	tests := []struct {
		name  string
		props func(awscdk.Stack) *queueworker.Props
		want  []string
	}{
		{"no function", func(awscdk.Stack) *queueworker.Props { return &queueworker.Props{} },
			[]string{"[S/Worker] queueworker: Function is required (the function that consumes the queue)"}},
		{"nil props", func(awscdk.Stack) *queueworker.Props { return nil },
			[]string{"[S/Worker] queueworker: Function is required (the function that consumes the queue)"}},
		{"visibility below 6x timeout", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 30), VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(179))}
		}, []string{"[S/Worker] queueworker: VisibilityTimeout 179s is outside 180-43200s (at least 6 x the function timeout 30s + MaxBatchingWindow 0s, at most 12 h)"}},
		{"visibility counts the batching window", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(60)),
				MaxBatchingWindow: awscdk.Duration_Seconds(jsii.Number(5))}
		}, []string{"[S/Worker] queueworker: VisibilityTimeout 60s is outside 65-43200s (at least 6 x the function timeout 10s + MaxBatchingWindow 5s, at most 12 h)"}},
		{"dead-letter retention not longer", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
				DeadLetterRetentionPeriod: awscdk.Duration_Days(jsii.Number(14))}
		}, []string{"[S/Worker] queueworker: DeadLetterRetentionPeriod 1209600s must be longer than RetentionPeriod 1209600s, or messages expire from the dead-letter queue before anyone sees them"}},
		{"max receive count", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), MaxReceiveCount: jsii.Number(0)}
		}, []string{"[S/Worker] queueworker: MaxReceiveCount 0 is outside 1-1000 (SQS redrive policy)"}},
		{"batch size without window", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), BatchSize: jsii.Number(11)}
		}, []string{"[S/Worker] queueworker: BatchSize 11 is outside 1-10 (up to 10000 with a MaxBatchingWindow)"}},
		{"several at once", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), BatchSize: jsii.Number(2.5),
				MaxConcurrency: jsii.Number(1), MaxBatchingWindow: awscdk.Duration_Minutes(jsii.Number(6))}
		}, []string{
			"[S/Worker] queueworker: BatchSize 2.5 is not a whole number",
			"[S/Worker] queueworker: MaxConcurrency 1 is outside 2-1000 (event source mapping)",
			"[S/Worker] queueworker: MaxBatchingWindow 360s is outside 0-300s (event source mapping)",
		}},
		{"imported function needs a visibility timeout and its role", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: awslambda.Function_FromFunctionArn(s, jsii.String("Imported"), jsii.String("arn:aws:lambda:us-east-1:123456789012:function:worker"))}
		}, []string{
			"[S/Worker] queueworker: VisibilityTimeout is required with Function S/Imported, which is imported (its timeout is unknown): at least 6 x its timeout + MaxBatchingWindow (Lambda's guidance for SQS event sources)",
			"[S/Worker] queueworker: Function S/Imported is imported without its execution role, which needs sqs:ReceiveMessage, sqs:DeleteMessage and sqs:ChangeMessageVisibility on the queue: import it with awslambda.Function_FromFunctionAttributes and Role (e.g. awsiam.Role_FromRoleArn)",
		}},
		{"imported queue without its dead-letter queue", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), Queue: awssqs.Queue_FromQueueArn(s, jsii.String("Jobs"), jsii.String("arn:aws:sqs:us-east-1:123456789012:jobs")),
				MaxReceiveCount: jsii.Number(3)}
		}, []string{
			"[S/Worker] queueworker: MaxReceiveCount is set with an existing Queue (S/Jobs): it configures the queue this construct creates; set it on the existing queue",
			"[S/Worker] queueworker: DeadLetterQueue is required with Queue S/Jobs, which has no redrive policy this app knows of: give the queue's dead-letter queue (e.g. awssqs.Queue_FromQueueArn), so that messages failing MaxReceiveCount times are kept and alarmed on",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			w := queueworker.New(stack, jsii.String("Worker"), tt.props(stack))
			if w.Queue == nil || w.MessageAgeAlarm == nil {
				t.Errorf("got Queue %v, MessageAgeAlarm %v; want what could be built", w.Queue, w.MessageAgeAlarm)
			}
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}

func TestExistingQueueAndImportedFunction(t *testing.T) {
	stack := constructstest.Stack()
	role := awsiam.Role_FromRoleArn(stack, jsii.String("Role"), jsii.String("arn:aws:iam::123456789012:role/worker"), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(true)})
	fn := awslambda.Function_FromFunctionAttributes(stack, jsii.String("Imported"), &awslambda.FunctionAttributes{
		FunctionArn: jsii.String("arn:aws:lambda:us-east-1:123456789012:function:worker"), Role: role, SameEnvironment: jsii.Bool(true),
	})
	queue := awssqs.Queue_FromQueueArn(stack, jsii.String("Jobs"), jsii.String("arn:aws:sqs:us-east-1:123456789012:jobs"))
	dlq := awssqs.Queue_FromQueueArn(stack, jsii.String("JobsDLQ"), jsii.String("arn:aws:sqs:us-east-1:123456789012:jobs-dlq"))
	w := queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: fn, Queue: queue, DeadLetterQueue: dlq})
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	if w.Queue != queue || w.DeadLetterQueue != dlq {
		t.Errorf("got Queue %v and DeadLetterQueue %v, want the existing ones", w.Queue, w.DeadLetterQueue)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::SQS::Queue"), jsii.Number(0))
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"EventSourceArn":        "arn:aws:sqs:us-east-1:123456789012:jobs",
		"FunctionName":          "worker",
		"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
	})
	// The grants land on the imported role, in this stack.
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"Roles": []any{"worker"},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action":   assertions.Match_ArrayWith(&[]any{"sqs:ReceiveMessage", "sqs:DeleteMessage"}),
			"Resource": "arn:aws:sqs:us-east-1:123456789012:jobs",
		})})},
	})
	// The imported dead-letter queue is alarmed on.
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"MetricName": "ApproximateNumberOfMessagesVisible",
		"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": "jobs-dlq"}},
	})
}

func TestExistingQueueOfTheAppKeepsItsDeadLetterQueue(t *testing.T) {
	stack := constructstest.Stack()
	dlq := awssqs.NewQueue(stack, jsii.String("DLQ"), &awssqs.QueueProps{EnforceSSL: jsii.Bool(true)})
	queue := awssqs.NewQueue(stack, jsii.String("Jobs"), &awssqs.QueueProps{
		VisibilityTimeout: awscdk.Duration_Minutes(jsii.Number(1)),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(3)},
	})
	w := queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: constructstest.Function(stack, "Fn", 10), Queue: queue})
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	if w.DeadLetterQueue == nil || *w.DeadLetterQueue.Node().Path() != *dlq.Node().Path() {
		t.Errorf("got DeadLetterQueue %v, want the queue's own S/DLQ", w.DeadLetterQueue)
	}
	assertions.Template_FromStack(stack, nil).ResourceCountIs(jsii.String("AWS::SQS::Queue"), jsii.Number(2))
}
