// Command brokenapp is an app with bad props in two constructs, whose main is
// cdkapp.Main as README's reuse section shows: cdkapp_test runs it and checks
// that it prints one line per problem and exits 1, without a Go panic.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/cdkapp"
	"github.com/example/orderflow/constructs/gofunction"
	"github.com/example/orderflow/constructs/queueworker"
)

func main() {
	cdkapp.Main(func(app awscdk.App) {
		stack := awscdk.NewStack(app, jsii.String("Broken"), nil)
		fn := gofunction.New(stack, jsii.String("Worker"), &gofunction.Props{MemorySize: jsii.Number(64)})
		queueworker.New(stack, jsii.String("Jobs"), &queueworker.Props{Function: fn.Function, BatchSize: jsii.Number(11)})
	})
}
