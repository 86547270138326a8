package scheduledfunction_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
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

func TestBadPropsFailSynth(t *testing.T) {
	for _, tt := range []struct {
		name  string
		props func(awslambda.IFunction) *scheduledfunction.Props
		want  []string
	}{
		{"no schedule", func(fn awslambda.IFunction) *scheduledfunction.Props { return &scheduledfunction.Props{Function: fn} },
			[]string{"[S/C] scheduledfunction: Schedule is required (a rate or cron expression, e.g. awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))))"}},
		{"nothing", func(awslambda.IFunction) *scheduledfunction.Props { return nil }, []string{
			"[S/C] scheduledfunction: Function is required (the function to run)",
			"[S/C] scheduledfunction: Schedule is required (a rate or cron expression, e.g. awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))))",
		}},
		{"event age", func(fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: awsevents.Schedule_Rate(awscdk.Duration_Hours(jsii.Number(1))),
				MaxEventAge: awscdk.Duration_Seconds(jsii.Number(30))}
		}, []string{"[S/C] scheduledfunction: MaxEventAge 30s is outside 60-21600s (Lambda asynchronous invocation)"}},
		{"event age fraction", func(fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: awsevents.Schedule_Rate(awscdk.Duration_Hours(jsii.Number(1))),
				MaxEventAge: awscdk.Duration_Millis(jsii.Number(90500))}
		}, []string{"[S/C] scheduledfunction: MaxEventAge 90.5s is not a whole number of seconds"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			sf := scheduledfunction.New(stack, jsii.String("C"), tt.props(constructstest.Function(stack, "Fn", 10)))
			if sf.Rule == nil || sf.DeadLetterQueueAlarm == nil {
				t.Error("want the rule and the alarm built")
			}
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}
