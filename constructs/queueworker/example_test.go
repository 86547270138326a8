package queueworker_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventfilter"
	"github.com/example/orderflow/constructs/queueworker"
)

// A queue feeding a function: the visibility timeout follows the function's
// timeout, a message that fails three receives moves to the dead-letter
// queue, and the handler reports failed messages one by one.
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	// Any awslambda.Function; gofunction.New builds one from a Go main package.
	resize := awslambda.NewFunction(stack, jsii.String("Resize"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("example-artifacts")), jsii.String("resize.zip"), nil),
		Timeout: awscdk.Duration_Seconds(jsii.Number(20)),
	})

	jobs := queueworker.New(stack, jsii.String("Jobs"), &queueworker.Props{
		Function:        resize,
		MaxReceiveCount: jsii.Number(3),
	})
	// A producer gets send rights with jobs.Queue.GrantSendMessages(producer).

	tmpl := assertions.Template_FromStack(stack, nil)
	queue := resourceProps(tmpl, stack, jobs.Queue)
	fmt.Println("visibility timeout:", queue["VisibilityTimeout"], "s") // 6 x 20 s
	fmt.Println("max receive count:", queue["RedrivePolicy"].(map[string]any)["maxReceiveCount"])
	for _, m := range *tmpl.FindResources(jsii.String("AWS::Lambda::EventSourceMapping"), nil) {
		fmt.Println("mapping:", (*m)["Properties"].(map[string]any)["FunctionResponseTypes"])
	}
	printResourceCounts(tmpl)
	// Output:
	// visibility timeout: 120 s
	// max receive count: 3
	// mapping: [ReportBatchItemFailures]
	// AWS::CloudWatch::Alarm 2
	// AWS::IAM::Policy 1
	// AWS::IAM::Role 1
	// AWS::Lambda::EventSourceMapping 1
	// AWS::Lambda::Function 1
	// AWS::SQS::Queue 2
	// AWS::SQS::QueuePolicy 2
}

// resourceProps returns the CloudFormation Properties of the resource behind
// an L2 construct.
func resourceProps(tmpl assertions.Template, stack awscdk.Stack, c constructs.IConstruct) map[string]any {
	id := *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
	resource := (*tmpl.ToJSON())["Resources"].(map[string]any)[id].(map[string]any)
	return resource["Properties"].(map[string]any)
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

// A FIFO queue whose senders need no deduplication ID, in high-throughput
// mode, feeding a function only the orders it handles.
func ExampleNew_fifo() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	ship := awslambda.NewFunction(stack, jsii.String("Ship"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("example-artifacts")), jsii.String("ship.zip"), nil),
	})
	orders := queueworker.New(stack, jsii.String("Orders"), &queueworker.Props{
		Function:                  ship,
		Fifo:                      jsii.Bool(true),
		ContentBasedDeduplication: jsii.Bool(true),
		HighThroughputFifo:        jsii.Bool(true),
		Filters: []eventfilter.Filter{eventfilter.Pattern{"body": eventfilter.Pattern{
			"type": eventfilter.Equals("order.paid"),
		}}},
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	queue := resourceProps(tmpl, stack, orders.Queue)
	fmt.Println("fifo:", queue["FifoQueue"], "dedup:", queue["DeduplicationScope"], queue["FifoThroughputLimit"])
	fmt.Println("dead-letter queue fifo:", resourceProps(tmpl, stack, orders.DeadLetterQueue)["FifoQueue"])
	for _, m := range *tmpl.FindResources(jsii.String("AWS::Lambda::EventSourceMapping"), nil) {
		fmt.Println("filter:", (*m)["Properties"].(map[string]any)["FilterCriteria"])
	}
	// Output:
	// fifo: true dedup: messageGroup perMessageGroupId
	// dead-letter queue fifo: true
	// filter: map[Filters:[map[Pattern:{"body":{"type":["order.paid"]}}]]]
}
