package constructstest

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUnqualifiedInvocations(t *testing.T) {
	const template = `{"Resources": {
		"Fn": {"Type": "AWS::Lambda::Function"},
		"Alias": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"}, "Name": "live"}},
		"Plain": {"Type": "AWS::Lambda::Function"},
		"MappingOk": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {"FunctionName": {"Fn::Join": ["", [{"Ref": "Fn"}, ":live"]]}}},
		"MappingBad": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {"FunctionName": {"Ref": "Fn"}}},
		"PermOk": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": {"Ref": "Alias"}}},
		"PermBad": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]}}},
		"PlainPerm": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": {"Fn::GetAtt": ["Plain", "Arn"]}}},
		"RuleBad": {"Type": "AWS::Events::Rule", "Properties": {"Targets": [{"Arn": {"Ref": "Alias"}}, {"Arn": {"Fn::GetAtt": ["Fn", "Arn"]}}]}},
		"InvokeLatest": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {"FunctionName": {"Ref": "Fn"}, "Qualifier": "$LATEST"}},
		"InvokeLive": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {"FunctionName": {"Ref": "Fn"}, "Qualifier": "live"}},
		"UrlBad": {"Type": "AWS::Lambda::Url", "Properties": {"TargetFunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]}}},
		"RestBad": {"Type": "AWS::ApiGateway::Method", "Properties": {"Integration": {"Uri": {"Fn::Join": ["", ["arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/", {"Fn::GetAtt": ["Fn", "Arn"]}, "/invocations"]]}}}},
		"SubBad": {"Type": "AWS::SNS::Subscription", "Properties": {"Endpoint": {"Fn::Sub": "${Fn.Arn}"}}},
		"TgOk": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {"Targets": [{"Id": {"Ref": "Alias"}}]}}
	}}`
	var tmpl map[string]any
	if err := json.Unmarshal([]byte(template), &tmpl); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"InvokeLatest (AWS::Lambda::EventInvokeConfig) FunctionName: invokes function Fn unqualified ($LATEST), not its alias Alias (live)",
		"MappingBad (AWS::Lambda::EventSourceMapping) FunctionName: invokes function Fn unqualified ($LATEST), not its alias Alias (live)",
		"PermBad (AWS::Lambda::Permission) FunctionName: invokes function Fn unqualified ($LATEST), not its alias Alias (live)",
		"RestBad (AWS::ApiGateway::Method) Integration.Uri: invokes function Fn unqualified ($LATEST), not its alias Alias (live)",
		"RuleBad (AWS::Events::Rule) Targets[1].Arn: invokes function Fn unqualified ($LATEST), not its alias Alias (live)",
		"SubBad (AWS::SNS::Subscription) Endpoint: invokes function Fn unqualified ($LATEST), not its alias Alias (live)",
		"UrlBad (AWS::Lambda::Url) TargetFunctionArn: invokes function Fn unqualified ($LATEST), not its alias Alias (live)",
	}
	if got := UnqualifiedInvocations(tmpl, false); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Every function: the one without an alias is reported too.
	got := UnqualifiedInvocations(tmpl, true)
	if len(got) != len(want)+1 || !strings.Contains(strings.Join(got, "\n"), "PlainPerm (AWS::Lambda::Permission) FunctionName: invokes function Plain, which has no alias") {
		t.Errorf("everyFunction: got:\n%s\nwant the above and PlainPerm", strings.Join(got, "\n"))
	}
}
