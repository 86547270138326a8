package albtarget_test

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/albtarget"
	"github.com/example/orderflow/constructs/constructstest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

const listenerArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shared/50dc6c495c0c9188/f2f7dc8efc522ab2"

// listener imports the HTTPS listener of a load balancer the stack does not own.
func listener(stack awscdk.Stack) elbv2.IApplicationListener {
	return elbv2.ApplicationListener_FromApplicationListenerAttributes(stack, jsii.String("Https"), &elbv2.ApplicationListenerAttributes{
		ListenerArn:   jsii.String(listenerArn),
		SecurityGroup: awsec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("AlbSg"), jsii.String("sg-0123456789abcdef0"), nil),
	})
}

func TestRuleForwardsToALambdaTargetGroup(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.NagCleanFunction(stack, "Fn", 10)
	alarms := awssns.NewTopic(stack, jsii.String("Alarms"), nil)
	a := albtarget.New(stack, jsii.String("Orders"), &albtarget.Props{
		Listener: listener(stack), Function: fn, Priority: jsii.Number(10),
		PathPatterns: jsii.Strings("/orders", "/orders/*"), HostHeaders: jsii.Strings("api.example.com"),
		MultiValueHeaders: jsii.Bool(true),
		HealthCheck:       &elbv2.HealthCheck{Enabled: jsii.Bool(true), Path: jsii.String("/health"), Interval: awscdk.Duration_Seconds(jsii.Number(60))},
		AlarmAction:       awscloudwatchactions.NewSnsAction(alarms),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tgID, fnID := constructstest.LogicalID(stack, a.TargetGroup), constructstest.LogicalID(stack, fn)
	tmpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), &map[string]any{
		"TargetType":                 "lambda",
		"Targets":                    []any{map[string]any{"Id": map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}}}},
		"HealthCheckEnabled":         true,
		"HealthCheckPath":            "/health",
		"HealthCheckIntervalSeconds": 60,
		"TargetGroupAttributes":      []any{map[string]any{"Key": "lambda.multi_value_headers.enabled", "Value": "true"}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), &map[string]any{
		"ListenerArn": listenerArn,
		"Priority":    10,
		"Conditions": []any{
			map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/orders", "/orders/*"}}},
			map[string]any{"Field": "host-header", "HostHeaderConfig": map[string]any{"Values": []any{"api.example.com"}}},
		},
		"Actions": []any{map[string]any{"Type": "forward", "TargetGroupArn": map[string]any{"Ref": tgID}}},
	})
	// The load balancer may invoke the function.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), &map[string]any{
		"Action": "lambda:InvokeFunction", "Principal": "elasticloadbalancing.amazonaws.com",
		"FunctionName": map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}},
	})
	// The metrics name the load balancer from the listener's ARN.
	for _, metric := range []string{"LambdaUserError", "HTTPCode_Target_5XX_Count"} {
		tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
			"Namespace":    "AWS/ApplicationELB",
			"MetricName":   metric,
			"Statistic":    "Sum",
			"Threshold":    0,
			"Dimensions":   assertions.Match_ArrayWith(&[]any{map[string]any{"Name": "LoadBalancer", "Value": "app/shared/50dc6c495c0c9188"}}),
			"AlarmActions": constructstest.AlarmActions(stack, alarms),
		})
	}
	if len(a.Alarms) != 2 || a.Rule == nil {
		t.Errorf("got %d alarms and rule %v, want 2 and a rule", len(a.Alarms), a.Rule)
	}
}

func TestDefaultsLeaveHealthCheckOffAndSingleValueHeaders(t *testing.T) {
	stack := constructstest.Stack()
	albtarget.New(stack, jsii.String("Orders"), &albtarget.Props{Listener: listener(stack), Function: constructstest.Function(stack, "Fn", 3),
		Priority: jsii.Number(1), PathPatterns: jsii.Strings("/*")})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), &map[string]any{
		"HealthCheckEnabled":    assertions.Match_Absent(),
		"TargetGroupAttributes": assertions.Match_Absent(),
	})
}

func TestBadPropsFailSynth(t *testing.T) {
	tests := []struct {
		name  string
		props func(awscdk.Stack) *albtarget.Props
		want  []string
	}{
		{"nothing", func(awscdk.Stack) *albtarget.Props { return nil }, []string{
			"[S/A] albtarget: Listener is required (the load balancer's listener to add the rule to)",
			"[S/A] albtarget: Function is required (the function to forward requests to)",
			"[S/A] albtarget: Priority is required (1-50000, unique per listener)",
			"[S/A] albtarget: PathPatterns and HostHeaders are both empty: give the paths or hosts the rule forwards (a rule needs a condition; the listener's default action covers the rest)",
		}},
		{"priority and conditions", func(s awscdk.Stack) *albtarget.Props {
			return &albtarget.Props{Listener: listener(s), Function: constructstest.Function(s, "Fn", 3), Priority: jsii.Number(50_001),
				PathPatterns: jsii.Strings("/a", "/b", "/c", "/"+strings.Repeat("x", 128)), HostHeaders: jsii.Strings("a.example.com", "b.example.com")}
		}, []string{
			"[S/A] albtarget: Priority 50001 is outside 1-50000 (ALB quotas)",
			`[S/A] albtarget: PathPatterns value "/` + strings.Repeat("x", 128) + `" is outside 1-128 characters (ALB quotas)`,
			"[S/A] albtarget: PathPatterns and HostHeaders hold 6 values, more than 5 (ALB quotas: condition values per rule)",
		}},
		{"a nil value", func(s awscdk.Stack) *albtarget.Props {
			return &albtarget.Props{Listener: listener(s), Function: constructstest.Function(s, "Fn", 3), Priority: jsii.Number(1),
				PathPatterns: &[]*string{nil}}
		}, []string{`[S/A] albtarget: PathPatterns value "" is outside 1-128 characters (ALB quotas)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := constructstest.Stack()
			a := albtarget.New(stack, jsii.String("A"), tt.props(stack))
			if a.TargetGroup == nil {
				t.Error("want the target group built")
			}
			constructstest.WantProblems(t, stack, tt.want...)
		})
	}
}

func TestCdkNagClean(t *testing.T) {
	stack := constructstest.Stack()
	albtarget.New(stack, jsii.String("Orders"), &albtarget.Props{Listener: listener(stack), Function: constructstest.NagCleanFunction(stack, "Fn", 10),
		Priority: jsii.Number(10), PathPatterns: jsii.Strings("/orders/*")})
	constructstest.NoNagFindings(t, stack)
}
