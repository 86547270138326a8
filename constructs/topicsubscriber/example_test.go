package topicsubscriber_test

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/topicsubscriber"
)

// A function notified of the "OrderReady" messages of a topic only: SNS
// filters on the eventType message attribute, a message SNS cannot deliver
// and a message the function fails three times both land in the
// dead-letter queue.
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	orders := awssns.NewTopic(stack, jsii.String("Orders"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})
	// Any awslambda.Function; gofunction.New builds one from a Go main package.
	notifier := awslambda.NewFunction(stack, jsii.String("Notifier"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("example-artifacts")), jsii.String("notifier.zip"), nil),
	})

	topicsubscriber.New(stack, jsii.String("Ready"), &topicsubscriber.Props{
		Topic:    orders,
		Function: notifier,
		FilterPolicy: &map[string]awssns.SubscriptionFilter{
			"eventType": awssns.SubscriptionFilter_StringFilter(&awssns.StringConditions{Allowlist: jsii.Strings("OrderReady")}),
		},
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::SNS::Subscription"), nil) {
		p := (*r)["Properties"].(map[string]any)
		filter, _ := json.Marshal(p["FilterPolicy"])
		_, redrive := p["RedrivePolicy"]
		fmt.Println("subscription:", p["Protocol"], string(filter), "redrive policy:", redrive)
	}
	for _, r := range *tmpl.FindResources(jsii.String("AWS::Lambda::EventInvokeConfig"), nil) {
		p := (*r)["Properties"].(map[string]any)
		fmt.Println("async retries:", p["MaximumRetryAttempts"], "max event age:", p["MaximumEventAgeInSeconds"], "s")
	}
	printResourceCounts(tmpl)
	// Output:
	// subscription: lambda {"eventType":["OrderReady"]} redrive policy: true
	// async retries: 2 max event age: 21600 s
	// AWS::CloudWatch::Alarm 3
	// AWS::IAM::Policy 1
	// AWS::IAM::Role 1
	// AWS::Lambda::EventInvokeConfig 1
	// AWS::Lambda::Function 1
	// AWS::Lambda::Permission 1
	// AWS::SNS::Subscription 1
	// AWS::SNS::Topic 1
	// AWS::SNS::TopicPolicy 1
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
