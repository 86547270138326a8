package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/alarmtopic"
	"github.com/example/orderflow/constructs/albtarget"
	"github.com/example/orderflow/constructs/buckettrigger"
	"github.com/example/orderflow/constructs/eventbus"
	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventrule"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/functionurl"
	"github.com/example/orderflow/constructs/gofunction"
	"github.com/example/orderflow/constructs/httpapi"
	"github.com/example/orderflow/constructs/kinesisconsumer"
	"github.com/example/orderflow/constructs/queueworker"
	"github.com/example/orderflow/constructs/scheduledfunction"
	"github.com/example/orderflow/constructs/streamconsumer"
	"github.com/example/orderflow/constructs/topicsubscriber"
)

// Existing resources of "Acme", the team whose account this stack joins
// (account and region: main.go's Env). Replace them with yours.
const (
	LandingBucket        = "acme-landing"   // EventBridge notifications on (see README)
	CustomersTable       = "acme-customers" // with a stream
	CustomersTableStream = "arn:aws:dynamodb:us-east-1:123456789012:table/acme-customers/stream/2026-01-01T00:00:00.000"
	JobsQueue            = "arn:aws:sqs:us-east-1:123456789012:acme-jobs"     // visibility timeout >= 6 x 30 s, redrive to acme-jobs-dlq
	JobsDLQ              = "arn:aws:sqs:us-east-1:123456789012:acme-jobs-dlq" // its dead-letter queue
	OrdersTopic          = "arn:aws:sns:us-east-1:123456789012:acme-orders"
	ReportsFunction      = "arn:aws:lambda:us-east-1:123456789012:function:acme-reports"
	SharedApiID          = "a1b2c3d4e5" // an HTTP API (API Gateway v2)
	HttpsListener        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/acme-public/50dc6c495c0c9188/f2f7dc8efc522ab2"
	ListenerSG           = "sg-0123456789abcdef0"
	EventsRole           = "arn:aws:iam::123456789012:role/acme-lambda-events" // trusts lambda.amazonaws.com
)

// Stack is what NewStack built.
type Stack struct {
	Stack awscdk.Stack
	// Web, Records and Events are the example's Go functions: HTTP requests,
	// batches of records, asynchronous events.
	Web, Records, Events *gofunction.Function
	Alarms               *alarmtopic.AlarmTopic
	Status               *httpapi.HttpApi
	Health, Orders       *httpapi.Route
	Alb                  *albtarget.AlbTarget
	Reports              *functionurl.FunctionUrl
	Jobs, Ledger         *queueworker.QueueWorker
	Customers            *streamconsumer.StreamConsumer
	Clicks               *kinesisconsumer.KinesisConsumer
	Landing              *buckettrigger.BucketTrigger
	Hourly               *scheduledfunction.ScheduledFunction
	OrderEvents          *topicsubscriber.TopicSubscriber
	Bus                  *eventbus.EventBus
	Placed               *eventrule.EventRule
}

// NewStack wires every construct of the library, next to resources that
// already exist (imported by name or ARN) and new ones. Entries are relative
// to the working directory: run the app (or its tests) from this module's
// root.
func NewStack(scope constructs.Construct, id string, props *awscdk.StackProps) *Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	s := &Stack{Stack: stack}
	s.Alarms = alarmtopic.New(stack, jsii.String("Alarms"), nil)
	action := s.Alarms.Action

	// Go functions built from functions/ during synth. Events runs with a
	// role the platform team provides (gofunction.Props.Role).
	// Web serves HTTP: each new version takes traffic gradually (10% more
	// every minute), rolled back by CodeDeploy when the new version errs;
	// its routes and load balancer target invoke the live alias.
	s.Web = gofunction.New(stack, jsii.String("Web"), &gofunction.Props{
		Entry: jsii.String("functions/web"), AlarmAction: action,
		Alias: &gofunction.AliasProps{Deployment: &gofunction.DeploymentProps{
			Config: awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_1MINUTE(),
		}},
	})
	s.Records = gofunction.New(stack, jsii.String("Records"), &gofunction.Props{
		Entry: jsii.String("functions/records"), Timeout: awscdk.Duration_Seconds(jsii.Number(30)), AlarmAction: action,
	})
	s.Events = gofunction.New(stack, jsii.String("Events"), &gofunction.Props{
		Entry: jsii.String("functions/events"), AlarmAction: action,
		Role: awsiam.Role_FromRoleArn(stack, jsii.String("EventsRole"), jsii.String(EventsRole), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(true)}),
	})

	// HTTP: a route on an existing HTTP API (IAM authorization), a new API
	// with a public health route, a rule on an existing load balancer's
	// HTTPS listener, and a URL for an existing function.
	shared := awsapigatewayv2.HttpApi_FromHttpApiAttributes(stack, jsii.String("SharedApi"), &awsapigatewayv2.HttpApiAttributes{HttpApiId: jsii.String(SharedApiID)})
	s.Orders = httpapi.NewRoute(stack, jsii.String("OrdersRoute"), &httpapi.RouteProps{
		Api: shared, Path: jsii.String("/orders/{id}"), Methods: []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET}, Function: s.Web.Function,
	})
	s.Status = httpapi.New(stack, jsii.String("Status"), &httpapi.Props{Description: jsii.String("Health of the example"), AlarmAction: action})
	s.Health = httpapi.NewRoute(stack, jsii.String("HealthRoute"), &httpapi.RouteProps{
		Api: s.Status.Api, Path: jsii.String("/health"), Methods: []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET}, Function: s.Web.Function,
		Public: jsii.String("uptime checks from outside AWS; answers {\"status\":\"ok\"} and nothing else"),
	})
	listener := elbv2.ApplicationListener_FromApplicationListenerAttributes(stack, jsii.String("Https"), &elbv2.ApplicationListenerAttributes{
		ListenerArn:   jsii.String(HttpsListener),
		SecurityGroup: awsec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("AlbSecurityGroup"), jsii.String(ListenerSG), nil),
	})
	s.Alb = albtarget.New(stack, jsii.String("WebTarget"), &albtarget.Props{
		Listener: listener, Function: s.Web.Function, Priority: jsii.Number(100),
		PathPatterns: jsii.Strings("/example/*"), MultiValueHeaders: jsii.Bool(true), AlarmAction: action,
	})
	reports := awslambda.Function_FromFunctionArn(stack, jsii.String("Reports"), jsii.String(ReportsFunction))
	s.Reports = functionurl.New(stack, jsii.String("ReportsUrl"), &functionurl.Props{Function: reports, AlarmAction: action})

	// Records: an existing queue (with its dead-letter queue), an existing
	// table's stream, and a new Kinesis data stream.
	s.Jobs = queueworker.New(stack, jsii.String("Jobs"), &queueworker.Props{
		Function:        s.Records.Function,
		Queue:           awssqs.Queue_FromQueueArn(stack, jsii.String("JobsQueue"), jsii.String(JobsQueue)),
		DeadLetterQueue: awssqs.Queue_FromQueueArn(stack, jsii.String("JobsDeadLetterQueue"), jsii.String(JobsDLQ)),
		AlarmAction:     action,
	})
	customers := awsdynamodb.Table_FromTableAttributes(stack, jsii.String("Customers"), &awsdynamodb.TableAttributes{
		TableName: jsii.String(CustomersTable), TableStreamArn: jsii.String(CustomersTableStream),
	})
	// Only new and changed customers reach the function (a removed one is
	// filtered out: not retried, not dead-lettered).
	s.Customers = streamconsumer.New(stack, jsii.String("CustomerChanges"), &streamconsumer.Props{
		Table: customers, Function: s.Records.Function, AlarmAction: action,
		Filters: []eventfilter.Filter{eventfilter.Pattern{"eventName": eventfilter.Equals("INSERT", "MODIFY")}},
	})
	// A new FIFO queue: ledger entries of one account (message group) are
	// processed in order; after a failure the rest of that group waits.
	s.Ledger = queueworker.New(stack, jsii.String("Ledger"), &queueworker.Props{
		Function: s.Records.Function, Fifo: jsii.Bool(true), ContentBasedDeduplication: jsii.Bool(true), AlarmAction: action,
	})
	s.Clicks = kinesisconsumer.New(stack, jsii.String("Clicks"), &kinesisconsumer.Props{Function: s.Records.Function, AlarmAction: action})

	// Asynchronous events: an existing bucket, an hourly schedule, an
	// existing topic and a new bus. A function has one asynchronous-invoke
	// configuration, so every asynchronous source of Events says the same.
	retries, maxAge := jsii.Number(2), awscdk.Duration_Hours(jsii.Number(1))
	// Every successful invocation's record goes to the Acme bus (source
	// "lambda", detail-type "Lambda Function Invocation Result - Success"),
	// for whoever wants to follow up; the rule below does not match it.
	s.Bus = eventbus.New(stack, jsii.String("Acme"), &eventbus.Props{ArchiveRetention: awscdk.Duration_Days(jsii.Number(7))})
	done := &eventsource.Destination{EventBus: s.Bus.Bus}
	landing := awss3.Bucket_FromBucketName(stack, jsii.String("Landing"), jsii.String(LandingBucket))
	s.Landing = buckettrigger.New(stack, jsii.String("Inbox"), &buckettrigger.Props{
		Bucket: landing, Function: s.Events.Function, Prefix: jsii.String("inbox/"), RetryAttempts: retries, MaxEventAge: maxAge, OnSuccess: done, AlarmAction: action,
	})
	s.Hourly = scheduledfunction.New(stack, jsii.String("Hourly"), &scheduledfunction.Props{
		Function: s.Events.Function, Schedule: awsevents.Schedule_Rate(awscdk.Duration_Hours(jsii.Number(1))),
		RetryAttempts: retries, MaxEventAge: maxAge, OnSuccess: done, AlarmAction: action,
	})
	orders := awssns.Topic_FromTopicArn(stack, jsii.String("OrdersTopic"), jsii.String(OrdersTopic))
	s.OrderEvents = topicsubscriber.New(stack, jsii.String("OrderMessages"), &topicsubscriber.Props{
		Topic: orders, Function: s.Events.Function, RetryAttempts: retries, MaxEventAge: maxAge, OnSuccess: done, AlarmAction: action,
		FilterPolicy: &map[string]awssns.SubscriptionFilter{
			"eventType": awssns.SubscriptionFilter_StringFilter(&awssns.StringConditions{Allowlist: jsii.Strings("OrderPlaced", "OrderCancelled")}),
		},
	})
	s.Placed = eventrule.New(stack, jsii.String("OrderPlaced"), &eventrule.Props{
		EventBus:     s.Bus.Bus,
		EventPattern: &awsevents.EventPattern{Source: jsii.Strings("acme.orders"), DetailType: jsii.Strings("OrderPlaced")},
		Function:     s.Events.Function, RetryAttempts: retries, MaxEventAge: maxAge, OnSuccess: done, AlarmAction: action,
	})
	return s
}
