package eventbus_test

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventbus"
)

// A custom bus for order events whose archive keeps every event for 90
// days, so that a consumer can be replayed the events it missed.
func ExampleNew() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	eventbus.New(stack, jsii.String("Orders"), &eventbus.Props{
		ArchiveRetention: awscdk.Duration_Days(jsii.Number(90)),
	})

	tmpl := assertions.Template_FromStack(stack, nil)
	for _, r := range *tmpl.FindResources(jsii.String("AWS::Events::Archive"), nil) {
		p := (*r)["Properties"].(map[string]any)
		pattern, _ := json.Marshal(p["EventPattern"])
		fmt.Println("archive:", p["RetentionDays"], "days of", string(pattern))
	}
	tmpl.ResourceCountIs(jsii.String("AWS::Events::EventBus"), jsii.Number(1))
	// Output:
	// archive: 90 days of {"source":[{"prefix":""}]}
}
