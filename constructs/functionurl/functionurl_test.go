package functionurl_test

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/constructs/functionurl"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestIamAuthByDefault(t *testing.T) {
	stack := constructstest.Stack()
	fn := constructstest.NagCleanFunction(stack, "Fn", 10)
	u := functionurl.New(stack, jsii.String("Url"), &functionurl.Props{Function: fn})
	caller := constructstest.NagCleanFunction(stack, "Caller", 10)
	u.Url.GrantInvokeUrl(caller)
	tmpl := assertions.Template_FromStack(stack, nil)
	fnID := constructstest.LogicalID(stack, fn)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Url"), &map[string]any{
		"AuthType":          "AWS_IAM",
		"TargetFunctionArn": map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}},
		"InvokeMode":        assertions.Match_Absent(),
		"Cors":              assertions.Match_Absent(),
	})
	// No resource policy opens it; callers are granted on their side.
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(0))
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action": "lambda:InvokeFunctionUrl", "Resource": map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}},
		})})},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"Namespace": "AWS/Lambda", "MetricName": "Url5xxCount", "Statistic": "Sum", "Threshold": 0, "Period": 300,
		"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": fnID}}},
	})
	if len(u.Alarms) != 1 || u.ServerErrorsAlarm == nil {
		t.Errorf("got alarms %v, want ServerErrorsAlarm", u.Alarms)
	}
}

func TestCorsAndStreaming(t *testing.T) {
	stack := constructstest.Stack()
	functionurl.New(stack, jsii.String("Url"), &functionurl.Props{
		Function:   constructstest.Function(stack, "Fn", 10),
		InvokeMode: awslambda.InvokeMode_RESPONSE_STREAM,
		Cors: &awslambda.FunctionUrlCorsOptions{
			AllowedOrigins: jsii.Strings("https://app.example.com"),
			AllowedMethods: &[]awslambda.HttpMethod{awslambda.HttpMethod_GET},
			MaxAge:         awscdk.Duration_Minutes(jsii.Number(10)),
		},
	})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::Url"), &map[string]any{
		"InvokeMode": "RESPONSE_STREAM",
		"Cors":       map[string]any{"AllowOrigins": []any{"https://app.example.com"}, "AllowMethods": []any{"GET"}, "MaxAge": 600},
	})
}

func TestPublicNeedsAReasonWhichIsTheSuppression(t *testing.T) {
	const reason = "payment provider webhook; the handler checks its signature"
	stack := constructstest.Stack()
	fn := constructstest.NagCleanFunction(stack, "Fn", 10)
	functionurl.New(stack, jsii.String("Url"), &functionurl.Props{Function: fn, Public: jsii.String(reason)})
	// A pack with the public-access rule: the reason suppresses its findings.
	awscdk.Aspects_Of(awscdk.Stage_Of(stack)).Add(cdknag.NewNIST80053R5Checks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	for _, m := range constructstest.Messages(stack) {
		if strings.Contains(m.Text, "LambdaFunctionPublicAccessProhibited") {
			t.Errorf("got finding %s at %s, want it suppressed", m.Text, m.Path)
		}
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Url"), &map[string]any{"AuthType": "NONE"})
	// Both statements that open the function carry the reason for each rule.
	var rules []any
	for _, rule := range functionurl.PublicAccessRules {
		rules = append(rules, map[string]any{"id": rule, "reason": "Public function URL, on purpose: " + reason})
	}
	for _, action := range []string{"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"} {
		tmpl.HasResource(jsii.String("AWS::Lambda::Permission"), &map[string]any{
			"Properties": map[string]any{"Action": action, "Principal": "*", "FunctionName": map[string]any{"Fn::GetAtt": []any{constructstest.LogicalID(stack, fn), "Arn"}}},
			"Metadata":   map[string]any{"cdk_nag": map[string]any{"rules_to_suppress": rules}},
		})
	}
}

func TestPublicWithoutSuppressionIsFound(t *testing.T) {
	// The suppressions are needed: ignored, the pack finds both statements.
	stack := constructstest.Stack()
	functionurl.New(stack, jsii.String("Url"), &functionurl.Props{Function: constructstest.NagCleanFunction(stack, "Fn", 10), Public: jsii.String("test")})
	awscdk.Aspects_Of(awscdk.Stage_Of(stack)).Add(cdknag.NewNIST80053R5Checks(&cdknag.NagPackProps{
		SuppressionIgnoreCondition: cdknag.NewSuppressionIgnoreAlways(jsii.String("test: ignore every suppression")),
	}), nil)
	found := 0
	for _, m := range constructstest.Messages(stack) {
		if strings.Contains(m.Text, "LambdaFunctionPublicAccessProhibited") {
			found++
		}
	}
	if found != 2 {
		t.Errorf("got %d LambdaFunctionPublicAccessProhibited findings without the suppressions, want 2", found)
	}
}

func TestBadPropsFailSynth(t *testing.T) {
	stack := constructstest.Stack()
	functionurl.New(stack, jsii.String("None"), nil)
	fn := constructstest.Function(stack, "Fn", 3)
	u := functionurl.New(stack, jsii.String("Blank"), &functionurl.Props{Function: fn, Public: jsii.String("  ")})
	again := functionurl.New(stack, jsii.String("Again"), &functionurl.Props{Function: fn})
	constructstest.WantProblems(t, stack,
		"[S/None] functionurl: Function is required (the function to give a URL)",
		"[S/Blank] functionurl: Public is empty: give the reason the URL needs no authorization (it is recorded as the cdk-nag suppression)",
		"[S/Again] functionurl: Function S/Fn already has a URL, from S/Blank: a function (or alias) has at most one; use that one")
	if again.Url != nil {
		t.Error("got a second URL for the function, want none")
	}
	if u.Url == nil || *u.Url.Node().DefaultChild().(awslambda.CfnUrl).AuthType() != "AWS_IAM" {
		t.Error("want the URL built with AWS_IAM when the reason is missing")
	}
}

func TestCdkNagClean(t *testing.T) {
	stack := constructstest.Stack()
	functionurl.New(stack, jsii.String("Private"), &functionurl.Props{Function: constructstest.NagCleanFunction(stack, "Fn", 10)})
	functionurl.New(stack, jsii.String("Public"), &functionurl.Props{Function: constructstest.NagCleanFunction(stack, "Hook", 10), Public: jsii.String("webhook")})
	constructstest.NoNagFindings(t, stack)
}
