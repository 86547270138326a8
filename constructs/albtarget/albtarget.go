// Package albtarget provides a construct that puts a Lambda function behind
// an existing Application Load Balancer: a Lambda target group and a
// listener rule (path and/or host conditions, a priority) forwarding to it
// on a listener the caller already has, with the multi-value headers choice,
// an optional health check, and alarms on failed invocations and 5xx
// answers.
//
//	listener := elbv2.ApplicationListener_FromApplicationListenerAttributes(stack, jsii.String("Https"),
//		&elbv2.ApplicationListenerAttributes{ListenerArn: jsii.String(arn), SecurityGroup: sg})
//	albtarget.New(stack, jsii.String("Orders"), &albtarget.Props{
//		Listener:     listener,
//		Function:     api.Function,
//		Priority:     jsii.Number(10),
//		PathPatterns: jsii.Strings("/orders", "/orders/*"),
//	})
//
// The function receives events.ALBTargetGroupRequest and answers with
// events.ALBTargetGroupResponse (statusCode, headers or multiValueHeaders,
// body, isBase64Encoded); the load balancer invokes it synchronously and
// answers 502 when it fails or answers something else. The load balancer
// itself (TLS, WAF, access logs) is the caller's.
package albtarget

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
	"github.com/example/orderflow/constructs/internal/propsoverride"
)

// Limits of a listener rule checked at synth (Application Load Balancer
// quotas, https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html).
const (
	MinPriority             = 1
	MaxPriority             = 50_000
	MaxConditionValues      = 5   // condition values per rule
	MaxConditionValueLength = 128 // characters of a path pattern or host header
)

// Props configures an AlbTarget. Nil fields take the documented default.
type Props struct {
	// Listener of the load balancer to add the rule to: a listener of the
	// app or an imported one
	// (elbv2.ApplicationListener_FromApplicationListenerAttributes). Required.
	Listener elbv2.IApplicationListener
	// Function to forward the matching requests to: an awslambda.Function
	// of the app, or an imported one of this account and region. Required.
	Function awslambda.IFunction
	// Priority of the rule among the listener's rules, 1-50,000, unique per
	// listener; lower is evaluated first. Required.
	Priority *float64
	// PathPatterns the request path must match (any of them), e.g.
	// "/orders/*"; up to 128 characters each. Default: none (any path).
	// PathPatterns and HostHeaders together: 1-5 values (ALB quotas).
	PathPatterns *[]*string
	// HostHeaders the request's host must match (any of them), e.g.
	// "api.example.com"; up to 128 characters each. Default: none (any host).
	HostHeaders *[]*string
	// MultiValueHeaders sends headers and query parameters to the function
	// as lists (multiValueHeaders, multiValueQueryStringParameters: repeated
	// keys kept), and expects multiValueHeaders in its answer.
	// Default: false (one value per key, the last one).
	MultiValueHeaders *bool
	// HealthCheck of the target: with Enabled true, the load balancer
	// invokes the function every Interval (default 35 s) with a request for
	// Path (default "/") and counts 200 as healthy; each check is a billed
	// invocation. Default: none (off, ELB's default for Lambda targets).
	HealthCheck *elbv2.HealthCheck
	// AlarmAction is told when an alarm goes to ALARM and back to OK, e.g.
	// awscloudwatchactions.NewSnsAction(topic). Default: alarms with no action.
	AlarmAction awscloudwatch.IAlarmAction
	// TargetGroupProps overrides the target group's props, as the AWS
	// Solutions Constructs take props of the resources they build: every
	// field set here replaces the construct's, except those the construct
	// sets (OwnedTargetGroupProps). Most other fields configure instance and
	// IP targets, which ELB refuses for a Lambda target group at deploy.
	// Default: nil.
	TargetGroupProps *elbv2.ApplicationTargetGroupProps
}

// OwnedTargetGroupProps are the fields of elbv2.ApplicationTargetGroupProps
// that New sets itself, each with what to use instead.
var OwnedTargetGroupProps = map[string]string{
	"TargetType":               "the target group holds a Lambda function",
	"Targets":                  "use Props.Function",
	"MultiValueHeadersEnabled": "use Props.MultiValueHeaders",
	"HealthCheck":              "use Props.HealthCheck",
}

// AlbTarget is the construct New defines: everything it built is under it
// (awscdk.Tags_Of, Node().AddDependency and aspects reach the target group,
// the rule, the invoke permission and the alarms), and its fields are what
// it built.
type AlbTarget struct {
	constructs.Construct
	// TargetGroup holds the function (target type lambda): its live alias
	// when it has one (eventsource.InvokeTarget).
	TargetGroup elbv2.ApplicationTargetGroup
	// Permission lets elasticloadbalancing.amazonaws.com invoke the
	// function (its live alias when it has one) for target groups of this
	// account and Region only (construct ID "InvokePermission"; see New).
	// Nil without a Function, or for a function this stack cannot add a
	// permission to (synth fails then).
	Permission awslambda.CfnPermission
	// Rule forwards the matching requests of the listener to TargetGroup.
	// Nil without a Listener (synth fails then).
	Rule elbv2.ApplicationListenerRule
	// LambdaUserErrorsAlarm: LambdaUserError (Sum, AWS/ApplicationELB, of the
	// target group) > 0 in 5 minutes: an invocation failed because of the
	// function (an error, a timeout, throttling, an answer the load balancer
	// cannot read) and the client got 502. Missing data is OK. Nil without a
	// Listener.
	LambdaUserErrorsAlarm awscloudwatch.Alarm
	// TargetServerErrorsAlarm: HTTPCode_Target_5XX_Count (Sum) > 0 in 5
	// minutes: the function answered 5xx. Missing data is OK. Nil without a
	// Listener.
	TargetServerErrorsAlarm awscloudwatch.Alarm
	// Alarms are LambdaUserErrorsAlarm and TargetServerErrorsAlarm.
	Alarms []awscloudwatch.Alarm
}

// New defines the target group, the listener rule, the invoke permission
// and the alarms. Construct IDs below id: "TargetGroup", "Rule",
// "InvokePermission", "LambdaUserErrorsAlarm", "TargetServerErrorsAlarm".
//
// The permission lets elasticloadbalancing.amazonaws.com invoke the function
// (its live alias when it has one) with aws:SourceAccount this account and
// aws:SourceArn "arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/*"
// (Lambda compares it with ArnLike): the target groups of this account and
// Region, not this one target group, because the target group registers the
// function when it is created, and ELB refuses the registration unless the
// permission exists by then, while a permission naming the group's ARN can
// only exist after it (CloudFormation has no separate target registration
// resource; cloudformation-coverage-roadmap#230).
// awselasticloadbalancingv2targets.LambdaTarget, which this replaces,
// grants the load balancer service without any condition. Bad props fail
// synth (see eventsource.Problems), each named with its value and allowed
// range, as does a function this stack cannot add a permission to (of
// another account or region); New still builds what it can.
func New(scope constructs.Construct, id *string, props *Props) *AlbTarget {
	a := &AlbTarget{}
	constructs.NewConstruct_Override(a, scope, id)
	c := a.Construct
	problems := eventsource.NewProblems(c, "albtarget")
	var p Props
	if props != nil {
		p = *props
	}
	problems.Required("Listener", p.Listener != nil, "the load balancer's listener to add the rule to")
	problems.Required("Function", p.Function != nil, "the function to forward requests to")
	if problems.Required("Priority", p.Priority != nil, "1-50000, unique per listener") {
		p.Priority = problems.Count("Priority", p.Priority, MinPriority, MinPriority, MaxPriority, "", "ALB quotas")
	}
	var conditions []elbv2.ListenerCondition
	values := 0
	for _, cond := range []struct {
		field string
		list  *[]*string
		make  func(*[]*string) elbv2.ListenerCondition
	}{{"PathPatterns", p.PathPatterns, elbv2.ListenerCondition_PathPatterns}, {"HostHeaders", p.HostHeaders, elbv2.ListenerCondition_HostHeaders}} {
		if cond.list == nil || len(*cond.list) == 0 {
			continue
		}
		var good []*string // a nil value is reported, never handed to the CDK (a jsii serialization error)
		for _, v := range *cond.list {
			if v == nil || *v == "" || len(*v) > MaxConditionValueLength {
				problems.Addf("%s value %q is outside 1-%d characters (ALB quotas)", cond.field, deref(v), MaxConditionValueLength)
			}
			if v != nil {
				good = append(good, v)
			}
		}
		values += len(*cond.list)
		if len(good) > 0 {
			conditions = append(conditions, cond.make(&good))
		}
	}
	switch {
	case values == 0:
		problems.Addf("PathPatterns and HostHeaders are both empty: give the paths or hosts the rule forwards (a rule needs a condition; the listener's default action covers the rest)")
		conditions = []elbv2.ListenerCondition{elbv2.ListenerCondition_PathPatterns(jsii.Strings("/*"))}
	case values > MaxConditionValues:
		problems.Addf("PathPatterns and HostHeaders hold %d values, more than %d (ALB quotas: condition values per rule)", values, MaxConditionValues)
	}
	if len(conditions) == 0 { // every value nil: reported above; built so that the rule is usable, never deployed
		conditions = []elbv2.ListenerCondition{elbv2.ListenerCondition_PathPatterns(jsii.Strings("/*"))}
	}

	var targets []elbv2.IApplicationLoadBalancerTarget
	if p.Function != nil {
		eventsource.AllowInvoke(c, "InvokePermission", p.Function, "elasticloadbalancing.amazonaws.com",
			awscdk.Stack_Of(c).FormatArn(&awscdk.ArnComponents{Service: jsii.String("elasticloadbalancing"), Resource: jsii.String("targetgroup"), ResourceName: jsii.String("*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME}), nil)
		if perm, ok := c.Node().TryFindChild(jsii.String("InvokePermission")).(awslambda.CfnPermission); ok {
			a.Permission = perm
		} else {
			problems.Addf("Function %s is of another account or region, or imported without SameEnvironment: this stack cannot add the permission letting the load balancer invoke it; import it with awslambda.Function_FromFunctionAttributes and SameEnvironment: jsii.Bool(true) when it is in this stack's account and region, or put the target group there", eventsource.Path(p.Function))
		}
		targets = append(targets, &lambdaTarget{fn: eventsource.InvokeTarget(p.Function)})
		eventsource.NotAsyncInvoked(eventsource.BaseFunction(p.Function), "the load balancer invokes it synchronously and answers 502 when it fails")
	}
	tgProps := elbv2.ApplicationTargetGroupProps{
		TargetType:               elbv2.TargetType_LAMBDA,
		Targets:                  &targets,
		MultiValueHeadersEnabled: p.MultiValueHeaders,
		HealthCheck:              p.HealthCheck,
	}
	for _, field := range propsoverride.Apply(&tgProps, p.TargetGroupProps, OwnedTargetGroupProps) {
		problems.Addf("TargetGroupProps.%s is set: %s", field, OwnedTargetGroupProps[field])
	}
	tg := elbv2.NewApplicationTargetGroup(c, jsii.String("TargetGroup"), &tgProps)
	if a.Permission != nil {
		// ELB checks the permission when the group registers the function.
		tg.Node().AddDependency(a.Permission)
	}
	a.TargetGroup = tg
	if p.Listener == nil || p.Priority == nil {
		return a
	}
	a.Rule = elbv2.NewApplicationListenerRule(c, jsii.String("Rule"), &elbv2.ApplicationListenerRuleProps{
		Listener:     p.Listener,
		Priority:     p.Priority,
		Conditions:   &conditions,
		TargetGroups: &[]elbv2.IApplicationTargetGroup{tg},
	})
	// The target group's metrics name the load balancer, known from the
	// listener now that the rule attached the group to it.
	sum := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum")}
	a.LambdaUserErrorsAlarm = eventsource.NewAlarm(c, "LambdaUserErrorsAlarm", eventsource.AlarmSpec{
		Metric:      tg.Metrics().Custom(jsii.String("LambdaUserError"), sum),
		Description: "the load balancer could not get an answer from the function (it failed, timed out, was throttled or answered in a shape the load balancer cannot read): clients got 502.",
	}, p.AlarmAction)
	a.TargetServerErrorsAlarm = eventsource.NewAlarm(c, "TargetServerErrorsAlarm", eventsource.AlarmSpec{
		Metric:      tg.Metrics().HttpCodeTarget(elbv2.HttpCodeTarget_TARGET_5XX_COUNT, sum),
		Description: "the function answered 5xx. See its log.",
	}, p.AlarmAction)
	a.Alarms = []awscloudwatch.Alarm{a.LambdaUserErrorsAlarm, a.TargetServerErrorsAlarm}
	return a
}

// lambdaTarget registers a function (or alias) in a Lambda target group,
// as awselasticloadbalancingv2targets.LambdaTarget does without its
// unconditioned permission (New defines the permission).
type lambdaTarget struct{ fn awslambda.IFunction }

// AttachToApplicationTargetGroup implements elbv2.IApplicationLoadBalancerTarget.
func (l *lambdaTarget) AttachToApplicationTargetGroup(elbv2.IApplicationTargetGroup) *elbv2.LoadBalancerTargetProps {
	return &elbv2.LoadBalancerTargetProps{TargetType: elbv2.TargetType_LAMBDA, TargetJson: map[string]any{"id": l.fn.FunctionArn()}}
}

// ToString returns the construct's path. (A Go type is a construct for jsii,
// and so for every CDK API, only when it overrides a method.)
func (a *AlbTarget) ToString() *string { return a.Construct.ToString() }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
