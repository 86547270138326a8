package eventsource_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventsource"
)

func hour() awscdk.Duration { return awscdk.Duration_Hours(jsii.Number(1)) }

// configure runs ConfigureAsyncInvoke for a construct id with a.
func configure(stack awscdk.Stack, id string, fn awslambda.IFunction, a eventsource.AsyncInvoke) awssqs.IQueue {
	p := eventsource.NewProblems(constructs.NewConstruct(stack, jsii.String(id)), "widget")
	return eventsource.ConfigureAsyncInvoke(p, fn, p.AsyncInvoke(a, hour()), eventsource.NewDeadLetterQueue(stack, id+"Dlq", nil))
}

// Each kind of destination: the configuration names it, the function's role
// gets what sending needs, on that resource only.
func TestDestinations(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 3)
	other := constructstest.Function(stack, "Other", 3)
	queue := awssqs.NewQueue(stack, jsii.String("Q"), nil)
	bus := awsevents.NewEventBus(stack, jsii.String("Bus"), nil)
	configure(stack, "A", fn, eventsource.AsyncInvoke{
		OnSuccess: &eventsource.Destination{EventBus: bus},
		OnFailure: &eventsource.Destination{Queue: queue},
	})
	fn2 := constructstest.Function(stack, "Fn2", 3)
	topic := awssns.NewTopic(stack, jsii.String("T"), nil)
	configure(stack, "B", fn2, eventsource.AsyncInvoke{
		OnSuccess: &eventsource.Destination{Function: other},
		OnFailure: &eventsource.Destination{Topic: topic},
	})
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	arn := func(c constructs.IConstruct) any {
		return map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, c), "Arn"}}
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
		"FunctionName": map[string]any{"Ref": constructstest.LogicalID(stack, fn)},
		"DestinationConfig": map[string]any{
			"OnSuccess": map[string]any{"Destination": arn(bus)},
			"OnFailure": map[string]any{"Destination": arn(queue)},
		},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
		"FunctionName": map[string]any{"Ref": constructstest.LogicalID(stack, fn2)},
		"DestinationConfig": map[string]any{
			"OnSuccess": map[string]any{"Destination": arn(other)},
			"OnFailure": map[string]any{"Destination": map[string]any{"Ref": constructstest.LogicalID(stack, topic)}},
		},
	})
	policy := func(fn awslambda.Function, statements ...any) {
		tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
			"Roles":          []any{map[string]any{"Ref": constructstest.LogicalID(stack, fn.Role())}},
			"PolicyDocument": map[string]any{"Statement": statements},
		})
	}
	policy(fn,
		map[string]any{"Action": []any{"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, "Effect": "Allow", "Resource": arn(queue)},
		map[string]any{"Action": "events:PutEvents", "Effect": "Allow", "Resource": arn(bus)})
	// The function destination: its ARN only, not "<arn>:*" (every version).
	policy(fn2,
		map[string]any{"Action": "sns:Publish", "Effect": "Allow", "Resource": map[string]any{"Ref": constructstest.LogicalID(stack, topic)}},
		map[string]any{"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": arn(other)})
	// The default dead-letter queue is not a destination when OnFailure is set.
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"Resource": arn(stack.Node().FindChild(jsii.String("ADlq")))})})},
	}, jsii.Number(0))
}

// An alias's configuration is the alias's (Qualifier), and a function
// destination with a live alias is invoked through it.
func TestDestinationsOfAnAlias(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 3)
	alias := awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
	eventsource.SetInvokeTarget(fn, alias)
	other := constructstest.Function(stack, "Other", 3)
	otherAlias := awslambda.NewAlias(stack, jsii.String("OtherLive"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: other.CurrentVersion()})
	eventsource.SetInvokeTarget(other, otherAlias)
	configure(stack, "A", fn, eventsource.AsyncInvoke{OnSuccess: &eventsource.Destination{Function: other}})
	// A second source of the same function shares the alias's configuration.
	configure(stack, "B", fn, eventsource.AsyncInvoke{OnSuccess: &eventsource.Destination{Function: other}})
	if got := constructstest.Problems(t, stack); got != nil {
		t.Fatalf("got problems %v, want none", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::EventInvokeConfig"), jsii.Number(1))
	if alias.Node().TryFindChild(jsii.String("EventInvokeConfig")) == nil {
		t.Error("want the configuration under the alias")
	}
	otherRef := map[string]any{"Ref": constructstest.LogicalID(stack, otherAlias)}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
		"DestinationConfig": map[string]any{"OnSuccess": map[string]any{"Destination": otherRef}, "OnFailure": assertions.Match_AnyValue()},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": otherRef}})},
	})
}

func TestDestinationProblems(t *testing.T) {
	for _, tt := range []struct {
		name string
		a    func(awscdk.Stack, awslambda.Function) eventsource.AsyncInvoke
		want string
	}{
		{"none set", func(awscdk.Stack, awslambda.Function) eventsource.AsyncInvoke {
			return eventsource.AsyncInvoke{OnSuccess: &eventsource.Destination{}}
		}, "[S/A] widget: OnSuccess sets 0 of Queue, Topic, EventBus and Function: set exactly one"},
		{"two set", func(s awscdk.Stack, fn awslambda.Function) eventsource.AsyncInvoke {
			return eventsource.AsyncInvoke{OnFailure: &eventsource.Destination{Queue: awssqs.NewQueue(s, jsii.String("Q"), nil), Topic: awssns.NewTopic(s, jsii.String("T"), nil)}}
		}, "[S/A] widget: OnFailure sets 2 of Queue, Topic, EventBus and Function: set exactly one"},
		{"FIFO queue", func(s awscdk.Stack, fn awslambda.Function) eventsource.AsyncInvoke {
			return eventsource.AsyncInvoke{OnFailure: &eventsource.Destination{Queue: awssqs.NewQueue(s, jsii.String("Q"), &awssqs.QueueProps{Fifo: jsii.Bool(true)})}}
		}, "[S/A] widget: OnFailure Queue S/Q is a FIFO queue: Lambda cannot send asynchronous invocation records to a FIFO queue (AWS::Lambda::EventInvokeConfig DestinationConfig); give a standard queue"},
		{"imported FIFO queue", func(s awscdk.Stack, fn awslambda.Function) eventsource.AsyncInvoke {
			return eventsource.AsyncInvoke{OnSuccess: &eventsource.Destination{Queue: awssqs.Queue_FromQueueArn(s, jsii.String("Q"), jsii.String("arn:aws:sqs:us-east-1:123456789012:done.fifo"))}}
		}, "[S/A] widget: OnSuccess Queue S/Q is a FIFO queue: Lambda cannot send asynchronous invocation records to a FIFO queue (AWS::Lambda::EventInvokeConfig DestinationConfig); give a standard queue"},
		{"FIFO topic", func(s awscdk.Stack, fn awslambda.Function) eventsource.AsyncInvoke {
			return eventsource.AsyncInvoke{OnSuccess: &eventsource.Destination{Topic: awssns.NewTopic(s, jsii.String("T"), &awssns.TopicProps{Fifo: jsii.Bool(true)})}}
		}, "[S/A] widget: OnSuccess Topic S/T is a FIFO topic: Lambda publishes asynchronous invocation records without a message group ID, which a FIFO topic requires; give a standard topic"},
		{"itself", func(s awscdk.Stack, fn awslambda.Function) eventsource.AsyncInvoke {
			return eventsource.AsyncInvoke{OnSuccess: &eventsource.Destination{Function: fn}}
		}, "[S/A] widget: OnSuccess Function S/Fn is the function itself: each record would invoke it again, a loop; give another destination"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			fn := constructstest.Function(stack, "Fn", 3)
			configure(stack, "A", fn, tt.a(stack, fn))
			constructstest.WantProblems(t, stack, tt.want)
		})
	}
}

// Two sources of one function must agree on its destinations (it has one
// configuration); their own dead-letter queues by default are fine.
func TestDestinationsDifferingBetweenSources(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 3)
	queue := awssqs.NewQueue(stack, jsii.String("Done"), nil)
	configure(stack, "A", fn, eventsource.AsyncInvoke{})
	configure(stack, "B", fn, eventsource.AsyncInvoke{OnSuccess: &eventsource.Destination{Queue: queue}, OnFailure: &eventsource.Destination{Queue: queue}})
	constructstest.WantProblems(t, stack,
		"[S/B] widget: OnSuccess queue S/Done differs from none, which S/A gave the same function S/Fn (a function has one asynchronous-invoke configuration: give both the same destination)",
		"[S/B] widget: OnFailure queue S/Done differs from its dead-letter queue, which S/A gave the same function S/Fn (a function has one asynchronous-invoke configuration: give both the same destination)",
	)
}

func TestAllowServiceToSendNamesSourceAndAccount(t *testing.T) {
	stack := constructstest.Stack()
	q := eventsource.NewDeadLetterQueue(stack, "Q", &eventsource.DeadLetterQueueProps{QueueProps: &awssqs.QueueProps{VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(45))}})
	eventsource.AllowServiceToSend(q, "events.amazonaws.com", jsii.String("arn:aws:events:us-east-1:123456789012:rule/r"), nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), &map[string]any{"VisibilityTimeout": 45, "SqsManagedSseEnabled": true})
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Effect": "Allow", "Action": "sqs:SendMessage", "Principal": map[string]any{"Service": "events.amazonaws.com"},
			"Resource": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, q), "Arn"}},
			"Condition": map[string]any{
				"ArnEquals":    map[string]any{"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/r"},
				"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}},
			},
		}})},
	})
}
