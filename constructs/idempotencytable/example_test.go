package idempotencytable_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/idempotencytable"
)

// The table a notifier deduplicates its notifications in, granted to the
// notifier only.
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	idem := idempotencytable.New(stack, jsii.String("Idempotency"), nil)
	notifier := awslambda.NewFunction(stack, jsii.String("Notifier"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), // a stand-in: gofunction builds the real one
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => {}")),
	})
	idem.Grant(notifier)
	notifier.AddEnvironment(jsii.String("IDEMPOTENCY_TABLE_NAME"), idem.Table.TableName(), nil)

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::DynamoDB::Table"), nil) {
		p := (*r)["Properties"].(map[string]any)
		fmt.Println("key:", p["KeySchema"], "ttl:", p["TimeToLiveSpecification"])
	}
	for _, r := range *tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		doc := (*r)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		fmt.Println("granted:", doc["Statement"].([]any)[0].(map[string]any)["Action"])
	}
	// Output:
	// key: [map[AttributeName:id KeyType:HASH]] ttl: map[AttributeName:expiration Enabled:true]
	// granted: [dynamodb:DeleteItem dynamodb:GetItem dynamodb:PutItem]
}
