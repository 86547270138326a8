// Package asyncinvoke holds what the constructs that invoke a function
// asynchronously (buckettrigger, scheduledfunction) share: checking the
// retry props, and the on-failure dead-letter queue with its alarm.
package asyncinvoke

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/alarm"
	"github.com/example/orderflow/constructs/internal/nag"
)

// Retry is the asynchronous invocation's retry configuration. Check fills
// nil fields with defaults.
type Retry struct {
	Attempts  *float64        // 0-2 (Lambda quotas); default 2
	MaxAge    awscdk.Duration // 60 s-6 h; default given to Check
	Retention awscdk.Duration // of the dead-letter queue; default 14 days
}

// Check applies defaults to r and returns one message per bad field,
// prefixed with the construct package's name (pkg).
func Check(pkg string, r *Retry, defaultMaxAge awscdk.Duration) []string {
	var problems []string
	if r.Attempts == nil {
		r.Attempts = jsii.Number(2)
	} else if a := *r.Attempts; a < 0 || a > 2 {
		problems = append(problems, fmt.Sprintf("%s: RetryAttempts %s is outside 0-2", pkg, Num(a)))
	}
	if r.MaxAge == nil {
		r.MaxAge = defaultMaxAge
	} else if a := *r.MaxAge.ToSeconds(nil); a < 60 || a > 6*3600 {
		problems = append(problems, fmt.Sprintf("%s: MaxEventAge %ss is outside 60-21600s", pkg, Num(a)))
	}
	if r.Retention == nil {
		r.Retention = awscdk.Duration_Days(jsii.Number(14))
	}
	return problems
}

// DeadLetterQueue creates the encrypted dead-letter queue "DeadLetterQueue"
// under scope, makes it fn's on-failure destination with r's retries, and
// returns it with its not-empty alarm "DeadLetterQueueAlarm" (told action).
func DeadLetterQueue(scope constructs.Construct, fn awslambda.IFunction, r Retry, action awscloudwatch.IAlarmAction) (awssqs.Queue, awscloudwatch.Alarm) {
	dlq := nag.DeadLetterQueue(scope, "DeadLetterQueue", r.Retention, false)
	fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: r.Attempts,
		MaxEventAge:   r.MaxAge,
		OnFailure:     awslambdadestinations.NewSqsDestination(dlq),
	})
	nag.AsyncFailureDestination(fn)
	return dlq, alarm.DeadLetterQueue(scope, dlq, action)
}

// Num formats a number as written, without exponent: 1209600, 1.5.
func Num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
