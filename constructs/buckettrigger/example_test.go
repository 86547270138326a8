package buckettrigger_test

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/buckettrigger"
)

// A function invoked for each CSV file created under incoming/ of a bucket
// with EventBridge notifications on. The function's own output goes under
// another prefix, so it never triggers itself.
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	uploads := awss3.NewBucket(stack, jsii.String("Uploads"), &awss3.BucketProps{EnforceSSL: jsii.Bool(true)})
	// EventBridge notifications through the bucket's own CloudFormation property
	// (BucketProps.EventBridgeEnabled would add a custom resource to do the same).
	buckettrigger.EnableEventBridge(uploads)
	// Any awslambda.Function; gofunction.New builds one from a Go main package.
	importer := awslambda.NewFunction(stack, jsii.String("Importer"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("example-artifacts")), jsii.String("importer.zip"), nil),
	})

	buckettrigger.New(stack, jsii.String("Incoming"), &buckettrigger.Props{
		Bucket:   uploads,
		Function: importer,
		Prefix:   jsii.String("incoming/"),
		Suffix:   jsii.String(".csv"),
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::Events::Rule"), nil) {
		pattern := (*r)["Properties"].(map[string]any)["EventPattern"].(map[string]any)
		key, _ := json.Marshal(pattern["detail"].(map[string]any)["object"])
		fmt.Println("event:", pattern["source"], pattern["detail-type"], "object:", string(key))
	}
	printResourceCounts(tmpl)
	// Output:
	// event: [aws.s3] [Object Created] object: {"key":[{"wildcard":"incoming/*.csv"}]}
	// AWS::CloudWatch::Alarm 3
	// AWS::Events::Rule 1
	// AWS::IAM::Policy 1
	// AWS::IAM::Role 1
	// AWS::Lambda::EventInvokeConfig 1
	// AWS::Lambda::Function 1
	// AWS::Lambda::Permission 1
	// AWS::S3::Bucket 1
	// AWS::S3::BucketPolicy 1
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
