package streamconsumer_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/streamconsumer"
)

// A function reading the inserts of a table's stream: failing batches are
// bisected and retried, and the records given up on are recorded in a
// dead-letter queue.
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	table := awsdynamodb.NewTableV2(stack, jsii.String("Orders"), &awsdynamodb.TablePropsV2{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("orderId"), Type: awsdynamodb.AttributeType_STRING},
		DynamoStream: awsdynamodb.StreamViewType_NEW_AND_OLD_IMAGES,
	})
	// Any awslambda.Function; gofunction.New builds one from a Go main package.
	publisher := awslambda.NewFunction(stack, jsii.String("Publisher"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("example-artifacts")), jsii.String("publisher.zip"), nil),
	})

	streamconsumer.New(stack, jsii.String("OrdersStream"), &streamconsumer.Props{
		Table:    table,
		Function: publisher,
		Filters:  []eventfilter.Filter{eventfilter.Pattern{"eventName": eventfilter.Equals("INSERT")}},
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, m := range *tmpl.FindResources(jsii.String("AWS::Lambda::EventSourceMapping"), nil) {
		p := (*m)["Properties"].(map[string]any)
		fmt.Println("start:", p["StartingPosition"], "batch:", p["BatchSize"], "bisect:", p["BisectBatchOnFunctionError"])
		fmt.Println("retries:", p["MaximumRetryAttempts"], "max record age:", p["MaximumRecordAgeInSeconds"], "s")
		fmt.Println("responses:", p["FunctionResponseTypes"])
		fmt.Println("filter:", p["FilterCriteria"].(map[string]any)["Filters"].([]any)[0].(map[string]any)["Pattern"])
	}
	printResourceCounts(tmpl)
	// Output:
	// start: TRIM_HORIZON batch: 100 bisect: true
	// retries: 10 max record age: 86400 s
	// responses: [ReportBatchItemFailures]
	// filter: {"eventName":["INSERT"]}
	// AWS::CloudWatch::Alarm 2
	// AWS::DynamoDB::GlobalTable 1
	// AWS::IAM::Policy 1
	// AWS::IAM::Role 1
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
