package albtarget_test

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/albtarget"
)

// A function behind the HTTPS listener of a load balancer another team
// runs: requests for /orders/* go to the function, with repeated headers
// and query parameters kept as lists.
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	https := elbv2.ApplicationListener_FromApplicationListenerAttributes(stack, jsii.String("Https"), &elbv2.ApplicationListenerAttributes{
		ListenerArn:   jsii.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shared/50dc6c495c0c9188/f2f7dc8efc522ab2"),
		SecurityGroup: awsec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("AlbSg"), jsii.String("sg-0123456789abcdef0"), nil),
	})
	// Any awslambda.Function; gofunction.New builds one from a Go main package.
	orders := awslambda.NewFunction(stack, jsii.String("Orders"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("example-artifacts")), jsii.String("orders.zip"), nil),
	})

	albtarget.New(stack, jsii.String("OrdersRoute"), &albtarget.Props{
		Listener:          https,
		Function:          orders,
		Priority:          jsii.Number(20),
		PathPatterns:      jsii.Strings("/orders/*"),
		MultiValueHeaders: jsii.Bool(true),
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), nil) {
		p := (*r)["Properties"].(map[string]any)
		conditions, _ := json.Marshal(p["Conditions"])
		fmt.Println("priority:", p["Priority"], "conditions:", string(conditions))
	}
	for _, r := range *tmpl.FindResources(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), nil) {
		p := (*r)["Properties"].(map[string]any)
		attributes, _ := json.Marshal(p["TargetGroupAttributes"])
		fmt.Println("target type:", p["TargetType"], "attributes:", string(attributes))
	}
	printResourceCounts(tmpl)
	// Output:
	// priority: 20 conditions: [{"Field":"path-pattern","PathPatternConfig":{"Values":["/orders/*"]}}]
	// target type: lambda attributes: [{"Key":"lambda.multi_value_headers.enabled","Value":"true"}]
	// AWS::CloudWatch::Alarm 2
	// AWS::ElasticLoadBalancingV2::ListenerRule 1
	// AWS::ElasticLoadBalancingV2::TargetGroup 1
	// AWS::IAM::Role 1
	// AWS::Lambda::Function 1
	// AWS::Lambda::Permission 1
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
