package scheduledfunction_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/ruletarget"
	"github.com/example/orderflow/constructs/scheduledfunction"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

var every5 = awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5)))

func TestSchedulerScheduleWithItsOwnGroupRoleAndDeadLetterQueue(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 10)
	sf := scheduledfunction.New(stack, jsii.String("S"), &scheduledfunction.Props{Function: fn, Schedule: every5})
	tmpl := assertions.Template_FromStack(stack, nil)
	dlq, role, group, fnID := constructstest.LogicalID(stack, sf.DeadLetterQueue), constructstest.LogicalID(stack, sf.Role), constructstest.LogicalID(stack, sf.ScheduleGroup), constructstest.LogicalID(stack, fn)

	tmpl.ResourceCountIs(jsii.String("AWS::Events::Rule"), jsii.Number(0))
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(0)) // Scheduler invokes through its role
	tmpl.HasResource(jsii.String("AWS::Scheduler::Schedule"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{group}),
		"Properties": map[string]any{
			"ScheduleExpression":         "rate(5 minutes)",
			"ScheduleExpressionTimezone": "Etc/UTC",
			"FlexibleTimeWindow":         map[string]any{"Mode": "OFF"},
			"GroupName":                  assertions.Match_AnyValue(),
			"State":                      "ENABLED",
			"Name":                       assertions.Match_Absent(),
			"Target": map[string]any{
				"Arn":              map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}},
				"RoleArn":          map[string]any{"Fn::GetAtt": []any{role, "Arn"}},
				"DeadLetterConfig": map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}},
				"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 3600},
			},
		},
	})
	tmpl.HasResource(jsii.String("AWS::Scheduler::ScheduleGroup"), &map[string]any{"DeletionPolicy": "Delete"})
	// The role: Scheduler for this group of this account only; invoke this
	// function and send to this queue, nothing else.
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), &map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "sts:AssumeRole", "Effect": "Allow",
			"Principal": map[string]any{"Service": "scheduler.amazonaws.com"},
			"Condition": map[string]any{"StringEquals": map[string]any{
				"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"},
				"aws:SourceArn":     map[string]any{"Fn::GetAtt": []any{group, "Arn"}},
			}},
		}}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"Roles": []any{map[string]any{"Ref": role}},
		"PolicyDocument": map[string]any{"Statement": []any{
			map[string]any{"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}},
			map[string]any{"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}}},
		}},
	})
	// No queue policy: Scheduler sends to its dead-letter queue with the role.
	tmpl.ResourceCountIs(jsii.String("AWS::SQS::QueuePolicy"), jsii.Number(1)) // the TLS-only one
	tmpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny"})}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{
		"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600, "Qualifier": "$LATEST",
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}}},
	})
	if sf.Rule != nil || sf.Schedule == nil {
		t.Errorf("got Rule %v, Schedule %v; want only a Schedule", sf.Rule, sf.Schedule)
	}
}

func TestSchedulerOptions(t *testing.T) {
	stack := constructstest.Stack()
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	sf := scheduledfunction.New(stack, jsii.String("S"), &scheduledfunction.Props{
		Function:              constructstest.Function(stack, "Fn", 10),
		Schedule:              awsevents.Schedule_Expression(jsii.String("at(2027-01-31T09:30:00)")),
		TimeZone:              jsii.String("Europe/Paris"),
		FlexibleTimeWindow:    awscdk.Duration_Minutes(jsii.Number(15)),
		ScheduleGroup:         awsscheduler.ScheduleGroup_FromDefaultScheduleGroup(stack, jsii.String("Default")),
		Key:                   key,
		Description:           jsii.String("once"),
		DeliveryRetryAttempts: jsii.Number(3),
		DeliveryMaxEventAge:   awscdk.Duration_Hours(jsii.Number(24)),
		ScheduleProps:         &awsscheduler.ScheduleProps{Enabled: jsii.Bool(false)},
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Scheduler::ScheduleGroup"), jsii.Number(0))
	tmpl.HasResourceProperties(jsii.String("AWS::Scheduler::Schedule"), &map[string]any{
		"ScheduleExpression":         "at(2027-01-31T09:30:00)",
		"ScheduleExpressionTimezone": "Europe/Paris",
		"FlexibleTimeWindow":         map[string]any{"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
		"GroupName":                  "default",
		"KmsKeyArn":                  map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, key), "Arn"}},
		"Description":                "once",
		"State":                      "DISABLED",
		"Target":                     assertions.Match_ObjectLike(&map[string]any{"RetryPolicy": map[string]any{"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 86400}}),
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), &map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Statement": []any{assertions.Match_ObjectLike(&map[string]any{
			"Condition": map[string]any{"StringEquals": map[string]any{
				"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"},
				"aws:SourceArn": map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":scheduler:",
					map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"}, ":schedule-group/default"}}},
			}},
		})}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"Roles": []any{map[string]any{"Ref": constructstest.LogicalID(stack, sf.Role)}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Action": "kms:Decrypt", "Effect": "Allow", "Resource": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, key), "Arn"}},
		}})},
	})
}

// The classic scheduled rule stays available; its invoke permission is the
// rule's child, for this rule and account only.
func TestRuleKind(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.Function(stack, "Fn", 10)
	sf := scheduledfunction.New(stack, jsii.String("S"), &scheduledfunction.Props{Function: fn, Schedule: every5, Kind: scheduledfunction.KindRule,
		RuleProps: &awsevents.RuleProps{Enabled: jsii.Bool(false)}})
	tmpl := assertions.Template_FromStack(stack, nil)
	rule, dlq := constructstest.LogicalID(stack, sf.Rule), constructstest.LogicalID(stack, sf.DeadLetterQueue)
	tmpl.ResourceCountIs(jsii.String("AWS::Scheduler::Schedule"), jsii.Number(0))
	tmpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(1)) // the function's
	tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
		"ScheduleExpression": "rate(5 minutes)",
		"State":              "DISABLED",
		"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
			"Arn":              map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, fn), "Arn"}},
			"DeadLetterConfig": map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}},
			"RetryPolicy":      map[string]any{"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 185},
		})},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
		"Principal": "events.amazonaws.com", "SourceArn": map[string]any{"Fn::GetAtt": []any{rule, "Arn"}}, "SourceAccount": map[string]any{"Ref": "AWS::AccountId"},
	})
	if sf.Rule.Node().TryFindChild(jsii.String(ruletarget.PermissionID(fn))) == nil {
		t.Error("want the invoke permission under the rule, as AllowEventRule<function unique ID>")
	}
}

// Every integration invokes the function's live alias: the schedule's target,
// the role's permission, the asynchronous-invoke configuration.
func TestInvokesTheLiveAlias(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func(awscdk.Stack, awslambda.Function) awslambda.IFunction
	}{
		{"SetInvokeTarget", func(s awscdk.Stack, fn awslambda.Function) awslambda.IFunction {
			eventsource.SetInvokeTarget(fn, awslambda.NewAlias(s, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()}))
			return fn
		}},
		{"alias given", func(s awscdk.Stack, fn awslambda.Function) awslambda.IFunction {
			return awslambda.NewAlias(s, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			fn := constructstest.Function(stack, "Fn", 10)
			sf := scheduledfunction.New(stack, jsii.String("S"), &scheduledfunction.Props{Function: tt.fn(stack, fn), Schedule: every5})
			tmpl := assertions.Template_FromStack(stack, nil)
			alias := map[string]any{"Ref": constructstest.LogicalID(stack, stack.Node().FindChild(jsii.String("Live")))}
			tmpl.HasResourceProperties(jsii.String("AWS::Scheduler::Schedule"), &map[string]any{"Target": assertions.Match_ObjectLike(&map[string]any{"Arn": alias})})
			tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
				"Roles":          []any{map[string]any{"Ref": constructstest.LogicalID(stack, sf.Role)}},
				"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": alias}})},
			})
			tmpl.ResourceCountIs(jsii.String("AWS::Lambda::EventInvokeConfig"), jsii.Number(1))
			// The alias's configuration (Qualifier: the alias name, taken from its ARN).
			tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), &map[string]any{"Qualifier": assertions.Match_ObjectLike(&map[string]any{"Fn::Select": assertions.Match_AnyValue()})})
			if stack.Node().FindChild(jsii.String("Live")).Node().TryFindChild(jsii.String("EventInvokeConfig")) == nil {
				t.Error("want the asynchronous-invoke configuration under the alias")
			}
		})
	}
}

func TestBadPropsFailSynth(t *testing.T) {
	fifo := &awssqs.QueueProps{Fifo: jsii.Bool(true)}
	for _, tt := range []struct {
		name  string
		props func(awscdk.Stack, awslambda.IFunction) *scheduledfunction.Props
		want  []string
	}{
		{"no schedule", func(_ awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn}
		}, []string{"[S/C] scheduledfunction: Schedule is required (a rate or cron expression, e.g. awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))))"}},
		{"nothing", func(awscdk.Stack, awslambda.IFunction) *scheduledfunction.Props { return nil }, []string{
			"[S/C] scheduledfunction: Function is required (the function to run)",
			"[S/C] scheduledfunction: Schedule is required (a rate or cron expression, e.g. awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(5))))",
		}},
		{"event age", func(_ awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: every5, MaxEventAge: awscdk.Duration_Seconds(jsii.Number(30))}
		}, []string{"[S/C] scheduledfunction: MaxEventAge 30s is outside 60-21600s (Lambda asynchronous invocation)"}},
		{"event age fraction", func(_ awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: every5, MaxEventAge: awscdk.Duration_Millis(jsii.Number(90500))}
		}, []string{"[S/C] scheduledfunction: MaxEventAge 90.5s is not a whole number of seconds"}},
		{"cron", func(_ awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: awsevents.Schedule_Expression(jsii.String("cron(0 25 * * ? *)"))}
		}, []string{`[S/C] scheduledfunction: Schedule "cron(0 25 * * ? *)" has the hours field "25": 25 is outside 0-23`}},
		{"time zone", func(_ awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: every5, TimeZone: jsii.String("Europe/Pariss")}
		}, []string{`[S/C] scheduledfunction: TimeZone "Europe/Pariss" is not an IANA time zone name (e.g. Europe/Paris, America/New_York, UTC)`}},
		{"scheduler and delivery limits", func(_ awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: every5, FlexibleTimeWindow: awscdk.Duration_Hours(jsii.Number(25)),
				DeliveryRetryAttempts: jsii.Number(186), DeliveryMaxEventAge: awscdk.Duration_Seconds(jsii.Number(59))}
		}, []string{
			"[S/C] scheduledfunction: FlexibleTimeWindow 90000s is outside 60-86400s (EventBridge Scheduler, whole minutes)",
			"[S/C] scheduledfunction: DeliveryRetryAttempts 186 is outside 0-185 (EventBridge Scheduler and EventBridge retry policy)",
			"[S/C] scheduledfunction: DeliveryMaxEventAge 59s is outside 60-86400s (EventBridge Scheduler and EventBridge retry policy)",
		}},
		{"flexible window in seconds", func(_ awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: every5, FlexibleTimeWindow: awscdk.Duration_Seconds(jsii.Number(90))}
		}, []string{"[S/C] scheduledfunction: FlexibleTimeWindow 90s is not a whole number of minutes (EventBridge Scheduler)"}},
		{"scheduler settings on a rule", func(s awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Kind: scheduledfunction.KindRule, Schedule: awsevents.Schedule_Expression(jsii.String("at(2027-01-31T09:30:00)")),
				TimeZone: jsii.String("Europe/Paris"), ScheduleGroup: awsscheduler.ScheduleGroup_FromDefaultScheduleGroup(s, jsii.String("G"))}
		}, []string{
			`[S/C] scheduledfunction: Schedule "at(2027-01-31T09:30:00)" is a one-time schedule, which only EventBridge Scheduler runs: EventBridge rules take rate and cron expressions; use Kind KindScheduler`,
			"[S/C] scheduledfunction: TimeZone is set with Kind KindRule: it configures an EventBridge Scheduler schedule; use KindScheduler, or leave it out (a scheduled rule runs in UTC)",
			"[S/C] scheduledfunction: ScheduleGroup is set with Kind KindRule: it configures an EventBridge Scheduler schedule; use KindScheduler, or leave it out (a scheduled rule runs in UTC)",
		}},
		{"FIFO dead-letter queue, scheduler", func(_ awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: every5, DeadLetterQueueProps: fifo}
		}, []string{"[S/C] scheduledfunction: DeadLetterQueueProps make the dead-letter queue a FIFO queue: EventBridge Scheduler writes to standard queues only (\"Configuring a schedule's dead-letter queue\"); leave Fifo unset"}},
		{"FIFO and KMS dead-letter queue, rule", func(_ awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: every5, Kind: scheduledfunction.KindRule,
				DeadLetterQueueProps: &awssqs.QueueProps{Fifo: jsii.Bool(true), Encryption: awssqs.QueueEncryption_KMS}}
		}, []string{
			"[S/C] scheduledfunction: DeadLetterQueueProps make the dead-letter queue a FIFO queue: EventBridge writes to standard queues only (\"SQS FIFO is not supported by Dead Letter Queues\"); leave Fifo unset",
			"[S/C] scheduledfunction: DeadLetterQueueProps encrypt the dead-letter queue with a KMS key: EventBridge could use it only through a key policy open to every rule of every account (its KMS requests carry no source ARN or account); keep SSE-SQS, the default",
		}},
		{"overrides of what the construct builds", func(_ awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: every5, ScheduleProps: &awsscheduler.ScheduleProps{Description: jsii.String("x")},
				RuleProps: &awsevents.RuleProps{}}
		}, []string{
			"[S/C] scheduledfunction: RuleProps is set with Kind KindScheduler: it configures a scheduled rule (KindRule); use ScheduleProps",
			"[S/C] scheduledfunction: ScheduleProps.Description is set: it is built from this construct's props (Schedule, TimeZone, Function, ScheduleGroup, Key, FlexibleTimeWindow, Description); set it there",
		}},
		{"unknown kind", func(_ awscdk.Stack, fn awslambda.IFunction) *scheduledfunction.Props {
			return &scheduledfunction.Props{Function: fn, Schedule: every5, Kind: "cron"}
		}, []string{`[S/C] scheduledfunction: Kind "cron" is not KindScheduler ("scheduler") or KindRule ("rule")`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			sf := scheduledfunction.New(stack, jsii.String("C"), tt.props(stack, constructstest.Function(stack, "Fn", 10)))
			if sf.DeadLetterQueueAlarm == nil || (sf.Rule == nil && sf.Schedule == nil) {
				t.Error("want the schedule or rule and the alarm built")
			}
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}

// The construct is a construct: tags reach what it defined (the schedule
// group, which Scheduler tags for its schedules), dependencies cover it.
func TestIsAConstructOverEverythingItDefines(t *testing.T) {
	stack := constructstest.Stack()
	sf := scheduledfunction.New(stack, jsii.String("S"), &scheduledfunction.Props{Function: constructstest.Function(stack, "Fn", 10), Schedule: every5})
	awscdk.Tags_Of(sf).Add(jsii.String("team"), jsii.String("ops"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(sf)
	if got := sf.Node().FindChild(jsii.String("Schedule")); got == nil || *got.Node().Path() != *sf.Schedule.Node().Path() {
		t.Fatalf("got %v, want the schedule as child Schedule", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tag := assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "ops"}})
	for _, typ := range []string{"AWS::Scheduler::ScheduleGroup", "AWS::IAM::Role", "AWS::SQS::Queue"} {
		tmpl.ResourcePropertiesCountIs(jsii.String(typ), &map[string]any{"Tags": tag}, jsii.Number(1))
	}
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{"Tags": tag}, jsii.Number(2))
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), &map[string]any{"Tags": tag}, jsii.Number(0))
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{constructstest.LogicalID(stack, sf.Role), constructstest.LogicalID(stack, sf.Schedule), constructstest.LogicalID(stack, sf.ScheduleGroup)}),
	})
}

// The reference app's sweep schedule, deployed with v0.0 as a rule, keeps
// the logical IDs of its rule, invoke permission, dead-letter queue and
// alarm with KindRule (the permission gains aws:SourceAccount, which
// replaces it in place: a new statement ID, then the old one deleted).
func TestRuleKindKeepsTheLogicalIDsOfV0(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("OrderFlow-dev-Service"), nil)
	fn := awslambda.NewFunction(constructs.NewConstruct(stack, jsii.String("Sweeper")), jsii.String("Function"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"), Code: awslambda.Code_FromInline(jsii.String("x")),
	})
	sf := scheduledfunction.New(stack, jsii.String("SweepSchedule"), &scheduledfunction.Props{Function: fn, Schedule: every5, Kind: scheduledfunction.KindRule})
	// From test/testdata/snapshots/dev/OrderFlow-dev-Service.template.json.
	for _, tt := range []struct {
		got  string
		want string
	}{
		{constructstest.LogicalID(stack, sf.Rule), "SweepScheduleRuleF62C9E7D"},
		{constructstest.LogicalID(stack, sf.Rule.Node().FindChild(jsii.String(ruletarget.PermissionID(fn)))), "SweepScheduleRuleAllowEventRuleOrderFlowdevServiceSweeperFunction8C1ECEACB1F50B24"},
		{constructstest.LogicalID(stack, sf.DeadLetterQueue), "SweepScheduleDeadLetterQueueBA0ADD9A"},
		{constructstest.LogicalID(stack, sf.DeadLetterQueueAlarm), "SweepScheduleDeadLetterQueueAlarmBBE3444F"},
	} {
		if tt.got != tt.want {
			t.Errorf("got logical ID %s, want %s", tt.got, tt.want)
		}
	}
}

func TestCdkNagClean(t *testing.T) {
	for _, kind := range []scheduledfunction.Kind{scheduledfunction.KindScheduler, scheduledfunction.KindRule} {
		t.Run(string(kind), func(t *testing.T) {
			stack := constructstest.Stack()
			scheduledfunction.New(stack, jsii.String("S"), &scheduledfunction.Props{Function: constructstest.NagCleanFunction(stack, "Fn", 10), Schedule: every5, Kind: kind})
			constructstest.NoNagFindings(t, stack)
		})
	}
}
