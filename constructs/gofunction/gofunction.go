// Package gofunction provides a construct for a Go Lambda function built from
// source during synth: runtime provided.al2023, an executable named bootstrap,
// arm64 by default, its own execution role (no managed policies) and its own
// log group with a retention, JSON logs and active tracing, and alarms on
// errors, throttles and a duration near the timeout.
//
// The build runs on the synth machine (no Docker): GOOS=linux, GOARCH from the
// architecture, CGO_ENABLED=0 and BuildFlags. Its asset hash is computed from
// the sources the function links (see New), so a synth with nothing changed
// builds nothing, a change to one function rebuilds that function only, and
// two checkouts at different paths produce the same asset hashes. The builds
// of all functions of an app run in one go command at synth time, in parallel.
//
//	fn := gofunction.New(stack, jsii.String("Api"), &gofunction.Props{
//		Entry: jsii.String("functions/api"),
//	})
//	table.GrantReadData(fn.Function)
//
// With Props.Alias, every change of code or configuration publishes a
// version and moves a live alias to it, which every integration of this
// library invokes (eventsource.InvokeTarget); with Alias.Deployment,
// CodeDeploy moves it gradually (canary, linear) and rolls it back on
// alarms measuring the new version only (see DeploymentProps); with
// Alias.ProvisionedConcurrency and Alias.Scaling, the alias keeps execution
// environments initialized. AWS SAM's AutoPublishAlias and
// DeploymentPreference, with least-privilege roles:
//
//	fn := gofunction.New(stack, jsii.String("Kitchen"), &gofunction.Props{
//		Entry: jsii.String("functions/kitchen"),
//		Alias: &gofunction.AliasProps{Deployment: &gofunction.DeploymentProps{
//			Config: awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES(),
//		}},
//	})
//
// The trigger constructs of this library (queueworker, buckettrigger,
// eventrule...) give the function its dead-letter path and answer cdk-nag's
// Serverless-LambdaDLQ for it. A function none of them triggers gets that
// finding, which fails synth. Invoked synchronously (by your code with
// RequestResponse, a Step Functions task), the caller gets every error and
// a dead-letter queue would never receive anything: say so with
// eventsource.NotAsyncInvoked, which answers the finding with that reason.
// Invoked asynchronously, give it an on-failure destination or a
// dead-letter queue instead (FunctionProps).
//
//	eventsource.NotAsyncInvoked(fn.Function, "a Step Functions task invokes it synchronously and gets every error")
package gofunction

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/nag"
	"github.com/example/orderflow/constructs/internal/propsoverride"
)

// Lambda limits checked at synth (Lambda quotas,
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
const (
	MinMemoryMB           = 128    // smallest memory size, MB
	MaxMemoryMB           = 10_240 // largest memory size, MB
	MinTimeoutSeconds     = 1      // shortest timeout, seconds
	MaxTimeoutSeconds     = 900    // longest timeout, seconds
	MinEphemeralStorageMB = 512    // smallest /tmp size, MiB
	MaxEphemeralStorageMB = 10_240 // largest /tmp size, MiB
)

// Defaults applied by New to nil props.
const (
	DefaultMemoryMB       = 256 // MB: Go handlers rarely need more, and CPU scales with memory
	DefaultTimeoutSeconds = 10  // seconds
)

// DurationAlarmPercent is the share of the timeout, in percent, that the p99
// duration of a 5-minute period must exceed to raise DurationAlarm: a
// function slowing towards its timeout alarms before invocations time out.
const DurationAlarmPercent = 80

// Props configures a Function. Nil fields take the documented default.
type Props struct {
	// Entry is the directory of the function's main package, relative to the
	// working directory of the app (the project root under `cdk synth`) or
	// absolute, e.g. "functions/api". Its module is found by walking up to the
	// nearest go.mod; the package may import anything that module can build.
	// Required.
	Entry *string
	// Architecture is the instruction set; it also sets GOARCH (arm64 or amd64).
	// Default: awslambda.Architecture_ARM_64().
	Architecture awslambda.Architecture
	// MemorySize in MB, 128-10,240 (Lambda quotas); out of range or fractional
	// fails synth. Default: 256.
	MemorySize *float64
	// Timeout, 1-900 seconds in whole seconds (Lambda quotas); out of range or
	// fractional fails synth. Default: 10 seconds.
	Timeout awscdk.Duration
	// EphemeralStorageSize of /tmp, 512-10,240 MiB (Lambda quotas); out of range
	// fails synth. Default: 512 MiB (no extra charge).
	EphemeralStorageSize awscdk.Size
	// Environment variables of the function. Default: none.
	Environment *map[string]*string
	// Description of the function. Default: none.
	Description *string
	// ReservedConcurrentExecutions caps the function's concurrency.
	// Default: none (the account's unreserved pool).
	ReservedConcurrentExecutions *float64
	// LogRetention of the function's own log group.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// LogRemovalPolicy of the log group when the stack deletes it.
	// Default: awscdk.RemovalPolicy_RETAIN (logs outlive the stack).
	LogRemovalPolicy awscdk.RemovalPolicy
	// ApplicationLogLevel is the level Lambda filters the handler's JSON logs at
	// (the handler sees it as AWS_LAMBDA_LOG_LEVEL). Lambda reads a line's
	// "level" key and takes a line without one, such as an embedded metric
	// format line, as INFO: above INFO, such metrics are dropped.
	// Default: awslambda.ApplicationLogLevel_INFO.
	ApplicationLogLevel awslambda.ApplicationLogLevel
	// SystemLogLevel filters the Lambda platform's own log lines.
	// Default: awslambda.SystemLogLevel_WARN.
	SystemLogLevel awslambda.SystemLogLevel
	// Role is the execution role to run with instead of a new one, e.g. one
	// your platform provides: an awsiam.Role of the app, or an imported one
	// (awsiam.Role_FromRoleArn with Mutable true, so that grants land on it;
	// grants to an immutable imported role are dropped, by design). It must
	// trust lambda.amazonaws.com. The construct grants it logs:CreateLogStream
	// and logs:PutLogEvents on LogGroup and, with tracing, the X-Ray writes.
	// Default: a new role of the function's own, with no managed policy.
	Role awsiam.IRole
	// Tracing mode of X-Ray; ACTIVE grants the role xray:PutTraceSegments and
	// xray:PutTelemetryRecords on "*" (X-Ray has no resource-level permissions).
	// Default: awslambda.Tracing_ACTIVE.
	Tracing awslambda.Tracing
	// AlarmAction is told when an alarm of the function goes to ALARM and
	// back to OK, e.g. awscloudwatchactions.NewSnsAction(topic).
	// Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
	// AllowRecursiveLoop lets the function take part in a loop it is
	// designed for (RecursiveLoop Allow), e.g. "re-queues a message to
	// itself until the order is ready": the reason, recorded in the
	// template as the function's metadata "RecursiveLoopAllowed". Empty
	// fails synth. Default: nil:
	// RecursiveLoop Terminate, set explicitly: Lambda stops invoking the
	// function when it detects it in a loop through SQS, SNS, S3 or Lambda
	// (about 16 invocations of one event) and tells the account's AWS
	// Health Dashboard. RecursiveLoop is a setting of the function, not of
	// a version, but the CDK counts it in the version hash: with Alias,
	// change it together with a change Lambda versions (code, Description),
	// or the deploy fails with "A version for this Lambda function exists".
	AllowRecursiveLoop *string
	// Alias publishes a version of the function whenever its code or
	// configuration changes, and an alias (e.g. "live") that points to it
	// and that every integration of this library invokes; optionally with a
	// gradual deployment (canary, linear) rolled back by alarms, and
	// provisioned concurrency. See AliasProps and DeploymentProps.
	// Versions are published by fn.CurrentVersion: a new
	// AWS::Lambda::Version whose logical ID carries a hash of the
	// properties Lambda versions (code, memory, environment, role, ...),
	// kept (RemovalPolicy RETAIN) when a newer one replaces it, so that a
	// rollback and the events still queued for it find it. Retained versions
	// count against Lambda's code storage quota (75 GB per Region, the
	// function's zip per version): delete old ones no alias points to from
	// time to time (aws lambda delete-function --qualifier N). A value the
	// function reads from another resource's Ref (an environment variable
	// holding a queue URL) that changes because that resource is replaced
	// does not change the hash: call Function.InvalidateVersionBasedOn with
	// a value that changes with it. Default: nil (no version, no alias:
	// integrations invoke the function's $LATEST).
	Alias *AliasProps
	// FunctionProps overrides the function's props for settings Props does
	// not offer (Vpc, SecurityGroups, Layers, Filesystem, EnvironmentEncryption,
	// ParamsAndSecrets, ...), as the AWS Solutions Constructs' lambdaFunctionProps:
	// every field set here replaces the construct's. Setting a field the
	// construct sets (the build: Code, Handler, Runtime; the log group and
	// its format; a setting of Props) fails synth naming the Props field to
	// use instead (OwnedFunctionProps). Default: nil (no override).
	FunctionProps *awslambda.FunctionProps
}

// OwnedFunctionProps are the fields of awslambda.FunctionProps that New sets
// itself, each with what to use instead: Props.FunctionProps may not set
// them.
var OwnedFunctionProps = map[string]string{
	"Code":                         "the construct builds Entry (Props.Entry)",
	"Handler":                      "the construct runs the executable bootstrap (Props.Entry)",
	"Runtime":                      "the construct runs provided.al2023 (Props.Entry)",
	"Architecture":                 "use Props.Architecture (it also sets GOARCH)",
	"MemorySize":                   "use Props.MemorySize",
	"Timeout":                      "use Props.Timeout",
	"EphemeralStorageSize":         "use Props.EphemeralStorageSize",
	"Environment":                  "use Props.Environment",
	"Description":                  "use Props.Description",
	"ReservedConcurrentExecutions": "use Props.ReservedConcurrentExecutions",
	"Role":                         "use Props.Role",
	"LogGroup":                     "the function logs to its own log group: use Props.LogRetention and Props.LogRemovalPolicy",
	"LogRetention":                 "use Props.LogRetention",
	"LogRetentionRole":             "the function logs to its own log group, without a log retention custom resource",
	"LogRetentionRetryOptions":     "the function logs to its own log group, without a log retention custom resource",
	"LogRemovalPolicy":             "use Props.LogRemovalPolicy",
	"LogFormat":                    "the function logs JSON",
	"LoggingFormat":                "the function logs JSON",
	"ApplicationLogLevel":          "use Props.ApplicationLogLevel",
	"ApplicationLogLevelV2":        "use Props.ApplicationLogLevel",
	"SystemLogLevel":               "use Props.SystemLogLevel",
	"SystemLogLevelV2":             "use Props.SystemLogLevel",
	"Tracing":                      "use Props.Tracing",
	"RecursiveLoop":                "use Props.AllowRecursiveLoop",
	"CurrentVersionOptions":        "use Props.Alias (a version published with the alias is kept, RemovalPolicy RETAIN)",
}

// Function is the construct New defines: everything it built is under it in
// the construct tree (awscdk.Tags_Of, Node().AddDependency and aspects reach
// the function, its role, log group and alarms), and its fields are what it
// built. Pass Function.Function (the Lambda function) to CDK APIs such as
// grants; the library's constructs take it too and invoke its live alias
// when it has one (eventsource.InvokeTarget).
type Function struct {
	constructs.Construct
	// Function is the Lambda function.
	Function awslambda.Function
	// Role is the function's execution role: its own new one (an awsiam.Role),
	// which starts with nothing but logs:CreateLogStream and logs:PutLogEvents
	// on LogGroup, or Props.Role. Add permissions with the grant methods of
	// the resources the code calls, or Function.AddToRolePolicy.
	Role awsiam.IRole
	// LogGroup is the function's own log group.
	LogGroup awslogs.LogGroup
	// Asset is the code asset; its directory holds the executable bootstrap.
	// Nil when Entry is missing or not a buildable package (synth fails
	// then, saying so).
	Asset awss3assets.Asset
	// ErrorsAlarm: Errors (Sum) > 0 in 5 minutes: an invocation returned an
	// error, panicked or timed out. Missing data (no invocation) is OK.
	ErrorsAlarm awscloudwatch.Alarm
	// ThrottlesAlarm: Throttles (Sum) > 0 in 5 minutes: an invocation was
	// refused for lack of concurrency (the caller or event source retries,
	// but latency grows). Missing data is OK.
	ThrottlesAlarm awscloudwatch.Alarm
	// DurationAlarm: Duration (p99) > DurationAlarmPercent % of Timeout, in
	// milliseconds, in 5 minutes. Missing data is OK.
	DurationAlarm awscloudwatch.Alarm
	// Alarms are ErrorsAlarm, ThrottlesAlarm and DurationAlarm.
	Alarms []awscloudwatch.Alarm

	// InvokeTarget is what integrations invoke: Alias with Props.Alias,
	// Function otherwise (eventsource.InvokeTarget(Function) returns it).
	// Grant a caller invoke rights with InvokeTarget.GrantInvoke(caller).
	InvokeTarget awslambda.IFunction
	// Version is the function's current version (Function.CurrentVersion,
	// under Function as "CurrentVersion"). Nil without Props.Alias.
	Version awslambda.Version
	// Alias points to Version (construct ID "Alias"). Nil without
	// Props.Alias.
	Alias awslambda.Alias
	// ProvisionedConcurrencyScaling is the alias's scalable provisioned
	// concurrency, for more scaling policies. Nil without Alias.Scaling.
	ProvisionedConcurrencyScaling awslambda.IScalableFunctionAttribute
	// DeploymentGroup shifts the alias to a new version (construct ID
	// "DeploymentGroup"). Nil without Alias.Deployment.
	DeploymentGroup awscodedeploy.LambdaDeploymentGroup
	// DeploymentRole is the deployment group's service role (construct ID
	// "DeploymentRole"), trusted by codedeploy.amazonaws.com for the
	// deployment groups of the group's application in this account only
	// (aws:SourceArn, aws:SourceAccount), with no managed policy: lambda:GetAlias, lambda:UpdateAlias and
	// lambda:GetProvisionedConcurrencyConfig on this function and its
	// alias, cloudwatch:DescribeAlarms on RollbackAlarms, and
	// lambda:InvokeFunction on the hooks. Nil without Alias.Deployment.
	DeploymentRole awsiam.Role
	// NewVersionErrorsAlarm: Errors (Sum) of the alias's new version
	// (dimension ExecutedVersion) > 0 in 5 minutes. Nil without
	// Alias.Deployment; likewise the two below.
	NewVersionErrorsAlarm awscloudwatch.Alarm
	// NewVersionThrottlesAlarm: Throttles (Sum) of the new version > 0 in 5
	// minutes.
	NewVersionThrottlesAlarm awscloudwatch.Alarm
	// NewVersionDurationAlarm: Duration (p99) of the new version >
	// DurationAlarmPercent % of Timeout, in 5 minutes.
	NewVersionDurationAlarm awscloudwatch.Alarm
	// RollbackAlarms roll a deployment back: the three NewVersion alarms
	// and Alias.Deployment.Alarms (see DeploymentProps for the alarms that
	// are not rollback alarms, and why).
	RollbackAlarms []awscloudwatch.IAlarm
}

// New defines a Go Lambda function built from props.Entry.
//
// Construct IDs below id: "Role" (unless Props.Role), "LogGroup", "Code",
// "Function", "ErrorsAlarm", "ThrottlesAlarm", "DurationAlarm"; with
// Props.Alias "Alias" (and "CurrentVersion" under "Function"), with
// Alias.Deployment "DeploymentGroup", "DeploymentRole",
// "DeploymentApplication" (unless Alias.Deployment.Application),
// "NewVersionErrorsAlarm", "NewVersionThrottlesAlarm",
// "NewVersionDurationAlarm". Bad props
// fail synth, never New (see eventsource.Problems), each named by field,
// value and allowed range: "[Service/Api] gofunction: MemorySize 100 MB is
// outside 128-10240 MB (Lambda quotas)". New still returns a usable
// Function: a bad value is replaced by its default, and a missing or
// unbuildable Entry gives a function without code (Asset nil), which synth
// never emits. A failed build fails synth, at validation, with the
// compiler's output.
//
// The asset hash covers the Go version, GOARCH, BuildFlags, GOFLAGS, the files
// of every package of the entry's module (or of a local replace) it imports,
// and the path@version of every other module it links; `go list` computes the
// set, so internal packages shared by functions are covered.
func New(scope constructs.Construct, id *string, props *Props) *Function {
	f := &Function{}
	constructs.NewConstruct_Override(f, scope, id)
	c := f.Construct
	problems := eventsource.NewProblems(c, "gofunction")
	p := withDefaults(problems, props)

	goarch := "arm64"
	if *p.Architecture.Name() == *awslambda.Architecture_X86_64().Name() {
		goarch = "amd64"
	}

	role := p.Role
	if role == nil {
		role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String(fmt.Sprintf("Execution role of %s", *c.Node().Path())),
		})
	}
	logGroup := awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		RemovalPolicy: p.LogRemovalPolicy,
	})
	// Scoped to this function's log group: what AWSLambdaBasicExecutionRole
	// grants on every log group in the account.
	logGroup.GrantWrite(role)

	stage := awscdk.Stage_Of(c)
	outdir := *stage.AssetOutdir()
	sweepUnfinished(outdir)
	b := &bundler{outdir: outdir}
	hash, err := "", error(nil)
	if p.Entry != nil {
		hash, err = b.prepare(stage, *p.Entry, goarch)
	}
	var asset awss3assets.Asset
	var code awslambda.Code
	if err != nil {
		problems.Addf("%s", strings.TrimPrefix(err.Error(), "gofunction: "))
	} else if p.Entry != nil {
		asset = awss3assets.NewAsset(c, jsii.String("Code"), &awss3assets.AssetProps{
			Path:          p.Entry,
			AssetHash:     jsii.String(hash),
			AssetHashType: awscdk.AssetHashType_CUSTOM,
			Bundling: &awscdk.BundlingOptions{
				Local:      b,
				OutputType: awscdk.BundlingOutput_NOT_ARCHIVED,
				// Never used: the local build always answers. The type requires it.
				Image: awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/golang:1")),
			},
		})
		b.asset = asset
		code = awslambda.Code_FromBucketV2(asset.Bucket(), asset.S3ObjectKey(), nil)
	}
	if code == nil {
		// No buildable entry, no asset: the function gets code that is never
		// deployed, since the problem fails synth.
		code = awslambda.Code_FromBucketV2(awss3.Bucket_FromBucketName(c, jsii.String("NoCode"), jsii.String("gofunction-no-code")), jsii.String("bootstrap.zip"), nil)
	}

	recursion := awslambda.RecursiveLoop_TERMINATE
	if p.AllowRecursiveLoop != nil {
		recursion = awslambda.RecursiveLoop_ALLOW
	}
	fnProps := awslambda.FunctionProps{
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Handler:                      jsii.String("bootstrap"),
		Architecture:                 p.Architecture,
		Code:                         code,
		MemorySize:                   p.MemorySize,
		Timeout:                      p.Timeout,
		EphemeralStorageSize:         p.EphemeralStorageSize,
		Environment:                  p.Environment,
		Description:                  p.Description,
		ReservedConcurrentExecutions: p.ReservedConcurrentExecutions,
		Role:                         role,
		LogGroup:                     logGroup,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2:        p.ApplicationLogLevel,
		SystemLogLevelV2:             p.SystemLogLevel,
		Tracing:                      p.Tracing,
		RecursiveLoop:                recursion,
	}
	if p.Alias != nil {
		fnProps.CurrentVersionOptions = &awslambda.VersionOptions{RemovalPolicy: awscdk.RemovalPolicy_RETAIN}
	}
	for _, field := range propsoverride.Apply(&fnProps, p.FunctionProps, OwnedFunctionProps) {
		problems.Addf("FunctionProps.%s is set: %s", field, OwnedFunctionProps[field])
	}
	fn := awslambda.NewFunction(c, jsii.String("Function"), &fnProps)
	if p.AllowRecursiveLoop != nil {
		fn.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("RecursiveLoopAllowed"), p.AllowRecursiveLoop)
	}
	// The object key is the asset's content hash: new code is a new key, so
	// the function is updated without an object version.
	awscdk.Annotations_Of(c).AcknowledgeWarning(jsii.String("@aws-cdk/aws-lambda:codeFromBucketObjectVersionNotSpecified"),
		jsii.String("the S3 key of a gofunction asset is its content hash"))
	if asset != nil {
		// What awslambda.Code_FromAsset records: lets SAM and local tools find the
		// asset directory of the function's code.
		asset.AddResourceMetadata(fn.Node().DefaultChild().(awscdk.CfnResource), jsii.String("Code"))
		c.Node().AddValidation(&validation{bundler: b})
	}

	if policy := nag.DefaultPolicy(role); policy == nil {
		// An immutable import (awsiam.Role_FromRoleArn without Mutable, or a
		// role of another account) drops every grant without a word.
		xray := ""
		if p.Tracing == awslambda.Tracing_ACTIVE {
			xray = ", and xray:PutTraceSegments and xray:PutTelemetryRecords"
		}
		problems.Addf("Role %s takes no grants (imported immutable, or of another account): the function needs logs:CreateLogStream and logs:PutLogEvents on its LogGroup%s; import a role of this account with awsiam.Role_FromRoleArn and Mutable: jsii.Bool(true)", eventsource.Path(role), xray)
	} else if p.Tracing == awslambda.Tracing_ACTIVE {
		nag.Suppress(policy, "AwsSolutions-IAM5", "xray:PutTraceSegments and xray:PutTelemetryRecords support no resource narrower than \"*\" (X-Ray has no resource-level permissions).", "Resource::*")
	}
	f.Function, f.Role, f.LogGroup, f.Asset = fn, role, logGroup, asset
	f.addAlarms(c, eventsource.Seconds(p.Timeout)*1000, p.AlarmAction)
	f.InvokeTarget = fn
	if p.Alias != nil {
		f.addAlias(problems, p.Alias, eventsource.Seconds(p.Timeout)*1000, p.AlarmAction)
	}
	return f
}

// addAlarms defines the function's alarms (see Function) in c.
func (f *Function) addAlarms(c constructs.Construct, timeoutMs float64, action awscloudwatch.IAlarmAction) {
	sum := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum")}
	f.ErrorsAlarm = eventsource.NewAlarm(c, "ErrorsAlarm", eventsource.AlarmSpec{
		Metric:      f.Function.MetricErrors(sum),
		Description: "invocations failed (returned an error, panicked or timed out). See the function's log group.",
	}, action)
	f.ThrottlesAlarm = eventsource.NewAlarm(c, "ThrottlesAlarm", eventsource.AlarmSpec{
		Metric:      f.Function.MetricThrottles(sum),
		Description: "invocations were throttled (no concurrency left).",
	}, action)
	limit := timeoutMs * DurationAlarmPercent / 100 // whole: the timeout is whole seconds
	f.DurationAlarm = eventsource.NewAlarm(c, "DurationAlarm", eventsource.AlarmSpec{
		Metric:      f.Function.MetricDuration(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99")}),
		Threshold:   limit,
		Description: fmt.Sprintf("p99 duration above %s ms, %d%% of the %s ms timeout.", num(limit), DurationAlarmPercent, num(timeoutMs)),
	}, action)
	f.Alarms = []awscloudwatch.Alarm{f.ErrorsAlarm, f.ThrottlesAlarm, f.DurationAlarm}
}

// withDefaults checks the caller's props, reporting each bad one to
// problems, and returns them with defaults in place of nil and bad values.
func withDefaults(problems *eventsource.Problems, props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.Entry != nil && strings.TrimSpace(*p.Entry) == "" {
		p.Entry = nil
	}
	problems.Required("Entry", p.Entry != nil, `the directory of the function's main package, e.g. "functions/api"`)
	if p.Architecture == nil {
		p.Architecture = awslambda.Architecture_ARM_64()
	}
	p.MemorySize = problems.Count("MemorySize", p.MemorySize, DefaultMemoryMB, MinMemoryMB, MaxMemoryMB, " MB", "Lambda quotas")
	p.Timeout = problems.Duration("Timeout", p.Timeout, awscdk.Duration_Seconds(jsii.Number(DefaultTimeoutSeconds)),
		MinTimeoutSeconds, MaxTimeoutSeconds, true, "Lambda quotas")
	minStorage := awscdk.Size_Mebibytes(jsii.Number(MinEphemeralStorageMB))
	if p.EphemeralStorageSize == nil {
		p.EphemeralStorageSize = minStorage
	} else if mib := *p.EphemeralStorageSize.ToMebibytes(&awscdk.SizeConversionOptions{Rounding: awscdk.SizeRoundingBehavior_NONE}); mib < MinEphemeralStorageMB || mib > MaxEphemeralStorageMB {
		problems.Addf("EphemeralStorageSize %s MiB is outside %d-%d MiB (Lambda quotas)", num(mib), MinEphemeralStorageMB, MaxEphemeralStorageMB)
		p.EphemeralStorageSize = minStorage
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_MONTH
	}
	if p.LogRemovalPolicy == "" {
		p.LogRemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	if p.ApplicationLogLevel == "" {
		p.ApplicationLogLevel = awslambda.ApplicationLogLevel_INFO
	}
	if p.SystemLogLevel == "" {
		p.SystemLogLevel = awslambda.SystemLogLevel_WARN
	}
	if p.Tracing == "" {
		p.Tracing = awslambda.Tracing_ACTIVE
	}
	p.Alias = checkAlias(problems, p.Alias)
	if p.AllowRecursiveLoop != nil && strings.TrimSpace(*p.AllowRecursiveLoop) == "" {
		problems.Addf("AllowRecursiveLoop is empty: give the reason the function takes part in a loop on purpose (Lambda stops a loop it detects unless it is allowed)")
		p.AllowRecursiveLoop = nil
	}
	return p
}

// bundler is the function's awscdk.ILocalBundling. CDK calls TryBundle only
// when the asset directory for the hash does not exist yet.
type bundler struct {
	outdir string
	target target
	asset  awss3assets.Asset
}

// prepare resolves entry to its module and computes the asset hash; the
// functions of one stage share their `go list` (see sourceHash).
func (b *bundler) prepare(stage awscdk.Stage, entry, goarch string) (string, error) {
	if entry == "" {
		return "", fmt.Errorf("gofunction: Entry is empty")
	}
	root, err := moduleRoot(entry)
	if err != nil {
		return "", fmt.Errorf("gofunction: Entry %q: %v", entry, err)
	}
	abs, _ := filepath.Abs(entry)
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return "", fmt.Errorf("gofunction: Entry %q: %v", entry, err)
	}
	b.target = target{moduleDir: root, pkg: "./" + filepath.ToSlash(rel), goarch: goarch}
	hash, err := sourceHash(stage, b.target)
	if err != nil {
		return "", fmt.Errorf("gofunction: Entry %q: %v", entry, err)
	}
	return hash, nil
}

// TryBundle registers the build and leaves a placeholder bootstrap in
// outputDir; the build itself runs when synth validates the construct tree,
// together with every other function's. CDK moves outputDir to the asset
// directory (outputDir without "-building") when TryBundle returns; where it
// does not follow that convention, the build runs here and now.
func (b *bundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	final, deferred := strings.CutSuffix(*outputDir, "-building")
	if !deferred {
		bd := builds.register(b.target, absPath(*outputDir))
		return jsii.Bool(builds.wait(bd) == nil)
	}
	if err := writePlaceholder(*outputDir); err != nil {
		return jsii.Bool(false)
	}
	builds.register(b.target, absPath(final))
	return jsii.Bool(true)
}

// validation waits, at synth, for the function's build and reports its error.
type validation struct{ bundler *bundler }

// Validate implements constructs.IValidation.
func (v *validation) Validate() *[]*string {
	out := []*string{}
	dir := absPath(filepath.Join(v.bundler.outdir, "asset."+*v.bundler.asset.AssetHash()))
	if bd := builds.lookup(dir); bd != nil {
		if err := builds.wait(bd); err != nil {
			out = append(out, jsii.String(fmt.Sprintf("gofunction: build of %s failed: %v", v.bundler.target.pkg, err)))
		}
	} else if content, ok := readPlaceholder(filepath.Join(dir, "bootstrap")); ok {
		// Not built by this process: never ship it.
		if pid, running := placeholderOwner(content); running && pid != os.Getpid() {
			out = append(out, jsii.String(fmt.Sprintf("gofunction: asset %s of %s is being built by another synth writing to the same output directory (%s); synth again when it is done, or delete the directory if no such synth runs", dir, v.bundler.target.pkg, strings.TrimSpace(strings.TrimPrefix(content, placeholder)))))
		} else {
			out = append(out, jsii.String(fmt.Sprintf("gofunction: asset %s of %s holds no binary; delete it and synth again", dir, v.bundler.target.pkg)))
		}
	}
	return &out
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (f *Function) ToString() *string { return f.Construct.ToString() }

// num formats a number as written, without exponent: 1209600, 1.5.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
