package gofunction

import (
	"fmt"
	"math"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/nag"
)

// DefaultAliasName is the name of the live alias when AliasProps.Name is nil.
const DefaultAliasName = "live"

// Limits of the alias's provisioned concurrency and its scaling checked at
// synth (Lambda quotas and Application Auto Scaling's target tracking for
// Lambda, https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html).
const (
	MinProvisionedConcurrency = 1   // executions; an alias without any has none configured
	MinUtilizationTarget      = 0.1 // ProvisionedConcurrencyUtilization target, as the CDK checks it
	MaxUtilizationTarget      = 0.9
	MaxAliasNameLength        = 128 // characters of an alias name (Lambda API)
)

// aliasName is what Lambda accepts as an alias name: letters, digits, - and
// _, not only digits (a version number).
var aliasName = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// AliasProps publishes a version of the function and an alias that points
// to it, which every integration of this library invokes
// (eventsource.InvokeTarget): API routes, function URLs, load balancer
// targets, event source mappings, rule and schedule targets, subscriptions
// and their invoke permissions. AWS SAM's AutoPublishAlias, with
// DeploymentPreference as Deployment.
type AliasProps struct {
	// Name of the alias, 1-128 letters, digits, "-" and "_", not only digits
	// (Lambda alias names). Default: "live" (DefaultAliasName).
	Name *string
	// Description of the alias. Default: none.
	Description *string
	// Deployment shifts traffic to a new version gradually through
	// CodeDeploy and rolls it back on an alarm. Default: nil: CloudFormation
	// points the alias at the new version at once, with no rollback but
	// the stack's own.
	Deployment *DeploymentProps
	// ProvisionedConcurrency: execution environments Lambda keeps
	// initialized for the alias (billed while configured), a whole number of
	// at least 1, at most the function's ReservedConcurrentExecutions when
	// it has one (Lambda: "provisioned concurrency cannot exceed reserved
	// concurrency"), else at most the account's unreserved concurrency minus
	// 100 (checked by Lambda at deploy). With Scaling, the value the alias
	// starts at, within Scaling's capacities. Default: none.
	ProvisionedConcurrency *float64
	// Scaling makes Application Auto Scaling manage the alias's provisioned
	// concurrency: target tracking on ProvisionedConcurrencyUtilization and
	// scheduled capacities. Default: none (ProvisionedConcurrency stays as
	// set).
	Scaling *ScalingProps
}

// DeploymentProps is the deployment preference of the function: how
// CodeDeploy moves the alias to a new version, the alarms that roll it
// back, and the hooks that test it.
//
// The rollback alarms measure the new version only: NewVersionErrorsAlarm,
// NewVersionThrottlesAlarm and NewVersionDurationAlarm read the Errors,
// Throttles and Duration Lambda publishes for invocations through the alias
// (dimensions FunctionName, Resource "<function>:<alias>", ExecutedVersion
// the new version's number), so traffic the old version still serves
// during a canary does not trip them. The function's own alarms
// (ErrorsAlarm, ThrottlesAlarm, DurationAlarm: dimension FunctionName,
// every version) and the alarms of the constructs that feed it are not
// rollback alarms: a dead-letter queue's alarm (queueworker,
// topicsubscriber, eventrule, buckettrigger, scheduledfunction) stays in
// ALARM for messages the old version failed, a queue's message age
// (queueworker) or a stream's iterator age (streamconsumer,
// kinesisconsumer) measures the backlog left before the deploy, and an
// API's, URL's or load balancer's 5xx (httpapi, functionurl, albtarget)
// counts every function behind it or every version: each would roll back a
// good version for the old one's faults.
//
// The alarms are updated (their ExecutedVersion moves to the new version)
// before CloudFormation updates the alias, which starts the deployment:
// the alias depends on them, on the deployment group and on its role.
type DeploymentProps struct {
	// Config: how traffic moves, e.g.
	// awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES(),
	// LINEAR_10PERCENT_EVERY_1MINUTE(), ALL_AT_ONCE(), or a config of your
	// own: awscodedeploy.NewLambdaDeploymentConfig(scope, id,
	// &awscodedeploy.LambdaDeploymentConfigProps{TrafficRouting:
	// awscodedeploy.TrafficRouting_TimeBasedCanary(...)}).
	// Default: awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES()
	// (the CDK's and CodeDeploy's default for Lambda).
	Config awscodedeploy.ILambdaDeploymentConfig
	// PreTraffic is invoked by CodeDeploy before any traffic moves (e.g. to
	// call the new version directly); it reports its result with
	// codedeploy:PutLifecycleEventHookExecutionStatus, which its role is
	// granted on this deployment group only. A function of the app, or an
	// imported one with its role. Default: none.
	PreTraffic awslambda.IFunction
	// PostTraffic is invoked by CodeDeploy once all traffic moved; same
	// grant as PreTraffic. Default: none.
	PostTraffic awslambda.IFunction
	// Alarms of your own that roll the deployment back, in addition to the
	// new version's (see DeploymentProps). Use only alarms that measure the
	// new version: one that is in ALARM because of the old version rolls
	// back every deployment. Default: none.
	Alarms []awscloudwatch.IAlarm
	// Application groups the deployment group with others in CodeDeploy
	// (the service role trusts CodeDeploy for the application's deployment
	// groups). Default: a new application of the function's own (construct
	// ID "DeploymentApplication").
	Application awscodedeploy.ILambdaApplication
}

// ScalingProps configures Application Auto Scaling of the alias's
// provisioned concurrency.
type ScalingProps struct {
	// MinCapacity: the least provisioned concurrency, a whole number of at
	// least 0. Default: 1 (the CDK's).
	MinCapacity *float64
	// MaxCapacity: the most provisioned concurrency, a whole number of at
	// least MinCapacity, at most the function's
	// ReservedConcurrentExecutions when it has one. Required.
	MaxCapacity *float64
	// UtilizationTarget of ProvisionedConcurrencyUtilization that target
	// tracking keeps, 0.1-0.9 (AWS suggests 0.7). Default: none (no target
	// tracking).
	UtilizationTarget *float64
	// Schedules set the capacities at times, e.g. more before a daily peak.
	// Default: none.
	Schedules []Schedule
}

// Schedule is one scheduled scaling action of the alias's provisioned
// concurrency.
type Schedule struct {
	// ID is the construct ID of the action, unique among Schedules. Required.
	ID string
	// ScalingSchedule: when (Schedule, TimeZone, StartTime, EndTime) and
	// which capacities (MinCapacity and/or MaxCapacity, each within
	// ScalingProps' rules). Schedule and a capacity are required.
	awsapplicationautoscaling.ScalingSchedule
}

// checkAlias checks a's settings that need nothing but the props, reports
// each problem and returns the props to build with (nil Alias stays nil).
func checkAlias(problems *eventsource.Problems, a *AliasProps) *AliasProps {
	if a == nil {
		return nil
	}
	p := *a
	if p.Name == nil {
		p.Name = jsii.String(DefaultAliasName)
	} else if n := *p.Name; n == "" || len(n) > MaxAliasNameLength || !aliasName.MatchString(n) || regexp.MustCompile(`^[0-9]+$`).MatchString(n) {
		problems.Addf("Alias.Name %q is not an alias name: 1-%d letters, digits, \"-\" and \"_\", not only digits (Lambda alias names)", n, MaxAliasNameLength)
		p.Name = jsii.String(DefaultAliasName)
	}
	if v := p.ProvisionedConcurrency; v != nil && (*v < MinProvisionedConcurrency || *v != math.Trunc(*v)) {
		problems.Addf("Alias.ProvisionedConcurrency %s is not a whole number of at least %d (Lambda provisioned concurrency)", eventsource.Num(*v), MinProvisionedConcurrency)
		p.ProvisionedConcurrency = nil
	}
	if p.Scaling != nil {
		p.Scaling = checkScaling(problems, p.Scaling, p.ProvisionedConcurrency)
	}
	if p.Deployment != nil {
		d := *p.Deployment
		if d.Config == nil {
			d.Config = awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES()
		}
		for _, h := range []struct {
			field string
			fn    *awslambda.IFunction
		}{{"PreTraffic", &d.PreTraffic}, {"PostTraffic", &d.PostTraffic}} {
			if *h.fn != nil && !problems.FunctionRole("Alias.Deployment."+h.field, *h.fn, "codedeploy:PutLifecycleEventHookExecutionStatus on the deployment group") {
				*h.fn = nil
			}
		}
		p.Deployment = &d
	}
	return &p
}

// checkScaling checks s against itself and the starting provisioned
// concurrency pc; it returns s, or nil when it cannot be built.
func checkScaling(problems *eventsource.Problems, s *ScalingProps, pc *float64) *ScalingProps {
	p := *s
	whole := func(field string, v *float64, min float64) bool {
		if v != nil && (*v < min || *v != math.Trunc(*v)) {
			problems.Addf("Alias.Scaling.%s %s is not a whole number of at least %s (provisioned concurrency)", field, eventsource.Num(*v), eventsource.Num(min))
			return false
		}
		return true
	}
	ok := whole("MinCapacity", p.MinCapacity, 0)
	if p.MinCapacity == nil {
		p.MinCapacity = jsii.Number(1)
	}
	if !problems.Required("Alias.Scaling.MaxCapacity", p.MaxCapacity != nil, "the most provisioned concurrency Application Auto Scaling may set") {
		return nil
	}
	ok = whole("MaxCapacity", p.MaxCapacity, 1) && ok
	if ok && *p.MaxCapacity < *p.MinCapacity {
		problems.Addf("Alias.Scaling.MaxCapacity %s is below MinCapacity %s", eventsource.Num(*p.MaxCapacity), eventsource.Num(*p.MinCapacity))
		ok = false
	}
	if ok && pc != nil && (*pc < *p.MinCapacity || *pc > *p.MaxCapacity) {
		problems.Addf("Alias.ProvisionedConcurrency %s is outside Scaling's %s-%s (MinCapacity-MaxCapacity)", eventsource.Num(*pc), eventsource.Num(*p.MinCapacity), eventsource.Num(*p.MaxCapacity))
	}
	if t := p.UtilizationTarget; t != nil && (*t < MinUtilizationTarget || *t > MaxUtilizationTarget) {
		problems.Addf("Alias.Scaling.UtilizationTarget %s is outside %s-%s (target tracking of ProvisionedConcurrencyUtilization)", eventsource.Num(*t), eventsource.Num(MinUtilizationTarget), eventsource.Num(MaxUtilizationTarget))
		p.UtilizationTarget = nil
	}
	seen := map[string]bool{}
	var schedules []Schedule
	for i, sc := range p.Schedules {
		name := fmt.Sprintf("Alias.Scaling.Schedules[%d]", i)
		good := true
		switch {
		case sc.ID == "":
			problems.Addf("%s.ID is required (the construct ID of the scheduled action)", name)
			good = false
		case seen[sc.ID]:
			problems.Addf("%s.ID %q is used twice: each schedule needs its own", name, sc.ID)
			good = false
		}
		seen[sc.ID] = true
		good = problems.Required(name+".Schedule", sc.Schedule != nil, "when the action runs, e.g. awsapplicationautoscaling.Schedule_Cron(...)") && good
		good = problems.Required(name+".MinCapacity or MaxCapacity", sc.MinCapacity != nil || sc.MaxCapacity != nil, "the capacities the action sets") && good
		good = whole(fmt.Sprintf("Schedules[%d].MinCapacity", i), sc.MinCapacity, 0) && whole(fmt.Sprintf("Schedules[%d].MaxCapacity", i), sc.MaxCapacity, 1) && good
		if good && sc.MinCapacity != nil && sc.MaxCapacity != nil && *sc.MaxCapacity < *sc.MinCapacity {
			problems.Addf("%s.MaxCapacity %s is below its MinCapacity %s", name, eventsource.Num(*sc.MaxCapacity), eventsource.Num(*sc.MinCapacity))
			good = false
		}
		if good {
			schedules = append(schedules, sc)
		}
	}
	p.Schedules = schedules
	if !ok {
		return nil
	}
	return &p
}

// addAlias publishes the function's version, defines the alias and, as
// asked, its deployment group, rollback alarms and scaling, and makes the
// alias the function's invoke target.
func (f *Function) addAlias(problems *eventsource.Problems, a *AliasProps, timeoutMs float64, action awscloudwatch.IAlarmAction) {
	if !*awscdk.FeatureFlags_Of(f).IsEnabled(jsii.String("@aws-cdk/aws-lambda:recognizeVersionProps")) {
		problems.Addf("Alias needs the feature flag @aws-cdk/aws-lambda:recognizeVersionProps (true, the CDK v2 default): without it the version hash covers settings Lambda does not version (reserved concurrency, tags), and a change of one fails the deploy with \"A version for this Lambda function exists\"")
	}
	// fn.CurrentVersion: a new AWS::Lambda::Version (logical ID with a hash
	// of the function's versioned properties, the code's S3 key, our asset
	// hash, among them) exactly when code or configuration changed.
	f.Version = f.Function.CurrentVersion()
	f.Alias = awslambda.NewAlias(f, jsii.String("Alias"), &awslambda.AliasProps{
		AliasName:                       a.Name,
		Version:                         f.Version,
		Description:                     a.Description,
		ProvisionedConcurrentExecutions: a.ProvisionedConcurrency,
	})
	f.InvokeTarget = f.Alias
	eventsource.SetInvokeTarget(f.Function, f.Alias)

	if s := a.Scaling; s != nil {
		f.ProvisionedConcurrencyScaling = f.Alias.AddAutoScaling(&awslambda.AutoScalingOptions{MinCapacity: s.MinCapacity, MaxCapacity: s.MaxCapacity})
		if s.UtilizationTarget != nil {
			f.ProvisionedConcurrencyScaling.ScaleOnUtilization(&awslambda.UtilizationScalingOptions{UtilizationTarget: s.UtilizationTarget})
		}
		for _, sc := range s.Schedules {
			f.ProvisionedConcurrencyScaling.ScaleOnSchedule(jsii.String(sc.ID), &sc.ScalingSchedule)
		}
	}
	if a.ProvisionedConcurrency != nil || a.Scaling != nil {
		f.Node().AddValidation(&concurrencyCheck{fn: f.Function, alias: a})
	}
	if a.Deployment != nil {
		f.addDeployment(a.Deployment, *a.Name, timeoutMs, action)
	}
}

// addDeployment defines the rollback alarms on the new version, the
// deployment group and its role.
func (f *Function) addDeployment(d *DeploymentProps, alias string, timeoutMs float64, action awscloudwatch.IAlarmAction) {
	newVersion := func(metric, stat string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:  jsii.String("AWS/Lambda"),
			MetricName: jsii.String(metric),
			DimensionsMap: &map[string]*string{
				"FunctionName":    f.Function.FunctionName(),
				"Resource":        jsii.String(*f.Function.FunctionName() + ":" + alias),
				"ExecutedVersion": f.Version.Version(),
			},
			Statistic: jsii.String(stat),
		})
	}
	f.NewVersionErrorsAlarm = eventsource.NewAlarm(f, "NewVersionErrorsAlarm", eventsource.AlarmSpec{
		Metric:      newVersion("Errors", "Sum"),
		Description: "invocations of the alias's new version failed: CodeDeploy rolls the alias back to the previous version while it shifts traffic.",
	}, action)
	f.NewVersionThrottlesAlarm = eventsource.NewAlarm(f, "NewVersionThrottlesAlarm", eventsource.AlarmSpec{
		Metric:      newVersion("Throttles", "Sum"),
		Description: "invocations of the alias's new version were throttled: CodeDeploy rolls the alias back while it shifts traffic.",
	}, action)
	limit := timeoutMs * DurationAlarmPercent / 100
	f.NewVersionDurationAlarm = eventsource.NewAlarm(f, "NewVersionDurationAlarm", eventsource.AlarmSpec{
		Metric:      newVersion("Duration", "p99"),
		Threshold:   limit,
		Description: fmt.Sprintf("p99 duration of the alias's new version above %s ms, %d%% of the timeout: CodeDeploy rolls the alias back while it shifts traffic.", num(limit), DurationAlarmPercent),
	}, action)
	f.RollbackAlarms = append([]awscloudwatch.IAlarm{f.NewVersionErrorsAlarm, f.NewVersionThrottlesAlarm, f.NewVersionDurationAlarm}, d.Alarms...)

	// A role of our own instead of the CDK's, which carries the AWS managed
	// policy AWSCodeDeployRoleForLambdaLimited (its actions on "*"): exactly
	// what CodeDeploy does in a Lambda deployment, on this alias, these
	// alarms and these hooks. The group gets the role without policy
	// updates, so that the CDK adds neither that policy nor its own grants.
	app := d.Application
	if app == nil {
		app = awscodedeploy.NewLambdaApplication(f, jsii.String("DeploymentApplication"), nil)
	}
	// Confused deputy: CodeDeploy assumes the role for deployment groups of
	// this application in this account only (CodeDeploy's guide names the
	// deployment group ARN as aws:SourceArn for Lambda deployments; the
	// group's own name would be a cycle: the group names the role).
	stack := awscdk.Stack_Of(f)
	groups := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("codedeploy"), Resource: jsii.String("deploymentgroup"),
		ResourceName: jsii.String(*app.ApplicationName() + "/*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
	f.DeploymentRole = awsiam.NewRole(f, jsii.String("DeploymentRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewPrincipalWithConditions(awsiam.NewServicePrincipal(jsii.String("codedeploy.amazonaws.com"), nil), &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			"ArnLike":      map[string]any{"aws:SourceArn": groups},
		}),
		Description: jsii.String("CodeDeploy service role of " + *f.Node().Path()),
	})
	fnArn := *f.Function.FunctionArn()
	// Hand-written (no grant method exists for a deployment's service role).
	// Lambda authorizes alias actions on the function's ARN or the alias's;
	// both are this function's. GetProvisionedConcurrencyConfig: CodeDeploy
	// waits for the new version's provisioned concurrency before shifting.
	f.DeploymentRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"),
		Resources: jsii.Strings(fnArn, fnArn+":"+alias),
	}))
	// CodeDeploy reads the rollback alarms' state (DescribeAlarms takes alarm
	// ARNs as resources).
	var alarmArns []string
	alarmRefs := make([]interfacesawscloudwatch.IAlarmRef, len(f.RollbackAlarms))
	for i, al := range f.RollbackAlarms {
		alarmArns = append(alarmArns, *al.AlarmArn())
		alarmRefs[i] = al
	}
	f.DeploymentRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("cloudwatch:DescribeAlarms"),
		Resources: jsii.Strings(alarmArns...),
	}))
	var hooks []string
	for _, h := range []awslambda.IFunction{d.PreTraffic, d.PostTraffic} {
		if h != nil {
			hooks = append(hooks, *h.FunctionArn())
			nag.Suppress(eventsource.BaseFunction(h), "Serverless-LambdaDLQ", "A CodeDeploy lifecycle hook: CodeDeploy waits for its PutLifecycleEventHookExecutionStatus and fails (rolls back) the deployment when none comes; a dead-letter queue would add nothing.")
		}
	}
	if len(hooks) > 0 {
		// CodeDeploy invokes the hooks by the name in the alias's update
		// policy: exactly these functions (the CDK's grantInvoke would add
		// "<arn>:*", every version and alias of each).
		f.DeploymentRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: jsii.Strings(hooks...),
		}))
	}
	f.DeploymentGroup = awscodedeploy.NewLambdaDeploymentGroup(f, jsii.String("DeploymentGroup"), &awscodedeploy.LambdaDeploymentGroupProps{
		Alias:            f.Alias,
		Application:      app,
		DeploymentConfig: d.Config,
		Alarms:           &alarmRefs,
		Role:             f.DeploymentRole.WithoutPolicyUpdates(nil),
		PreHook:          d.PreTraffic,
		PostHook:         d.PostTraffic,
	})
	// CloudFormation starts the deployment when it updates the alias: by
	// then the alarms must watch the new version, and the role's policy must
	// be in place. (The group itself is ordered by the alias's UpdatePolicy,
	// which names it: a DependsOn on it would be redundant, cfn-lint W3005.)
	cfnAlias := f.Alias.Node().DefaultChild()
	cfnAlias.Node().AddDependency(f.DeploymentRole)
	for _, al := range f.RollbackAlarms {
		cfnAlias.Node().AddDependency(al)
	}
}

// concurrencyCheck checks, at synth, the alias's provisioned concurrency
// against the function's reserved concurrency as the template has it (set
// by Props, FunctionProps or on the L1 after New).
type concurrencyCheck struct {
	fn    awslambda.Function
	alias *AliasProps
}

// Validate implements constructs.IValidation.
func (c *concurrencyCheck) Validate() *[]*string {
	out := []*string{}
	reserved, ok := eventsource.ReservedConcurrency(c.fn)
	if !ok {
		return &out
	}
	over := func(field string, v *float64) {
		if v != nil && *v > reserved {
			out = append(out, jsii.String(fmt.Sprintf("gofunction: %s %s exceeds the function's ReservedConcurrentExecutions %s (Lambda: provisioned concurrency cannot exceed reserved concurrency)",
				field, eventsource.Num(*v), eventsource.Num(reserved))))
		}
	}
	over("Alias.ProvisionedConcurrency", c.alias.ProvisionedConcurrency)
	if s := c.alias.Scaling; s != nil {
		over("Alias.Scaling.MaxCapacity", s.MaxCapacity)
		for i, sc := range s.Schedules {
			over(fmt.Sprintf("Alias.Scaling.Schedules[%d].MaxCapacity", i), sc.MaxCapacity)
			if sc.MaxCapacity == nil {
				over(fmt.Sprintf("Alias.Scaling.Schedules[%d].MinCapacity", i), sc.MinCapacity)
			}
		}
	}
	return &out
}
