// Package constructstest has helpers for the construct packages' tests: a
// stack, a stand-in function that needs no build, and panic capture.
package constructstest

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// Stack returns a new stack "S" in a new app.
func Stack() awscdk.Stack {
	return awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
}

// Function returns a function with inline code and the given timeout in
// seconds: enough to wire, nothing to build.
func Function(stack awscdk.Stack, id string, timeoutSeconds float64) awslambda.Function {
	return awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => {}")),
		Timeout: awscdk.Duration_Seconds(jsii.Number(timeoutSeconds)),
	})
}

// PanicMessage runs f and returns what it panicked with on one line, or ""
// when it did not panic.
func PanicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = strings.Join(strings.Fields(fmt.Sprint(r)), " ")
		}
	}()
	f()
	return ""
}
