package gofunction

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/eventsource"
)

func logicalID(stack awscdk.Stack, c constructs.IConstruct) string {
	return constructstest.LogicalID(stack, c)
}

// An alias publishes a retained version and becomes what integrations
// invoke.
func TestAliasPublishesARetainedVersion(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	f := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), Alias: &AliasProps{}})
	plain := New(stack, jsii.String("Plain"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b"))})

	if f.Alias == nil || f.Version == nil || f.InvokeTarget != f.Alias {
		t.Fatalf("got Alias %v, Version %v, InvokeTarget %v; want an alias and version, and the alias as InvokeTarget", f.Alias, f.Version, f.InvokeTarget)
	}
	if got := eventsource.InvokeTarget(f.Function); got != f.Alias {
		t.Errorf("eventsource.InvokeTarget: got %v, want the alias", got)
	}
	if plain.InvokeTarget != plain.Function || plain.Alias != nil || plain.DeploymentGroup != nil {
		t.Errorf("without Alias: got InvokeTarget %v, Alias %v, DeploymentGroup %v; want the function, nil, nil", plain.InvokeTarget, plain.Alias, plain.DeploymentGroup)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Version"), jsii.Number(1))
	tmpl.HasResource(jsii.String("AWS::Lambda::Version"), &map[string]any{
		"Properties":          map[string]any{"FunctionName": map[string]any{"Ref": logicalID(stack, f.Function)}},
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Alias"), &map[string]any{
		"Name":            DefaultAliasName,
		"FunctionName":    map[string]any{"Ref": logicalID(stack, f.Function)},
		"FunctionVersion": map[string]any{"Fn::GetAtt": []any{logicalID(stack, f.Version), "Version"}},
	})
	// No deployment preference: CloudFormation moves the alias itself.
	tmpl.ResourceCountIs(jsii.String("AWS::CodeDeploy::DeploymentGroup"), jsii.Number(0))
	tmpl.HasResource(jsii.String("AWS::Lambda::Alias"), &map[string]any{"UpdatePolicy": assertions.Match_Absent()})
}

// A version is published exactly when code or versioned configuration
// changes: its logical ID follows them and nothing else.
func TestVersionChangesWithCodeAndConfigurationOnly(t *testing.T) {
	mod := copyModule(t)
	outdir := t.TempDir()
	versionID := func(env string, reserved float64) string {
		stack := newStack(t, outdir)
		f := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), Alias: &AliasProps{},
			Environment: &map[string]*string{"MODE": jsii.String(env)}, ReservedConcurrentExecutions: jsii.Number(reserved)})
		assertions.Template_FromStack(stack, nil)
		return logicalID(stack, f.Version)
	}
	base := versionID("a", 5)
	if got := versionID("a", 5); got != base {
		t.Errorf("unchanged function: got version %s, want %s (no new version)", got, base)
	}
	if got := versionID("a", 6); got != base {
		t.Errorf("reserved concurrency changed: got version %s, want %s (Lambda does not version it: a new version would fail the deploy)", got, base)
	}
	if got := versionID("b", 5); got == base {
		t.Errorf("environment changed: got the same version %s, want a new one", got)
	}
	if err := os.WriteFile(filepath.Join(mod, "lib", "lib.go"), []byte("package lib\n\nconst Greeting = \"changed\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := versionID("a", 5); got == base {
		t.Errorf("code changed: got the same version %s, want a new one", got)
	}
}

// A gradual deployment: CodeDeploy shifts the alias with the preset or
// custom config, rolled back by alarms on the new version only, with a role
// of the construct's own that holds exactly what CodeDeploy needs.
func TestDeployment(t *testing.T) {
	mod := copyModule(t)
	app := constructstest.NewApp(t)
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	hook := New(stack, jsii.String("Hook"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b"))})
	extra := awscloudwatch.NewAlarm(stack, jsii.String("Extra"), &awscloudwatch.AlarmProps{
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("Orders"), MetricName: jsii.String("Rejected")}), Threshold: jsii.Number(10), EvaluationPeriods: jsii.Number(1),
	})
	f := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), Timeout: awscdk.Duration_Seconds(jsii.Number(20)),
		Alias: &AliasProps{Deployment: &DeploymentProps{
			Config:     awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_1MINUTE(),
			PreTraffic: hook.Function, PostTraffic: hook.Function,
			Alarms: []awscloudwatch.IAlarm{extra},
		}}})
	tmpl := assertions.Template_FromStack(stack, nil)
	fnID, versionID := logicalID(stack, f.Function), logicalID(stack, f.Version)

	// Rollback alarms: the new version's Errors, Throttles and Duration.
	for _, tt := range []struct {
		alarm  awscloudwatch.Alarm
		metric string
		stat   map[string]any
		limit  float64
	}{
		{f.NewVersionErrorsAlarm, "Errors", map[string]any{"Statistic": "Sum"}, 0},
		{f.NewVersionThrottlesAlarm, "Throttles", map[string]any{"Statistic": "Sum"}, 0},
		{f.NewVersionDurationAlarm, "Duration", map[string]any{"ExtendedStatistic": "p99"}, 16_000},
	} {
		want := map[string]any{
			"Namespace": "AWS/Lambda", "MetricName": tt.metric, "Threshold": tt.limit, "Period": 300,
			"Dimensions": []any{
				map[string]any{"Name": "ExecutedVersion", "Value": map[string]any{"Fn::GetAtt": []any{versionID, "Version"}}},
				map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": fnID}},
				map[string]any{"Name": "Resource", "Value": map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Ref": fnID}, ":live"}}}},
			},
		}
		for k, v := range tt.stat {
			want[k] = v
		}
		assertions.Template_FromJSON(&map[string]any{"Resources": map[string]any{"A": (*tmpl.ToJSON())["Resources"].(map[string]any)[logicalID(stack, tt.alarm)]}}, nil).
			HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &want)
	}
	alarmRef := func(a awscloudwatch.IAlarm) any {
		return map[string]any{"Name": map[string]any{"Ref": logicalID(stack, a)}}
	}
	groupID := logicalID(stack, f.DeploymentGroup)
	tmpl.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentGroup"), &map[string]any{
		"DeploymentConfigName": "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
		"AlarmConfiguration": map[string]any{"Enabled": true, "Alarms": []any{
			alarmRef(f.NewVersionErrorsAlarm), alarmRef(f.NewVersionThrottlesAlarm), alarmRef(f.NewVersionDurationAlarm), alarmRef(extra),
		}},
		"AutoRollbackConfiguration": map[string]any{"Enabled": true, "Events": []any{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}},
		"ServiceRoleArn":            map[string]any{"Fn::GetAtt": []any{logicalID(stack, f.DeploymentRole), "Arn"}},
	})
	// The function's own alarms (every version) are not rollback alarms.
	for _, a := range f.Alarms {
		tmpl.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentGroup"), &map[string]any{
			"AlarmConfiguration": map[string]any{"Alarms": assertions.Match_Not(assertions.Match_ArrayWith(&[]any{alarmRef(a)}))},
		})
	}
	// The alias update starts the deployment after the alarms and the
	// role's policy are updated, and the group (named by the UpdatePolicy;
	// no redundant DependsOn on it).
	policyID := logicalID(stack, f.DeploymentRole.Node().FindChild(jsii.String("DefaultPolicy")))
	tmpl.HasResource(jsii.String("AWS::Lambda::Alias"), &map[string]any{
		"DependsOn": assertions.Match_Not(assertions.Match_ArrayWith(&[]any{groupID})),
	})
	tmpl.HasResource(jsii.String("AWS::Lambda::Alias"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{policyID, logicalID(stack, f.DeploymentRole), // in logical ID order
			logicalID(stack, f.NewVersionDurationAlarm), logicalID(stack, f.NewVersionErrorsAlarm), logicalID(stack, f.NewVersionThrottlesAlarm)}),
		"UpdatePolicy": map[string]any{"CodeDeployLambdaAliasUpdate": map[string]any{
			"DeploymentGroupName":    map[string]any{"Ref": groupID},
			"BeforeAllowTrafficHook": map[string]any{"Ref": logicalID(stack, hook.Function)},
			"AfterAllowTrafficHook":  map[string]any{"Ref": logicalID(stack, hook.Function)},
		}},
	})

	// The service role: no managed policy, exactly these statements.
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), &map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "codedeploy.amazonaws.com"},
			"Condition": map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}},
				"ArnLike": map[string]any{"aws:SourceArn": map[string]any{"Fn::Join": []any{"", []any{
					"arn:", map[string]any{"Ref": "AWS::Partition"}, ":codedeploy:", map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"},
					":deploymentgroup:", map[string]any{"Ref": logicalID(stack, f.DeploymentGroup.Application())}, "/*",
				}}}},
			},
		}}},
		"ManagedPolicyArns": assertions.Match_Absent(),
	})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::IAM::Role"), &map[string]any{"ManagedPolicyArns": assertions.Match_AnyValue()}, jsii.Number(0))
	fnArn := map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}}
	alarmArn := func(a awscloudwatch.IAlarm) any {
		return map[string]any{"Fn::GetAtt": []any{logicalID(stack, a), "Arn"}}
	}
	// (The library's feature flags minimize policies: sorted, deduplicated.)
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"Roles": []any{map[string]any{"Ref": logicalID(stack, f.DeploymentRole)}},
		"PolicyDocument": map[string]any{"Statement": []any{
			map[string]any{"Effect": "Allow", "Action": []any{"lambda:GetAlias", "lambda:GetProvisionedConcurrencyConfig", "lambda:UpdateAlias"},
				"Resource": []any{fnArn, map[string]any{"Fn::Join": []any{"", []any{fnArn, ":live"}}}}},
			map[string]any{"Effect": "Allow", "Action": "cloudwatch:DescribeAlarms",
				"Resource": []any{alarmArn(extra), alarmArn(f.NewVersionDurationAlarm), alarmArn(f.NewVersionErrorsAlarm), alarmArn(f.NewVersionThrottlesAlarm)}},
			map[string]any{"Effect": "Allow", "Action": "lambda:InvokeFunction",
				"Resource": map[string]any{"Fn::GetAtt": []any{logicalID(stack, hook.Function), "Arn"}}},
		}},
	})
	// The hook reports to this deployment group only.
	groupArn := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"}, ":codedeploy:", map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"},
		":deploymentgroup:", map[string]any{"Ref": logicalID(stack, f.DeploymentGroup.Application())}, "/", map[string]any{"Ref": groupID},
	}}}
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"Roles": []any{map[string]any{"Ref": logicalID(stack, hook.Role)}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Effect": "Allow", "Action": "codedeploy:PutLifecycleEventHookExecutionStatus", "Resource": groupArn,
		}})},
	})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action": "codedeploy:PutLifecycleEventHookExecutionStatus",
		})})},
	}, jsii.Number(1))
}

// A function with an alias, provisioned concurrency and a deployment with
// hooks passes cdk-nag's AwsSolutions and Serverless packs.
func TestAliasAndDeploymentAreNagClean(t *testing.T) {
	mod := copyModule(t)
	stack := awscdk.NewStack(constructstest.NewApp(t), jsii.String("S"), nil)
	hook := New(stack, jsii.String("Hook"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b"))})
	f := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), Alias: &AliasProps{
		ProvisionedConcurrency: jsii.Number(2), Scaling: &ScalingProps{MaxCapacity: jsii.Number(4), UtilizationTarget: jsii.Number(0.7)},
		Deployment: &DeploymentProps{PreTraffic: hook.Function},
	}})
	eventsource.NotAsyncInvoked(f.Function, "the test wires no source") // a source construct says how it invokes
	constructstest.NoNagFindings(t, stack)
}

// A function no trigger construct invokes fails Serverless-LambdaDLQ until
// eventsource.NotAsyncInvoked says how it is invoked, as the package doc
// shows.
func TestBareFunctionNagFinding(t *testing.T) {
	mod := copyModule(t)
	for _, declared := range []bool{false, true} {
		stack := awscdk.NewStack(constructstest.NewApp(t), jsii.String("S"), nil)
		f := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a"))})
		if declared {
			eventsource.NotAsyncInvoked(f.Function, "a Step Functions task invokes it synchronously and gets every error")
		}
		findings := strings.Join(constructstest.NagFindings(t, stack), "\n")
		if got := strings.Contains(findings, "Serverless-LambdaDLQ"); got == declared {
			t.Errorf("NotAsyncInvoked %t: got findings %q, want Serverless-LambdaDLQ only without it", declared, findings)
		}
		if declared && findings != "" {
			t.Errorf("declared: got findings %q, want none", findings)
		}
	}
}

// The default preset is the CDK's canary, and a custom config works too.
func TestDeploymentConfigs(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	New(stack, jsii.String("Canary"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), Alias: &AliasProps{Deployment: &DeploymentProps{}}})
	custom := awscodedeploy.NewLambdaDeploymentConfig(stack, jsii.String("FivePercent"), &awscodedeploy.LambdaDeploymentConfigProps{
		TrafficRouting: awscodedeploy.TrafficRouting_TimeBasedCanary(&awscodedeploy.TimeBasedCanaryTrafficRoutingProps{
			Percentage: jsii.Number(5), Interval: awscdk.Duration_Minutes(jsii.Number(15)),
		}),
	})
	New(stack, jsii.String("Custom"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b")), Alias: &AliasProps{Name: jsii.String("prod"), Deployment: &DeploymentProps{Config: custom}}})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentGroup"), &map[string]any{"DeploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes"})
	tmpl.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentGroup"), &map[string]any{"DeploymentConfigName": map[string]any{"Ref": logicalID(stack, custom)}})
	tmpl.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentConfig"), &map[string]any{
		"ComputePlatform": "Lambda",
		"TrafficRoutingConfig": map[string]any{"Type": "TimeBasedCanary", "TimeBasedCanary": map[string]any{
			"CanaryPercentage": 5, "CanaryInterval": 15,
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Alias"), &map[string]any{"Name": "prod"})
}

// Provisioned concurrency on the alias, with target tracking and a
// schedule.
func TestProvisionedConcurrency(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	f := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), ReservedConcurrentExecutions: jsii.Number(50),
		Alias: &AliasProps{ProvisionedConcurrency: jsii.Number(5), Scaling: &ScalingProps{
			MinCapacity: jsii.Number(2), MaxCapacity: jsii.Number(50), UtilizationTarget: jsii.Number(0.7),
			Schedules: []Schedule{{ID: "LunchPeak", ScalingSchedule: awsapplicationautoscaling.ScalingSchedule{
				Schedule:    awsapplicationautoscaling.Schedule_Cron(&awsapplicationautoscaling.CronOptions{Hour: jsii.String("11"), Minute: jsii.String("30")}),
				MinCapacity: jsii.Number(20),
			}}},
		}}})
	if f.ProvisionedConcurrencyScaling == nil {
		t.Fatal("got no ProvisionedConcurrencyScaling")
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Alias"), &map[string]any{
		"ProvisionedConcurrencyConfig": map[string]any{"ProvisionedConcurrentExecutions": 5},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalableTarget"), &map[string]any{
		"MinCapacity": 2, "MaxCapacity": 50, "ScalableDimension": "lambda:function:ProvisionedConcurrency", "ServiceNamespace": "lambda",
		"ScheduledActions": []any{map[string]any{
			"ScheduledActionName": "LunchPeak", "Schedule": "cron(30 11 * * ? *)", "ScalableTargetAction": map[string]any{"MinCapacity": 20},
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), &map[string]any{
		"PolicyType": "TargetTrackingScaling",
		"TargetTrackingScalingPolicyConfiguration": map[string]any{
			"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"},
			"TargetValue":                   0.7,
		},
	})
}

// Provisioned concurrency above the function's reserved concurrency fails
// synth naming both values, wherever the reservation was set: Props, or
// the L1 after New (as the reference app does).
func TestProvisionedConcurrencyAboveReserved(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	New(stack, jsii.String("Props"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), ReservedConcurrentExecutions: jsii.Number(10),
		Alias: &AliasProps{ProvisionedConcurrency: jsii.Number(12)}})
	l1 := New(stack, jsii.String("L1"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b")),
		Alias: &AliasProps{ProvisionedConcurrency: jsii.Number(5), Scaling: &ScalingProps{MaxCapacity: jsii.Number(40), Schedules: []Schedule{
			{ID: "Peak", ScalingSchedule: awsapplicationautoscaling.ScalingSchedule{Schedule: awsapplicationautoscaling.Schedule_Rate(awscdk.Duration_Hours(jsii.Number(1))), MaxCapacity: jsii.Number(35)}},
		}}}})
	l1.Function.Node().DefaultChild().(awslambda.CfnFunction).SetReservedConcurrentExecutions(jsii.Number(30))
	constructstest.WantProblems(t, stack,
		"[S/Props] gofunction: Alias.ProvisionedConcurrency 12 exceeds the function's ReservedConcurrentExecutions 10 (Lambda: provisioned concurrency cannot exceed reserved concurrency)",
		"[S/L1] gofunction: Alias.Scaling.MaxCapacity 40 exceeds the function's ReservedConcurrentExecutions 30 (Lambda: provisioned concurrency cannot exceed reserved concurrency)",
		"[S/L1] gofunction: Alias.Scaling.Schedules[0].MaxCapacity 35 exceeds the function's ReservedConcurrentExecutions 30 (Lambda: provisioned concurrency cannot exceed reserved concurrency)",
	)
}

func TestAliasPropsViolationsFailSynth(t *testing.T) {
	mod := copyModule(t)
	entry := jsii.String(filepath.Join(mod, "fn", "a"))
	every := awsapplicationautoscaling.Schedule_Rate(awscdk.Duration_Hours(jsii.Number(1)))
	tests := []struct {
		name  string
		alias *AliasProps
		want  []string
	}{
		{"name with a dot", &AliasProps{Name: jsii.String("v1.2")}, []string{`gofunction: Alias.Name "v1.2" is not an alias name: 1-128 letters, digits, "-" and "_", not only digits (Lambda alias names)`}},
		{"name of digits", &AliasProps{Name: jsii.String("12")}, []string{`gofunction: Alias.Name "12" is not an alias name: 1-128 letters, digits, "-" and "_", not only digits (Lambda alias names)`}},
		{"no provisioned concurrency", &AliasProps{ProvisionedConcurrency: jsii.Number(0)}, []string{"gofunction: Alias.ProvisionedConcurrency 0 is not a whole number of at least 1 (Lambda provisioned concurrency)"}},
		{"fractional provisioned concurrency", &AliasProps{ProvisionedConcurrency: jsii.Number(2.5)}, []string{"gofunction: Alias.ProvisionedConcurrency 2.5 is not a whole number of at least 1 (Lambda provisioned concurrency)"}},
		{"scaling without maximum", &AliasProps{Scaling: &ScalingProps{}}, []string{"gofunction: Alias.Scaling.MaxCapacity is required (the most provisioned concurrency Application Auto Scaling may set)"}},
		{"scaling upside down", &AliasProps{Scaling: &ScalingProps{MinCapacity: jsii.Number(10), MaxCapacity: jsii.Number(5)}}, []string{"gofunction: Alias.Scaling.MaxCapacity 5 is below MinCapacity 10"}},
		{"start outside scaling", &AliasProps{ProvisionedConcurrency: jsii.Number(20), Scaling: &ScalingProps{MaxCapacity: jsii.Number(10)}}, []string{"gofunction: Alias.ProvisionedConcurrency 20 is outside Scaling's 1-10 (MinCapacity-MaxCapacity)"}},
		{"utilization target", &AliasProps{Scaling: &ScalingProps{MaxCapacity: jsii.Number(10), UtilizationTarget: jsii.Number(95)}}, []string{"gofunction: Alias.Scaling.UtilizationTarget 95 is outside 0.1-0.9 (target tracking of ProvisionedConcurrencyUtilization)"}},
		{"schedule without ID or capacity", &AliasProps{Scaling: &ScalingProps{MaxCapacity: jsii.Number(10), Schedules: []Schedule{{ScalingSchedule: awsapplicationautoscaling.ScalingSchedule{Schedule: every}}}}}, []string{
			"gofunction: Alias.Scaling.Schedules[0].ID is required (the construct ID of the scheduled action)",
			"gofunction: Alias.Scaling.Schedules[0].MinCapacity or MaxCapacity is required (the capacities the action sets)",
		}},
		{"hook imported without role", &AliasProps{Deployment: &DeploymentProps{PreTraffic: awslambda.Function_FromFunctionArn(constructs.NewConstruct(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Other"), nil), jsii.String("X")), jsii.String("Hook"), jsii.String("arn:aws:lambda:us-east-1:123456789012:function:hook"))}},
			[]string{"gofunction: Alias.Deployment.PreTraffic Other/X/Hook is imported without its execution role, which needs codedeploy:PutLifecycleEventHookExecutionStatus on the deployment group: import it with awslambda.Function_FromFunctionAttributes and Role (e.g. awsiam.Role_FromRoleArn)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := newStack(t, t.TempDir())
			New(stack, jsii.String("Fn"), &Props{Entry: entry, Alias: tt.alias})
			var want []string
			for _, w := range tt.want {
				want = append(want, "[S/Fn] "+w)
			}
			if got := synthProblems(t, stack); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// Without the CDK's version-properties fix the hash would cover reserved
// concurrency and tags: synth refuses.
func TestAliasNeedsRecognizeVersionProps(t *testing.T) {
	mod := copyModule(t)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &map[string]any{"@aws-cdk/aws-lambda:recognizeVersionProps": false}})
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), Alias: &AliasProps{}})
	constructstest.WantProblems(t, stack, `[S/Fn] gofunction: Alias needs the feature flag @aws-cdk/aws-lambda:recognizeVersionProps (true, the CDK v2 default): without it the version hash covers settings Lambda does not version (reserved concurrency, tags), and a change of one fails the deploy with "A version for this Lambda function exists"`)
}
