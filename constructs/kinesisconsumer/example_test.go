package kinesisconsumer_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/kinesisconsumer"
)

// A function reading a new, encrypted stream in batches of up to 500
// records, two batches per shard at a time; a failing batch is bisected and
// retried, and what still fails after 5 retries is recorded in the
// dead-letter queue.
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	// Any awslambda.Function; gofunction.New builds one from a Go main package.
	aggregate := awslambda.NewFunction(stack, jsii.String("Aggregate"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("example-artifacts")), jsii.String("aggregate.zip"), nil),
	})

	clicks := kinesisconsumer.New(stack, jsii.String("Clicks"), &kinesisconsumer.Props{
		Function:              aggregate,
		BatchSize:             jsii.Number(500),
		ParallelizationFactor: jsii.Number(2),
		RetryAttempts:         jsii.Number(5),
	})
	_ = clicks.Stream // producers: clicks.Stream.GrantWrite(producer)

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::Kinesis::Stream"), nil) {
		p := (*r)["Properties"].(map[string]any)
		fmt.Println("stream encryption:", p["StreamEncryption"].(map[string]any)["KeyId"])
	}
	for _, r := range *tmpl.FindResources(jsii.String("AWS::Lambda::EventSourceMapping"), nil) {
		p := (*r)["Properties"].(map[string]any)
		fmt.Println("batch:", p["BatchSize"], "per shard:", p["ParallelizationFactor"], "retries:", p["MaximumRetryAttempts"], "bisect:", p["BisectBatchOnFunctionError"], p["FunctionResponseTypes"])
	}
	printResourceCounts(tmpl)
	// Output:
	// stream encryption: alias/aws/kinesis
	// batch: 500 per shard: 2 retries: 5 bisect: true [ReportBatchItemFailures]
	// AWS::CloudWatch::Alarm 2
	// AWS::IAM::Policy 1
	// AWS::IAM::Role 1
	// AWS::Kinesis::Stream 1
	// AWS::Lambda::EventSourceMapping 1
	// AWS::Lambda::Function 1
	// AWS::SQS::Queue 1
	// AWS::SQS::QueuePolicy 1
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
