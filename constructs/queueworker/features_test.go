package queueworker_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/queueworker"
)

func TestFifoQueues(t *testing.T) {
	stack := constructstest.Stack()
	w := queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: constructstest.Function(stack, "Fn", 10),
		Fifo: jsii.Bool(true), ContentBasedDeduplication: jsii.Bool(true), HighThroughputFifo: jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14))}) // a FIFO dead-letter queue restarts the clock
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"FifoQueue":                 true,
		"ContentBasedDeduplication": true,
		"DeduplicationScope":        "messageGroup",
		"FifoThroughputLimit":       "perMessageGroupId",
		"SqsManagedSseEnabled":      true,
		"RedrivePolicy": map[string]any{
			"deadLetterTargetArn": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, w.DeadLetterQueue), "Arn"}},
			"maxReceiveCount":     5,
		},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"FifoQueue": true, "RedrivePolicy": assertions.Match_Absent(), "ContentBasedDeduplication": assertions.Match_Absent(),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"BatchSize": 10, "MaximumBatchingWindowInSeconds": assertions.Match_Absent(),
	})
}

func TestFifoContradictionsFailSynth(t *testing.T) {
	tests := []struct {
		name  string
		props func(awscdk.Stack) *queueworker.Props
		want  []string
	}{
		{"batching window and batch size on a new FIFO queue", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), Fifo: jsii.Bool(true),
				MaxBatchingWindow: awscdk.Duration_Seconds(jsii.Number(5)), BatchSize: jsii.Number(100)}
		}, []string{
			"[S/Worker] queueworker: MaxBatchingWindow 5s is set with a FIFO queue: Lambda supports no batching window on FIFO queues",
			"[S/Worker] queueworker: BatchSize 100 is outside 1-10 (FIFO queues)",
		}},
		{"FIFO settings without Fifo", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10), ContentBasedDeduplication: jsii.Bool(true), HighThroughputFifo: jsii.Bool(true)}
		}, []string{
			"[S/Worker] queueworker: ContentBasedDeduplication is set without Fifo: it applies to FIFO queues only",
			"[S/Worker] queueworker: HighThroughputFifo is set without Fifo: it applies to FIFO queues only",
		}},
		{"existing FIFO queue with a standard dead-letter queue", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10),
				Queue:             awssqs.Queue_FromQueueArn(s, jsii.String("Jobs"), jsii.String("arn:aws:sqs:us-east-1:123456789012:jobs.fifo")),
				DeadLetterQueue:   awssqs.Queue_FromQueueArn(s, jsii.String("JobsDLQ"), jsii.String("arn:aws:sqs:us-east-1:123456789012:jobs-dlq")),
				MaxBatchingWindow: awscdk.Duration_Seconds(jsii.Number(1)), Fifo: jsii.Bool(true)}
		}, []string{
			"[S/Worker] queueworker: Fifo is set with an existing Queue (S/Jobs): it configures the queue this construct creates; set it on the existing queue",
			"[S/Worker] queueworker: MaxBatchingWindow 1s is set with a FIFO queue: Lambda supports no batching window on FIFO queues",
			"[S/Worker] queueworker: DeadLetterQueue S/JobsDLQ is a standard queue and Queue S/Jobs a FIFO queue: the dead-letter queue of a FIFO queue must be a FIFO queue, and of a standard queue a standard queue (SQS)",
		}},
		{"existing standard queue with a FIFO dead-letter queue", func(s awscdk.Stack) *queueworker.Props {
			return &queueworker.Props{Function: constructstest.Function(s, "Fn", 10),
				Queue:           awssqs.Queue_FromQueueArn(s, jsii.String("Jobs"), jsii.String("arn:aws:sqs:us-east-1:123456789012:jobs")),
				DeadLetterQueue: awssqs.Queue_FromQueueArn(s, jsii.String("JobsDLQ"), jsii.String("arn:aws:sqs:us-east-1:123456789012:jobs-dlq.fifo"))}
		}, []string{
			"[S/Worker] queueworker: DeadLetterQueue S/JobsDLQ is a FIFO queue and Queue S/Jobs a standard queue: the dead-letter queue of a FIFO queue must be a FIFO queue, and of a standard queue a standard queue (SQS)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			queueworker.New(stack, jsii.String("Worker"), tt.props(stack))
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}

func TestFilters(t *testing.T) {
	stack := constructstest.Stack()
	queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: constructstest.Function(stack, "Fn", 10),
		Filters: []eventfilter.Filter{eventfilter.Pattern{"body": eventfilter.Pattern{"type": eventfilter.Equals("order")}}}})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"FilterCriteria": map[string]any{"Filters": []any{map[string]any{"Pattern": `{"body":{"type":["order"]}}`}}},
	})

	stack = constructstest.Stack()
	queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: constructstest.Function(stack, "Fn", 10),
		Filters: []eventfilter.Filter{eventfilter.JSON(`{"body": {"total": [{"numeric": [">", 100, "<", 10]}]}}`)}})
	constructstest.WantProblems(t, stack,
		`[S/Worker] queueworker: Filters[0] body.total[0]: numeric [">",100,"<",10] is malformed: the lower bound 100 is not below the upper bound 10; write ["=", 5], [">", 0] or [">=", 0, "<", 10]`)
}

// The MaxConcurrency of a function's workers must fit in its reserved
// concurrency, read from the function however it was set.
func TestMaxConcurrencyAgainstReservedConcurrency(t *testing.T) {
	reserved := func(s awscdk.Stack, id string, n float64) awslambda.Function {
		fn := constructstest.Function(s, id, 10)
		fn.Node().DefaultChild().(awslambda.CfnFunction).SetReservedConcurrentExecutions(jsii.Number(n))
		return fn
	}
	stack := constructstest.Stack()
	fn := reserved(stack, "Fn", 50)
	queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: fn, MaxConcurrency: jsii.Number(60)})
	constructstest.WantProblems(t, stack,
		"[S/Worker] queueworker: MaxConcurrency 60 is above the reserved concurrency 50 of Function S/Fn: throttled messages go back to the queue and count as receives, so they reach the dead-letter queue unprocessed; lower MaxConcurrency or raise the function's reserved concurrency")

	// Two workers on one function (one through an alias): their sum counts.
	stack = constructstest.Stack()
	fn = reserved(stack, "Fn", 50)
	live := awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
	queueworker.New(stack, jsii.String("A"), &queueworker.Props{Function: fn, MaxConcurrency: jsii.Number(30)})
	queueworker.New(stack, jsii.String("B"), &queueworker.Props{Function: live, MaxConcurrency: jsii.Number(30)})
	queueworker.New(stack, jsii.String("Uncapped"), &queueworker.Props{Function: fn})
	constructstest.WantProblems(t, stack,
		"[S/A] queueworker: MaxConcurrency 30 (S/A) + 30 (S/B) of the workers of Function S/Fn add up to 60, above its reserved concurrency 50: throttled messages go back to the queue and count as receives, so they reach the dead-letter queue unprocessed; lower MaxConcurrency or raise the function's reserved concurrency")

	// Within the reserved concurrency, or none reserved: fine.
	stack = constructstest.Stack()
	queueworker.New(stack, jsii.String("A"), &queueworker.Props{Function: reserved(stack, "Fn", 60), MaxConcurrency: jsii.Number(60)})
	queueworker.New(stack, jsii.String("B"), &queueworker.Props{Function: constructstest.Function(stack, "Other", 10), MaxConcurrency: jsii.Number(1000)})
	if got := constructstest.Problems(t, stack); got != nil {
		t.Errorf("got problems %v, want none", got)
	}
}

// An alias as Function: its function's timeout sets the visibility
// timeout, the grants land on its role, the mapping invokes the alias.
func TestAliasAsFunctionAndSetInvokeTarget(t *testing.T) {
	for _, viaTarget := range []bool{false, true} {
		stack := constructstest.Stack()
		fn := constructstest.Function(stack, "Fn", 20)
		live := awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
		var target awslambda.IFunction = live
		if viaTarget {
			eventsource.SetInvokeTarget(fn, live)
			target = fn
		}
		queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: target})
		if got := constructstest.Problems(t, stack); got != nil {
			t.Fatalf("got problems %v, want none", got)
		}
		tmpl := assertions.Template_FromStack(stack, nil)
		tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{"VisibilityTimeout": 120})
		for _, m := range *tmpl.FindResources(jsii.String("AWS::Lambda::EventSourceMapping"), nil) {
			got, _ := json.Marshal((*m)["Properties"].(map[string]any)["FunctionName"])
			if !strings.Contains(string(got), `{"Ref":"`+constructstest.LogicalID(stack, live)+`"}`) || !strings.Contains(string(got), `":live"`) {
				t.Errorf("SetInvokeTarget %v: got FunctionName %s, want the alias live", viaTarget, got)
			}
		}
		tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
			"Roles": []any{map[string]any{"Ref": constructstest.LogicalID(stack, fn.Role())}},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Action": assertions.Match_ArrayWith(&[]any{"sqs:ReceiveMessage"}),
			})})},
		})
	}
}

// An imported queue encrypted with a customer managed key, imported with
// it: the function may decrypt its messages.
func TestImportedQueueWithItsKey(t *testing.T) {
	stack := constructstest.Stack()
	const keyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	queue := awssqs.Queue_FromQueueAttributes(stack, jsii.String("Jobs"), &awssqs.QueueAttributes{
		QueueArn: jsii.String("arn:aws:sqs:us-east-1:123456789012:jobs"), KeyArn: jsii.String(keyArn),
	})
	queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: constructstest.Function(stack, "Fn", 10), Queue: queue,
		DeadLetterQueue: awssqs.Queue_FromQueueArn(stack, jsii.String("JobsDLQ"), jsii.String("arn:aws:sqs:us-east-1:123456789012:jobs-dlq"))})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action": "kms:Decrypt", "Resource": keyArn,
		})})},
	})
}

func TestOverridesPassThroughWhatPropsDoNotOffer(t *testing.T) {
	stack := constructstest.Stack()
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	w := queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: constructstest.Function(stack, "Fn", 10),
		QueueProps: &awssqs.QueueProps{
			DeliveryDelay: awscdk.Duration_Seconds(jsii.Number(30)), ReceiveMessageWaitTime: awscdk.Duration_Seconds(jsii.Number(20)),
			EncryptionMasterKey: key, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		},
		DeadLetterQueueProps: &awssqs.QueueProps{MaxMessageSizeBytes: jsii.Number(1024)},
		MappingProps: &awslambda.EventSourceMappingOptions{
			ProvisionedPollerConfig: &awslambda.ProvisionedPollerConfig{MinimumPollers: jsii.Number(2), MaximumPollers: jsii.Number(20)},
			Enabled:                 jsii.Bool(false),
		}})
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": assertions.Match_ObjectLike(&map[string]any{
			"DelaySeconds": 30, "ReceiveMessageWaitTimeSeconds": 20, "VisibilityTimeout": 60,
			"KmsMasterKeyId": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, key), "Arn"}},
		}),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{"MaximumMessageSize": 1024, "SqsManagedSseEnabled": true})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
		"Enabled": false, "ProvisionedPollerConfig": map[string]any{"MinimumPollers": 2, "MaximumPollers": 20},
		"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
	})
	// TLS is still enforced on both queues.
	tmpl.ResourceCountIs(jsii.String("AWS::SQS::QueuePolicy"), jsii.Number(2))
	if w.Queue == nil {
		t.Fatal("no queue")
	}
}

func TestOverridesThatRemoveASafeDefaultFailSynth(t *testing.T) {
	stack := constructstest.Stack()
	queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: constructstest.Function(stack, "Fn", 10),
		Encryption: awssqs.QueueEncryption_SQS_MANAGED, MaxConcurrency: jsii.Number(5),
		QueueProps: &awssqs.QueueProps{EnforceSSL: jsii.Bool(false), VisibilityTimeout: awscdk.Duration_Minutes(jsii.Number(5)),
			EncryptionMasterKey: awskms.NewKey(stack, jsii.String("Key"), nil), QueueName: jsii.String("jobs.fifo")},
		DeadLetterQueueProps: &awssqs.QueueProps{Encryption: awssqs.QueueEncryption_UNENCRYPTED, DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue: awssqs.NewQueue(stack, jsii.String("Other"), nil), MaxReceiveCount: jsii.Number(1)}},
		MappingProps: &awslambda.EventSourceMappingOptions{RetryAttempts: jsii.Number(1), ReportBatchItemFailures: jsii.Bool(false),
			ProvisionedPollerConfig: &awslambda.ProvisionedPollerConfig{MinimumPollers: jsii.Number(1)}},
	})
	constructstest.WantProblems(t, stack,
		"[S/Worker] queueworker: QueueProps.VisibilityTimeout is set: use Props.VisibilityTimeout, which is checked at synth",
		"[S/Worker] queueworker: QueueProps.EnforceSSL is false: the construct's queue policy denies requests without TLS (cdk-nag AwsSolutions-SQS4), which nothing may turn off",
		"[S/Worker] queueworker: QueueProps.EncryptionMasterKey is set with Encryption SQS_MANAGED: a customer managed key needs Encryption KMS",
		`[S/Worker] queueworker: QueueProps.QueueName "jobs.fifo": a FIFO queue's name ends in ".fifo", a standard queue's does not (SQS)`,
		"[S/Worker] queueworker: DeadLetterQueueProps.DeadLetterQueue is set: use Props.MaxReceiveCount (the construct owns the redrive policy), which is checked at synth",
		"[S/Worker] queueworker: DeadLetterQueueProps.Encryption is set: use Props.Encryption, which is checked at synth",
		"[S/Worker] queueworker: MappingProps.RetryAttempts is set: it does not apply to an SQS mapping",
		"[S/Worker] queueworker: MappingProps.ReportBatchItemFailures is set: the construct always turns it on, so that one failed record is retried alone, not with its whole batch",
		"[S/Worker] queueworker: MaxConcurrency 5 and MappingProps.ProvisionedPollerConfig are both set: an SQS mapping in provisioned mode scales with its pollers; give one or the other",
	)

	stack = constructstest.Stack()
	queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: constructstest.Function(stack, "Fn", 10), Encryption: awssqs.QueueEncryption_UNENCRYPTED,
		MappingProps: &awslambda.EventSourceMappingOptions{ProvisionedPollerConfig: &awslambda.ProvisionedPollerConfig{MinimumPollers: jsii.Number(1), MaximumPollers: jsii.Number(3000)}}})
	constructstest.WantProblems(t, stack,
		"[S/Worker] queueworker: Encryption UNENCRYPTED would store messages unencrypted: give SQS_MANAGED (the default), KMS_MANAGED or KMS",
		"[S/Worker] queueworker: MappingProps.ProvisionedPollerConfig.MinimumPollers 1 is outside 2-200 (Lambda provisioned mode for SQS)",
		"[S/Worker] queueworker: MappingProps.ProvisionedPollerConfig.MaximumPollers 3000 is outside 2-2000 (Lambda provisioned mode for SQS)",
	)
}

func TestCdkNagCleanWithFifoAndFilters(t *testing.T) {
	stack := constructstest.Stack()
	queueworker.New(stack, jsii.String("Worker"), &queueworker.Props{Function: constructstest.NagCleanFunction(stack, "Fn", 10),
		Fifo: jsii.Bool(true), RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Filters: []eventfilter.Filter{eventfilter.Pattern{"body": eventfilter.Pattern{"type": eventfilter.Equals("order")}}}})
	constructstest.NoNagFindings(t, stack)
}
