package scheduledfunction_test

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/constructstest"
	"github.com/example/orderflow/constructs/scheduledfunction"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestScheduleWithRetriesAndDeadLetterQueue(t *testing.T) {
	stack := constructstest.Stack()
	scheduledfunction.New(stack, jsii.String("S"), &scheduledfunction.Props{
		Function: constructstest.Function(stack, "Fn", 10),
		Schedule: awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
		"ScheduleExpression": "rate(5 minutes)",
		"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
			"DeadLetterConfig": assertions.Match_AnyValue(),
			"RetryPolicy":      map[string]any{"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 2},
		})},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
		"MaximumRetryAttempts": 2, "DestinationConfig": map[string]any{"OnFailure": assertions.Match_AnyValue()},
	})
}

func TestBadPropsFail(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 10)
	for _, tt := range []struct {
		name  string
		props *scheduledfunction.Props
		want  string
	}{
		{"no schedule", &scheduledfunction.Props{Function: fn}, "scheduledfunction: Function and Schedule are required"},
		{"event age", &scheduledfunction.Props{Function: fn, Schedule: awsevents.Schedule_Rate(awscdk.Duration_Hours(jsii.Number(1))),
			MaxEventAge: awscdk.Duration_Seconds(jsii.Number(30))}, "scheduledfunction: MaxEventAge 30s is outside 60-21600s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := constructstest.PanicMessage(func() { scheduledfunction.New(stack, jsii.String(tt.name), tt.props) })
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
