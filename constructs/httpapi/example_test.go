package httpapi_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/httpapi"
)

// An HTTP API with two routes to one function: the $default stage is
// throttled and writes a JSON access log line per request.
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	// Any awslambda.Function; gofunction.New builds one from a Go main package.
	handler := awslambda.NewFunction(stack, jsii.String("Handler"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String("bootstrap"),
		Code:    awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("example-artifacts")), jsii.String("api.zip"), nil),
	})

	api := httpapi.New(stack, jsii.String("Http"), &httpapi.Props{ThrottlingRateLimit: jsii.Number(20)})
	httpapi.NewRoute(stack, jsii.String("Orders"), &httpapi.RouteProps{
		Api:      api.Api,
		Path:     jsii.String("/orders"),
		Methods:  []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Function: handler,
	})
	httpapi.NewRoute(stack, jsii.String("Order"), &httpapi.RouteProps{
		Api:      api.Api,
		Path:     jsii.String("/orders/{id}"),
		Methods:  []awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Function: handler,
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	var routes []string
	for _, r := range *tmpl.FindResources(jsii.String("AWS::ApiGatewayV2::Route"), nil) {
		routes = append(routes, (*r)["Properties"].(map[string]any)["RouteKey"].(string))
	}
	sort.Strings(routes)
	fmt.Println("routes:", routes)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::ApiGatewayV2::Stage"), nil) {
		p := (*r)["Properties"].(map[string]any)
		throttle := p["DefaultRouteSettings"].(map[string]any)
		fmt.Println("stage:", p["StageName"], "rate:", throttle["ThrottlingRateLimit"], "burst:", throttle["ThrottlingBurstLimit"])
	}
	printResourceCounts(tmpl)
	// Output:
	// routes: [GET /orders/{id} POST /orders]
	// stage: $default rate: 20 burst: 100
	// AWS::ApiGatewayV2::Api 1
	// AWS::ApiGatewayV2::Integration 2
	// AWS::ApiGatewayV2::Route 2
	// AWS::ApiGatewayV2::Stage 1
	// AWS::CloudWatch::Alarm 2
	// AWS::IAM::Role 1
	// AWS::Lambda::Function 1
	// AWS::Lambda::Permission 2
	// AWS::Logs::LogGroup 1
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
