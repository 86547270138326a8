// Package buckettrigger provides a construct that invokes a Lambda function,
// asynchronously, for objects created in an S3 bucket under a key prefix
// and/or with a key suffix.
//
// It uses the bucket's EventBridge notifications (the bucket must have them
// on: awss3.BucketProps.EventBridgeEnabled, or the CloudFormation property
// NotificationConfiguration.EventBridgeConfiguration) and an EventBridge rule
// in the caller's stack. Unlike S3 event notifications this needs no custom
// resource, leaves the bucket's notification configuration alone, and lets a
// bucket in a stateful stack trigger a function in another stack without a
// dependency cycle. The function receives an EventBridge "Object Created"
// event (source "aws.s3").
//
// Failed events are not lost: EventBridge retries delivery and the function's
// asynchronous invocation retries errors; what still fails lands in an
// encrypted dead-letter queue, whose alarm goes off at its first message.
package buckettrigger

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/asyncinvoke"
)

// Props configures a BucketTrigger. Nil fields take the documented default.
type Props struct {
	// Bucket whose object creations trigger the function; EventBridge
	// notifications must be on. Required.
	Bucket awss3.IBucket
	// Function to invoke. Required.
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
	// 0-2 (Lambda quotas). Default: 2.
	RetryAttempts *float64
	// MaxEventAge: how long Lambda keeps retrying an event, 60 s-6 h.
	// Default: 6 hours.
	MaxEventAge awscdk.Duration
	// DeadLetterRetentionPeriod of the dead-letter queue. Default: 14 days.
	DeadLetterRetentionPeriod awscdk.Duration
	// AlarmAction is told when DeadLetterQueueAlarm goes to ALARM and back
	// to OK, e.g. awscloudwatchactions.NewSnsAction(topic).
	// Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
}

// BucketTrigger is what New built.
type BucketTrigger struct {
	// Rule matches the bucket's "Object Created" events for the key filter.
	Rule awsevents.Rule
	// DeadLetterQueue receives events EventBridge could not deliver and
	// events the function still failed after its retries (Lambda on-failure
	// destination, with the error in the record).
	DeadLetterQueue awssqs.Queue
	// DeadLetterQueueAlarm: the dead-letter queue holds messages
	// (ApproximateNumberOfMessagesVisible Maximum > 0 in 5 minutes). Missing
	// data keeps the state: SQS stops reporting a queue untouched for 6 hours.
	DeadLetterQueueAlarm awscloudwatch.Alarm
	// Alarms are DeadLetterQueueAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the rule, its target, the dead-letter queue and its alarm.
// Construct IDs below id: "Rule", "DeadLetterQueue", "DeadLetterQueueAlarm".
// The function's role gets sqs:SendMessage, sqs:GetQueueAttributes,
// sqs:GetQueueUrl on the dead-letter queue (on-failure destination);
// EventBridge gets lambda:InvokeFunction on the function and sqs:SendMessage
// on the queue through resource policies.
func New(scope constructs.Construct, id *string, props *Props) *BucketTrigger {
	c := constructs.NewConstruct(scope, id)
	if props == nil || props.Bucket == nil || props.Function == nil {
		panic(fmt.Sprintf("buckettrigger: Bucket and Function are required (construct %s)", *c.Node().Path()))
	}
	p := *props
	prefix, suffix := deref(p.Prefix), deref(p.Suffix)
	var problems []string
	if prefix == "" && suffix == "" && (p.AllKeys == nil || !*p.AllKeys) {
		problems = append(problems, "buckettrigger: Prefix and Suffix are both empty; set AllKeys to trigger on every key")
	}
	retry := asyncinvoke.Retry{Attempts: p.RetryAttempts, MaxAge: p.MaxEventAge, Retention: p.DeadLetterRetentionPeriod}
	problems = append(problems, asyncinvoke.Check("buckettrigger", &retry, awscdk.Duration_Hours(jsii.Number(6)))...)
	if len(problems) > 0 {
		panic(fmt.Sprintf("%s (construct %s)", strings.Join(problems, "; "), *c.Node().Path()))
	}

	dlq, dlqAlarm := asyncinvoke.DeadLetterQueue(c, p.Function, retry, p.AlarmAction)
	detail := map[string]interface{}{
		"bucket": map[string]interface{}{"name": []interface{}{p.Bucket.BucketName()}},
	}
	if f := keyFilter(prefix, suffix); f != nil {
		detail["object"] = map[string]interface{}{"key": []interface{}{f}}
	}
	rule := awsevents.NewRule(c, jsii.String("Rule"), &awsevents.RuleProps{
		Description: jsii.String(fmt.Sprintf("Objects created in the bucket with key %q...%q", prefix, suffix)),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.s3"),
			DetailType: jsii.Strings("Object Created"),
			Detail:     &detail,
		},
	})
	rule.AddTarget(awseventstargets.NewLambdaFunction(p.Function, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: dlq,
		RetryAttempts:   jsii.Number(185), // EventBridge's maximum: delivery retries for up to a day
		MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
	}))
	return &BucketTrigger{Rule: rule, DeadLetterQueue: dlq, DeadLetterQueueAlarm: dlqAlarm, Alarms: []awscloudwatch.Alarm{dlqAlarm}}
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
