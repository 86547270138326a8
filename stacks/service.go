package stacks

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/alarmtopic"
	"github.com/example/orderflow/constructs/buckettrigger"
	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/gofunction"
	"github.com/example/orderflow/constructs/httpapi"
	"github.com/example/orderflow/constructs/idempotencytable"
	"github.com/example/orderflow/constructs/queueworker"
	"github.com/example/orderflow/constructs/scheduledfunction"
	"github.com/example/orderflow/constructs/streamconsumer"
	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
)

// Key prefixes of the Uploads bucket. Files dropped under IncomingPrefix are
// imported; the importer writes its reports under ReportsPrefix, which never
// triggers it.
const (
	IncomingPrefix = "incoming/"
	ReportsPrefix  = "reports/"
)

// ServiceStackProps configures NewServiceStack.
type ServiceStackProps struct {
	awscdk.StackProps
	// Config of the stage. Required.
	Config Config
	// Orders table (with its stream and PendingIndexName). Required.
	Orders awsdynamodb.ITable
	// Uploads bucket, with EventBridge notifications on. Required.
	Uploads awss3.IBucket
	// Idempotency is the notifier's idempotency table: granted to the
	// notifier only (idempotencytable.Actions). Required.
	Idempotency *idempotencytable.Table
	// FunctionsDir holds one directory per function. Default: "functions".
	FunctionsDir string
}

// ServiceStack holds the order flow's code and wiring.
type ServiceStack struct {
	Stack awscdk.Stack
	// Api is the HTTP API: ANY /orders and ANY /orders/{id} go to the api
	// function, which answers 405 for methods it does not serve.
	Api *httpapi.HttpApi
	// Functions by name: api, publisher, kitchen, importer, sweeper, notifier.
	Functions map[string]*gofunction.Function
	// Kitchen is the kitchen queue with its dead-letter queue.
	Kitchen *queueworker.QueueWorker
	// Publisher is the stream consumer of the Orders table.
	Publisher *streamconsumer.StreamConsumer
	// Importer is the bucket trigger for IncomingPrefix.
	Importer *buckettrigger.BucketTrigger
	// Sweeper is the schedule of the sweeper.
	Sweeper *scheduledfunction.ScheduledFunction
	// Events is the orders event bus, its rule to the notifier and the notifications topic.
	Events *OrderEvents
	// Alarms is the stage's alarm topic: every alarm of the constructs above
	// notifies it on ALARM and OK. Subscribe to it (output AlarmTopicArn).
	Alarms *alarmtopic.AlarmTopic
	// OrdersThrottleAlarm: a request to the Orders table or its pending
	// index was throttled (eventsource.NewTableThrottleAlarm): the api
	// answers 5xx, the stream and queue consumers retry.
	OrdersThrottleAlarm awscloudwatch.Alarm
	// IdempotencyThrottleNotice tells the alarm topic the state of the
	// stateful stack's idempotency ThrottleAlarm, which cannot name this
	// stack's topic itself (this stack depends on that one): a composite
	// alarm of that one alarm.
	IdempotencyThrottleNotice awscloudwatch.CompositeAlarm
	// Dashboard shows the flow: API, functions, queues, stream, business
	// metrics and the state of every alarm (output DashboardName).
	Dashboard awscloudwatch.Dashboard

	idempotency *idempotencytable.Table
}

// NewServiceStack defines the six functions, their wiring, the alarm topic
// and the dashboard. Every role gets exactly the actions its function's code
// calls (see each grant below), on exactly the resources it touches. Every
// function logs JSON at cfg.LogLevel, is traced (X-Ray, active), writes its
// business metrics as EMF lines (Stage dimension from ordermetrics.EnvStage), and
// has alarms, as has every source that feeds it (see the constructs).
func NewServiceStack(scope constructs.Construct, id string, props *ServiceStackProps) *ServiceStack {
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	cfg := props.Config
	dir := props.FunctionsDir
	if dir == "" {
		dir = "functions"
	}
	table, bucket := props.Orders, props.Uploads
	s := &ServiceStack{Stack: stack, Functions: map[string]*gofunction.Function{}, idempotency: props.Idempotency}
	s.Alarms = alarmtopic.New(stack, jsii.String("Alarms"), &alarmtopic.Props{
		DisplayName: jsii.String("OrderFlow " + cfg.Stage + " alarms"),
	})
	action := s.Alarms.Action

	fn := func(name string, timeoutSeconds float64, env map[string]*string) *gofunction.Function {
		env[ordermetrics.EnvStage] = jsii.String(cfg.Stage)
		f := gofunction.New(stack, jsii.String(titled(name)), &gofunction.Props{
			Entry:               jsii.String(dir + "/" + name),
			Timeout:             awscdk.Duration_Seconds(jsii.Number(timeoutSeconds)),
			Environment:         &env,
			LogRetention:        cfg.LogRetention,
			LogRemovalPolicy:    cfg.StatefulRemovalPolicy(), // RETAIN unless a throwaway stage's destroyData
			ApplicationLogLevel: cfg.LogLevel,
			AlarmAction:         action,
			Alias:               liveAlias(cfg, name),
		})
		s.Functions[name] = f
		return f
	}

	// api: POST /orders (PutItem), GET /orders/{id} (GetItem).
	api := fn("api", 10, map[string]*string{orders.EnvTableName: table.TableName()})
	grantTable(api, table, "dynamodb:PutItem", "dynamodb:GetItem")
	if cfg.ApiReservedConcurrency > 0 { // Config.ApiReservedConcurrency says why
		api.Function.Node().DefaultChild().(awslambda.CfnFunction).SetReservedConcurrentExecutions(jsii.Number(cfg.ApiReservedConcurrency))
	}
	s.Api = httpapi.New(stack, jsii.String("Http"), &httpapi.Props{
		Description:          jsii.String("Order API (" + cfg.Stage + ")"),
		ThrottlingRateLimit:  jsii.Number(cfg.ApiRateLimit),
		ThrottlingBurstLimit: jsii.Number(cfg.ApiBurstLimit),
		AccessLogRetention:   cfg.LogRetention,
		AlarmAction:          action,

		// RETAIN unless a throwaway stage's destroyData.
		AccessLogRemovalPolicy: cfg.StatefulRemovalPolicy(),
	})
	// Callers sign requests with SigV4 (IAM authorization): an order API is
	// not for anonymous callers. Grant callers execute-api:Invoke on the API.
	auth := awsapigatewayv2authorizers.NewHttpIamAuthorizer()
	for _, path := range []string{"/orders", "/orders/{id}"} {
		httpapi.NewRoute(stack, jsii.String("Route "+path), &httpapi.RouteProps{
			Api:        s.Api.Api,
			Path:       jsii.String(path),
			Methods:    []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY},
			Function:   api.Function,
			Authorizer: auth,
		})
	}

	// kitchen: SQS consumer; UpdateItem only (conditional status moves).
	kitchen := fn("kitchen", 10, map[string]*string{orders.EnvTableName: table.TableName()})
	grantTable(kitchen, table, "dynamodb:UpdateItem")
	s.Kitchen = queueworker.New(stack, jsii.String("KitchenQueue"), &queueworker.Props{Function: kitchen.Function, AlarmAction: action,
		MaxConcurrency: nonZero(cfg.KitchenMaxConcurrency)}) // Config.KitchenMaxConcurrency says why

	// publisher: stream consumer of INSERTs; SendMessageBatch to the kitchen.
	publisher := fn("publisher", 30, map[string]*string{orders.EnvKitchenQueueURL: s.Kitchen.Queue.QueueUrl()})
	s.Kitchen.Queue.Grant(publisher.Function, jsii.String("sqs:SendMessage")) // SendMessageBatch is authorized as sqs:SendMessage
	s.Publisher = streamconsumer.New(stack, jsii.String("OrdersStream"), &streamconsumer.Props{
		Table:                 table,
		Function:              publisher.Function,
		Filters:               []eventfilter.Filter{eventfilter.Pattern{"eventName": eventfilter.Equals("INSERT")}},
		AlarmAction:           action,
		ParallelizationFactor: nonZero(cfg.PublisherParallelization), // Config.PublisherParallelization says why
	})

	// importer: GetObject under incoming/, PutObject under reports/,
	// BatchGetItem + BatchWriteItem on the table.
	importer := fn("importer", 120, map[string]*string{
		orders.EnvTableName:     table.TableName(),
		orders.EnvUploadsBucket: bucket.BucketName(),
	})
	// Hand-written: Bucket.GrantRead/GrantPut also grant listing, tagging,
	// ACL and retention actions this code never calls.
	// GetObject with a VersionId (the importer reads the version the event
	// names) is authorized as s3:GetObjectVersion.
	importer.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject", "s3:GetObjectVersion"),
		Resources: jsii.Strings(*bucket.ArnForObjects(jsii.String(IncomingPrefix + "*"))),
	}))
	importer.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:PutObject"),
		Resources: jsii.Strings(*bucket.ArnForObjects(jsii.String(ReportsPrefix + "*"))),
	}))
	grantTable(importer, table, "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem")
	// The bucket ARN renders as <Id.Arn> or, across stacks, as a
	// Fn::GetStackOutput naming the bucket's logical ID: match either.
	suppress(importer.Role.Node().FindChild(jsii.String("DefaultPolicy")), "AwsSolutions-IAM5", "Object ARNs under the prefixes the importer reads (incoming/) and writes (reports/): object keys are not known in advance.",
		regex(`^Resource::.*`+logicalIDOf(bucket)+`.*/`+IncomingPrefix+`\*$`), regex(`^Resource::.*`+logicalIDOf(bucket)+`.*/`+ReportsPrefix+`\*$`))
	s.Importer = buckettrigger.New(stack, jsii.String("Incoming"), &buckettrigger.Props{
		Bucket:      bucket,
		Function:    importer.Function,
		Prefix:      jsii.String(IncomingPrefix),
		AlarmAction: action,
	})

	// sweeper: Query on the pending index (each shard), UpdateItem (claim), SendMessageBatch.
	sweeper := fn("sweeper", 60, map[string]*string{
		orders.EnvTableName:        table.TableName(),
		orders.EnvPendingIndexName: jsii.String(PendingIndexName),
		orders.EnvKitchenQueueURL:  s.Kitchen.Queue.QueueUrl(),
		orders.EnvStaleAfter:       jsii.String(cfg.StaleAfter.String()),
	})
	// Hand-written: Table.Grant would allow Query on the table itself too.
	sweeper.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:Query"),
		Resources: jsii.Strings(*table.TableArn() + "/index/" + PendingIndexName),
	}))
	grantTable(sweeper, table, "dynamodb:UpdateItem")
	s.Kitchen.Queue.Grant(sweeper.Function, jsii.String("sqs:SendMessage"))
	// EventBridge Scheduler (the library's default): 185 delivery retries
	// over up to a day and a dead-letter queue it writes with a role of its
	// own, where a scheduled rule retried twice. Moving from the rule this
	// stack deployed before: CloudFormation creates the schedule, then
	// deletes the rule; a sweep may run twice around the switch, which the
	// sweeper's conditional claims make harmless.
	s.Sweeper = scheduledfunction.New(stack, jsii.String("SweepSchedule"), &scheduledfunction.Props{
		Function:    sweeper.Function,
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))),
		Description: jsii.String("Resend orders stuck in PENDING to the kitchen"),
		AlarmAction: action,
	})

	s.Events = newOrderEvents(s, cfg.Stage, fn, action, props.Idempotency) // kitchen -> orders bus -> notifier -> notifications topic
	s.OrdersThrottleAlarm = eventsource.NewTableThrottleAlarm(stack, "OrdersThrottleAlarm", table, []string{PendingIndexName},
		"the api answers 5xx, the publisher and the kitchen retry. On demand: look for a burst past twice the previous peak, or a hot key.", action)
	if props.Idempotency != nil {
		s.IdempotencyThrottleNotice = awscloudwatch.NewCompositeAlarm(stack, jsii.String("IdempotencyThrottleNotice"), &awscloudwatch.CompositeAlarmProps{
			AlarmRule:        awscloudwatch.AlarmRule_FromAlarm(props.Idempotency.ThrottleAlarm, awscloudwatch.AlarmState_ALARM),
			AlarmDescription: jsii.String(*stack.Node().Path() + "/IdempotencyThrottleNotice: the idempotency table's ThrottleAlarm is in ALARM (the notifier fails and is retried); see that alarm."),
		})
		s.IdempotencyThrottleNotice.AddAlarmAction(action)
		s.IdempotencyThrottleNotice.AddOkAction(action)
	}
	s.Dashboard = newDashboard(stack, s, cfg.Stage)
	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: s.Api.Api.ApiEndpoint()})
	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{
		Value:       s.Alarms.Topic.TopicArn(),
		Description: jsii.String("SNS topic of the stage's alarms: subscribe to it"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("DashboardName"), &awscdk.CfnOutputProps{Value: s.Dashboard.DashboardName()})
	return s
}

// grantTable grants actions on the table itself (not its indexes, which
// Table.Grant adds: these functions never read an index).
func grantTable(f *gofunction.Function, table awsdynamodb.ITable, actions ...string) {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      f.Function,
		Actions:      jsii.Strings(actions...),
		ResourceArns: jsii.Strings(*table.TableArn()),
	})
}

// logicalIDOf returns the logical ID of a resource's L1 construct, as
// cdk-nag names it in finding IDs.
func logicalIDOf(r constructs.IConstruct) string {
	return *awscdk.Stack_Of(r).GetLogicalId(r.Node().DefaultChild().(awscdk.CfnElement))
}

// nonZero is v as a jsii number, or nil (the construct's default) for 0.
func nonZero(v float64) *float64 {
	if v == 0 {
		return nil
	}
	return jsii.Number(v)
}

// titled turns a function name into its construct ID: "api" -> "Api".
func titled(name string) string {
	if name == "" {
		return name
	}
	return string(name[0]-'a'+'A') + name[1:]
}

// liveAlias is the live alias of the function name: every stage publishes a
// version per change and a live alias that every source invokes; the
// functions of cfg.Canary move to a new version by canary through
// CodeDeploy, with automatic rollback (Config.Canary says why), the others
// all at once.
func liveAlias(cfg Config, name string) *gofunction.AliasProps {
	a := &gofunction.AliasProps{}
	if slices.Contains(cfg.Canary, name) {
		a.Deployment = &gofunction.DeploymentProps{Config: awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES()}
	}
	return a
}
