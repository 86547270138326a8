package functionurl_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/functionurl"
)

// A function with an HTTPS endpoint of its own, for callers that sign their
// requests (IAM authorization, the default).
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	// Any awslambda.Function; gofunction.New builds one from a Go main package.
	report := awslambda.NewFunction(stack, jsii.String("Report"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("example-artifacts")), jsii.String("report.zip"), nil),
	})

	u := functionurl.New(stack, jsii.String("ReportUrl"), &functionurl.Props{Function: report})
	awscdk.NewCfnOutput(stack, jsii.String("Url"), &awscdk.CfnOutputProps{Value: u.Url.Url()})

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::Lambda::Url"), nil) {
		fmt.Println("auth:", (*r)["Properties"].(map[string]any)["AuthType"])
	}
	printResourceCounts(tmpl)
	// Output:
	// auth: AWS_IAM
	// AWS::CloudWatch::Alarm 1
	// AWS::IAM::Role 1
	// AWS::Lambda::Function 1
	// AWS::Lambda::Url 1
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
