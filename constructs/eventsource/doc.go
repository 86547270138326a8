// Package eventsource holds the building blocks the constructs of this
// library wire an event source to a Lambda function with, for a source of
// your own to reuse (a custom event source, a resource of another service):
//
//   - Problems: bad props reported the CDK way, every problem of every
//     construct in one synth failure with its construct path, never a panic;
//     range checks that return the value to build with.
//   - NewDeadLetterQueue: an encrypted (SSE-SQS), TLS-only queue with a
//     14-day retention and the cdk-nag suppressions a dead-letter queue
//     needs; AllowServiceToSend adds the queue policy a delivering service
//     needs, scoped to one source ARN.
//   - NewDeadLetterQueueAlarm, NewIteratorAgeAlarm and NewAlarm: alarms defined one way (no
//     physical name, the construct path in the description, one 5-minute
//     period, the caller's action on ALARM and OK).
//   - AsyncInvoke, ConfigureAsyncInvoke: a function's asynchronous-invoke
//     retries, maximum event age and on-failure destination, shared safely
//     by several sources of one function.
//   - FunctionRole, FunctionTimeout: what an imported function (a CDK
//     interface) may not know, checked at synth with a message naming the
//     fix.
//
// A source built from them, in a construct of your own:
//
//	func NewWidgetTrigger(scope constructs.Construct, id *string, fn awslambda.IFunction, action awscloudwatch.IAlarmAction) awssqs.Queue {
//		c := constructs.NewConstruct(scope, id)
//		problems := eventsource.NewProblems(c, "widgettrigger")
//		retry := problems.AsyncInvoke(eventsource.AsyncInvoke{}, awscdk.Duration_Hours(jsii.Number(6)))
//		dlq := eventsource.NewDeadLetterQueue(c, "DeadLetterQueue", nil)
//		eventsource.ConfigureAsyncInvoke(problems, fn, retry, dlq)
//		eventsource.AllowServiceToSend(dlq, "widgets.amazonaws.com", widgetArn)
//		eventsource.NewDeadLetterQueueAlarm(c, dlq, action)
//		return dlq
//	}
package eventsource
