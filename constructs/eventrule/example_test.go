package eventrule_test

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventbus"
	"github.com/example/orderflow/constructs/eventrule"
)

// A function invoked for the OrderReady events of a custom bus (with an
// archive, for replay). EventBridge retries delivery for up to a day, the
// function's failures are retried twice, and what still fails is kept in the
// dead-letter queue.
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	orders := eventbus.New(stack, jsii.String("Orders"), nil)
	// Any awslambda.Function; gofunction.New builds one from a Go main package.
	notifier := awslambda.NewFunction(stack, jsii.String("Notifier"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("example-artifacts")), jsii.String("notifier.zip"), nil),
	})

	eventrule.New(stack, jsii.String("OrderReady"), &eventrule.Props{
		EventBus: orders.Bus,
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("orderflow.kitchen"),
			DetailType: jsii.Strings("OrderReady"),
		},
		Function: notifier,
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::Events::Rule"), nil) {
		p := (*r)["Properties"].(map[string]any)
		pattern, _ := json.Marshal(p["EventPattern"])
		retry, _ := json.Marshal(p["Targets"].([]any)[0].(map[string]any)["RetryPolicy"])
		fmt.Println("pattern:", string(pattern))
		fmt.Println("delivery retries:", string(retry))
	}
	printResourceCounts(tmpl)
	// Output:
	// pattern: {"detail-type":["OrderReady"],"source":["orderflow.kitchen"]}
	// delivery retries: {"MaximumEventAgeInSeconds":86400,"MaximumRetryAttempts":185}
	// AWS::CloudWatch::Alarm 3
	// AWS::Events::Archive 1
	// AWS::Events::EventBus 1
	// AWS::Events::Rule 1
	// AWS::IAM::Policy 1
	// AWS::IAM::Role 1
	// AWS::Lambda::EventInvokeConfig 1
	// AWS::Lambda::Function 1
	// AWS::Lambda::Permission 1
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
