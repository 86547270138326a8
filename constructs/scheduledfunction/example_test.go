package scheduledfunction_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/scheduledfunction"
)

// A function run every five minutes by EventBridge Scheduler: a failed run is
// retried twice, and a run that never succeeds lands in the dead-letter queue.
// The schedule has a group of its own and an execution role that may invoke
// only this function and send only to the dead-letter queue.
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	// Any awslambda.Function; gofunction.New builds one from a Go main package.
	sweeper := awslambda.NewFunction(stack, jsii.String("Sweeper"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("example-artifacts")), jsii.String("sweeper.zip"), nil),
	})

	scheduledfunction.New(stack, jsii.String("Sweep"), &scheduledfunction.Props{
		Function: sweeper,
		Schedule: awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))),
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::Scheduler::Schedule"), nil) {
		p := (*r)["Properties"].(map[string]any)
		target := p["Target"].(map[string]any)
		fmt.Println("schedule:", p["ScheduleExpression"], "in", p["ScheduleExpressionTimezone"], "delivery retries:", target["RetryPolicy"].(map[string]any)["MaximumRetryAttempts"])
	}
	for _, r := range *tmpl.FindResources(jsii.String("AWS::Lambda::EventInvokeConfig"), nil) {
		p := (*r)["Properties"].(map[string]any)
		_, onFailure := p["DestinationConfig"].(map[string]any)["OnFailure"]
		fmt.Println("async retries:", p["MaximumRetryAttempts"], "max event age:", p["MaximumEventAgeInSeconds"], "s, on-failure destination:", onFailure)
	}
	printResourceCounts(tmpl)
	// Output:
	// schedule: rate(5 minutes) in Etc/UTC delivery retries: 185
	// async retries: 2 max event age: 3600 s, on-failure destination: true
	// AWS::CloudWatch::Alarm 2
	// AWS::IAM::Policy 2
	// AWS::IAM::Role 2
	// AWS::Lambda::EventInvokeConfig 1
	// AWS::Lambda::Function 1
	// AWS::SQS::Queue 1
	// AWS::SQS::QueuePolicy 1
	// AWS::Scheduler::Schedule 1
	// AWS::Scheduler::ScheduleGroup 1
}

// printResourceCounts prints how many resources of each type the template has.
func printResourceCounts(tmpl assertions.Template) {
	counts := map[string]int{}
	for _, r := range (*tmpl.ToJSON())["Resources"].(map[string]any) {
		counts[r.(map[string]any)["Type"].(string)]++
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Println(t, counts[t])
	}
}
