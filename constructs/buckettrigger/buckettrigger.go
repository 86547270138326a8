// Package buckettrigger provides a construct that invokes a Lambda function,
// asynchronously, for objects created in an S3 bucket under a key prefix
// and/or with a key suffix.
//
// It uses the bucket's EventBridge notifications and an EventBridge rule in
// the caller's stack. The bucket must have them on: for a bucket of the app,
// call EnableEventBridge(bucket), which sets the bucket's own CloudFormation
// property NotificationConfiguration.EventBridgeConfiguration (no custom
// resource); a bucket of the app without it fails synth, naming that fix.
// An imported bucket (awss3.Bucket_FromBucketName) cannot be checked: its
// owner must have turned them on (S3 console: Properties, Amazon EventBridge;
// or aws s3api put-bucket-notification-configuration with
// EventBridgeConfiguration), or the rule never fires.
//
// Unlike S3 event notifications this needs no custom resource, leaves the
// bucket's other notifications alone, and lets a bucket in a stateful stack
// trigger a function in another stack without a dependency cycle. (Do not
// use awss3.BucketProps.EventBridgeEnabled: it turns notifications on
// through the Custom::S3BucketNotifications custom resource, a Lambda
// function with a broad role, and this construct does not recognise it.)
// The function receives an EventBridge "Object Created" event (source
// "aws.s3").
//
//	uploads := awss3.NewBucket(stack, jsii.String("Uploads"), &awss3.BucketProps{...})
//	buckettrigger.EnableEventBridge(uploads)
//	buckettrigger.New(stack, jsii.String("Incoming"), &buckettrigger.Props{
//		Bucket:   uploads,
//		Function: importer.Function,
//		Prefix:   jsii.String("incoming/"),
//	})
//
// Failed events are not lost: EventBridge retries delivery and the function's
// asynchronous invocation retries errors; what still fails lands in an
// encrypted dead-letter queue, whose alarm goes off at its first message
// (or in OnFailure; OnSuccess records the successes). The rule targets the
// function's invoke target (its live alias when it has one,
// eventsource.InvokeTarget), which only this rule of this account may
// invoke. The bucket must be in the stack's account and region: S3 sends
// its events to the default bus of its own.
package buckettrigger

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/propsoverride"
	"github.com/example/orderflow/constructs/internal/ruletarget"
)

// Props configures a BucketTrigger. Nil fields take the documented default.
type Props struct {
	// Bucket whose object creations trigger the function, with EventBridge
	// notifications on (see the package doc): a bucket of the app after
	// EnableEventBridge, or an imported one whose owner turned them on.
	// Required.
	Bucket awss3.IBucket
	// Function to invoke: an awslambda.Function of the app, or an imported
	// one with its role (awslambda.Function_FromFunctionAttributes with Role:
	// its on-failure destination needs sqs:SendMessage). Required.
	Function awslambda.IFunction
	// Prefix the object key must start with, e.g. "incoming/". Keep the
	// function's own output outside it, or it triggers itself.
	// Default: none (every key). Prefix and Suffix may not both be empty
	// unless AllKeys is set.
	Prefix *string
	// Suffix the object key must end with, e.g. ".csv". Default: none.
	Suffix *string
	// AllKeys must be true to trigger on every key of the bucket (no Prefix
	// and no Suffix): a function that writes to its own bucket would loop.
	// Default: false.
	AllKeys *bool
	// RetryAttempts of the asynchronous invocation after a function error,
	// 0-2 (Lambda quotas). Default: 2. A function invoked by several
	// asynchronous sources has one asynchronous-invoke configuration: give
	// them the same RetryAttempts and MaxEventAge (see
	// eventsource.ConfigureAsyncInvoke).
	RetryAttempts *float64
	// MaxEventAge: how long Lambda keeps retrying an event, 60 s-6 h.
	// Default: 6 hours.
	MaxEventAge awscdk.Duration
	// DeadLetterRetentionPeriod of the dead-letter queue. Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
	// OnSuccess receives a record of each event the function handled
	// (Lambda asynchronous invocation destination: an SQS queue, SNS topic,
	// event bus or function). A function invoked by several asynchronous
	// sources has one configuration: give them the same destinations.
	// Default: none.
	OnSuccess *eventsource.Destination
	// OnFailure receives the record of an event the function still failed,
	// instead of DeadLetterQueue, which keeps what EventBridge could not
	// deliver. Default: DeadLetterQueue.
	OnFailure *eventsource.Destination
	// AlarmAction is told when DeadLetterQueueAlarm goes to ALARM and back
	// to OK, e.g. awscloudwatchactions.NewSnsAction(topic).
	// Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
	// RuleProps override the rule's props (AWS Solutions Constructs style),
	// e.g. Enabled. EventBus, EventPattern, Description and Schedule are
	// built from Bucket, Prefix and Suffix, Targets from Function: setting
	// them here fails synth. Default: none.
	RuleProps *awsevents.RuleProps
	// DeadLetterQueueProps override the dead-letter queue's props (see
	// eventsource.DeadLetterQueueProps.QueueProps). A FIFO queue or a KMS
	// key fails synth, as in eventrule.Props. Default: none.
	DeadLetterQueueProps *awssqs.QueueProps
}

// ownedRuleProps are the rule's props New builds (Props.RuleProps cannot
// override them).
var ownedRuleProps = map[string]string{"EventBus": "", "EventPattern": "", "Description": "", "Schedule": "", "Targets": ""}

// BucketTrigger is what New built: a construct, so that awscdk.Tags_Of,
// Node().AddDependency and aspects on it reach the rule, its invoke
// permission, the dead-letter queue and its alarm. (The function's
// asynchronous-invoke configuration stays under the function or its alias:
// it has one, shared by every source.)
type BucketTrigger struct {
	constructs.Construct
	// Rule matches the bucket's "Object Created" events for the key filter
	// and targets the function's invoke target (its live alias when it has
	// one, eventsource.InvokeTarget); the invoke permission is its child.
	Rule awsevents.Rule
	// DeadLetterQueue receives events EventBridge could not deliver and
	// events the function still failed after its retries (Lambda on-failure
	// destination, with the error in the record; when another source
	// configured the function first, that source's queue gets those).
	DeadLetterQueue awssqs.Queue
	// DeadLetterQueueAlarm: the dead-letter queue holds messages
	// (ApproximateNumberOfMessagesVisible Maximum > 0 in 5 minutes). Missing
	// data keeps the state: SQS stops reporting a queue untouched for 6 hours.
	DeadLetterQueueAlarm awscloudwatch.Alarm
	// FailedInvocationsAlarm: the rule's FailedInvocations (Sum, namespace
	// AWS/Events, dimension RuleName) > 0 in 5 minutes: EventBridge gave up
	// invoking the function (the events went to the dead-letter queue, or
	// were lost if it could not write there). Missing data is OK:
	// EventBridge only reports non-zero values.
	FailedInvocationsAlarm awscloudwatch.Alarm
	// DestinationDeliveryAlarm: Lambda could not write the function's
	// asynchronous invocation records to their destination, so failed
	// events were lost (eventsource.DestinationDeliveryAlarm; shared by the
	// sources of one function). Nil without a Function.
	DestinationDeliveryAlarm awscloudwatch.Alarm
	// Alarms are DeadLetterQueueAlarm, FailedInvocationsAlarm and
	// DestinationDeliveryAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the rule, its target, the dead-letter queue and the alarms.
// Construct IDs below id: "Rule" (the invoke permission below it:
// "AllowEventRule<unique ID of the invoke target>", as awseventstargets
// names it), "DeadLetterQueue", "DeadLetterQueueAlarm",
// "FailedInvocationsAlarm". The function's role
// gets sqs:SendMessage, sqs:GetQueueAttributes, sqs:GetQueueUrl on the
// dead-letter queue (on-failure destination), or what OnSuccess and
// OnFailure need; EventBridge gets lambda:InvokeFunction on the function's
// invoke target and sqs:SendMessage on the queue through resource policies,
// for this rule only (aws:SourceArn and aws:SourceAccount). Bad props fail
// synth (see eventsource.Problems), each named with its value and allowed
// range; New still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *BucketTrigger {
	t := &BucketTrigger{}
	constructs.NewConstruct_Override(t, scope, id)
	c := t.Construct
	problems := eventsource.NewProblems(c, "buckettrigger")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Bucket", p.Bucket != nil, "the bucket whose object creations trigger the function")
	problems.Required("Function", p.Function != nil, "the function to invoke")
	prefix, suffix := deref(p.Prefix), deref(p.Suffix)
	if prefix == "" && suffix == "" && (p.AllKeys == nil || !*p.AllKeys) {
		problems.Addf("Prefix and Suffix are both empty; set AllKeys to trigger on every key")
	}
	retry := problems.AsyncInvoke(eventsource.AsyncInvoke{RetryAttempts: p.RetryAttempts, MaxEventAge: p.MaxEventAge, OnSuccess: p.OnSuccess, OnFailure: p.OnFailure}, awscdk.Duration_Hours(jsii.Number(6)))
	retention := problems.Duration("DeadLetterRetentionPeriod", p.DeadLetterRetentionPeriod, nil, eventsource.MinRetentionSeconds, eventsource.MaxRetentionSeconds, true, "SQS quotas")

	dlq := eventsource.NewDeadLetterQueue(c, "DeadLetterQueue", &eventsource.DeadLetterQueueProps{RetentionPeriod: retention, QueueProps: p.DeadLetterQueueProps})
	ruletarget.CheckDeadLetterQueue(problems, dlq)
	dlqAlarm := eventsource.NewDeadLetterQueueAlarm(c, dlq, p.AlarmAction)
	detail := map[string]interface{}{}
	if p.Bucket != nil {
		detail["bucket"] = map[string]interface{}{"name": []interface{}{p.Bucket.BucketName()}}
		c.Node().AddValidation(&eventBridgeCheck{bucket: p.Bucket})
		stack := awscdk.Stack_Of(c)
		for _, d := range []struct{ name, bucket, stack string }{
			{"account", *p.Bucket.Env().Account, *stack.Account()},
			{"region", *p.Bucket.Env().Region, *stack.Region()},
		} {
			if awscdk.Token_CompareStrings(jsii.String(d.bucket), jsii.String(d.stack)) == awscdk.TokenComparison_DIFFERENT() {
				problems.Addf("Bucket %s is in %s %s, this stack in %s: S3 sends its events to the default event bus of the bucket's own account and region; define the trigger in a stack there", eventsource.Path(p.Bucket), d.name, d.bucket, d.stack)
			}
		}
	}
	if f := keyFilter(prefix, suffix); f != nil {
		detail["object"] = map[string]interface{}{"key": []interface{}{f}}
	}
	ruleProps := &awsevents.RuleProps{
		Description: jsii.String(fmt.Sprintf("Objects created in the bucket with key %q...%q", prefix, suffix)),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.s3"),
			DetailType: jsii.Strings("Object Created"),
			Detail:     &detail,
		},
	}
	for _, f := range propsoverride.Apply(ruleProps, p.RuleProps, ownedRuleProps) {
		problems.Addf("RuleProps.%s is set: it is built from this construct's props (Bucket, Prefix, Suffix, Function); set those instead", f)
	}
	rule := awsevents.NewRule(c, jsii.String("Rule"), ruleProps)
	if p.Function != nil {
		eventsource.ConfigureAsyncInvoke(problems, p.Function, retry, dlq)
		ruletarget.Add(rule, p.Function, ruletarget.Props{
			DeadLetterQueue: dlq,
			RetryAttempts:   jsii.Number(185), // EventBridge's maximum: delivery retries for up to a day
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
		})
	}
	t.FailedInvocationsAlarm = ruletarget.NewFailedInvocationsAlarm(c, rule, nil, p.AlarmAction)
	t.Rule, t.DeadLetterQueue, t.DeadLetterQueueAlarm = rule, dlq, dlqAlarm
	t.Alarms = []awscloudwatch.Alarm{dlqAlarm, t.FailedInvocationsAlarm}
	if p.Function != nil {
		t.DestinationDeliveryAlarm = eventsource.DestinationDeliveryAlarm(c, p.Function, p.AlarmAction)
		t.Alarms = append(t.Alarms, t.DestinationDeliveryAlarm)
	}
	return t
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (t *BucketTrigger) ToString() *string { return t.Construct.ToString() }

// EnableEventBridge turns on the EventBridge notifications of a bucket of
// the app by setting its CloudFormation property
// NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled,
// keeping what else the property holds. Unlike
// awss3.BucketProps.EventBridgeEnabled it adds no custom resource. S3 then
// sends every object-level event of the bucket to the account's default
// event bus (no charge for AWS service events; rules pick what they need).
func EnableEventBridge(bucket awss3.Bucket) {
	cfn := bucket.Node().DefaultChild().(awss3.CfnBucket)
	config := &awss3.CfnBucket_NotificationConfigurationProperty{}
	if existing, ok := cfn.NotificationConfiguration().(*awss3.CfnBucket_NotificationConfigurationProperty); ok && existing != nil {
		copied := *existing
		config = &copied
	}
	config.EventBridgeConfiguration = &awss3.CfnBucket_EventBridgeConfigurationProperty{EventBridgeEnabled: jsii.Bool(true)}
	cfn.SetNotificationConfiguration(config)
}

// eventBridgeCheck fails synth when the bucket is one of the app without
// EventBridge notifications. It runs at synth, so EnableEventBridge may be
// called after New.
type eventBridgeCheck struct{ bucket awss3.IBucket }

// Validate implements constructs.IValidation.
func (v *eventBridgeCheck) Validate() *[]*string {
	cfn, ok := v.bucket.Node().DefaultChild().(awss3.CfnBucket)
	if !ok || cfn == nil {
		return &[]*string{} // imported: its owner must have them on (see the package doc)
	}
	var enabled bool
	if config := cfn.NotificationConfiguration(); config != nil {
		resolved, _ := awscdk.Stack_Of(cfn).Resolve(config).(map[string]interface{})
		eb, present := resolved["eventBridgeConfiguration"].(map[string]interface{})
		enabled = present && eb["eventBridgeEnabled"] != false
	}
	if enabled {
		return &[]*string{}
	}
	return jsii.Strings(fmt.Sprintf("buckettrigger: Bucket %s has EventBridge notifications off, so the rule would never fire: call buckettrigger.EnableEventBridge(bucket), which sets NotificationConfiguration.EventBridgeConfiguration on the bucket (no custom resource)",
		eventsource.Path(v.bucket)))
}

// keyFilter returns the EventBridge content filter for a key prefix and/or
// suffix: prefix and suffix matching, or a wildcard when both are set
// ("*" and "\" in them escaped as EventBridge requires).
func keyFilter(prefix, suffix string) map[string]interface{} {
	switch {
	case prefix != "" && suffix != "":
		esc := strings.NewReplacer(`\`, `\\`, `*`, `\*`)
		return map[string]interface{}{"wildcard": esc.Replace(prefix) + "*" + esc.Replace(suffix)}
	case prefix != "":
		return map[string]interface{}{"prefix": prefix}
	case suffix != "":
		return map[string]interface{}{"suffix": suffix}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
