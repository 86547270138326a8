package gofunction

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The function is a construct: tags, dependencies and lookups on it reach
// what it defined.
func TestFunctionIsAConstructOverEverythingItDefines(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	f := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a"))})
	awscdk.Tags_Of(f).Add(jsii.String("team"), jsii.String("kitchen"), nil)
	other := awssqs.NewQueue(stack, jsii.String("Other"), nil)
	other.Node().AddDependency(f)

	for _, id := range []string{"Function", "Role", "LogGroup", "ErrorsAlarm"} {
		if f.Node().FindChild(jsii.String(id)) == nil {
			t.Errorf("got no child %q, want it under the construct", id)
		}
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tag := assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "kitchen"}})
	for _, typ := range []string{"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Logs::LogGroup"} {
		tmpl.HasResourceProperties(jsii.String(typ), &map[string]any{"Tags": tag})
	}
	tmpl.HasResource(jsii.String("AWS::SQS::Queue"), &map[string]any{
		"DependsOn": assertions.Match_ArrayWith(&[]any{ // in logical ID order
			*stack.GetLogicalId(f.ErrorsAlarm.Node().DefaultChild().(awscdk.CfnElement)),
			*stack.GetLogicalId(f.Function.Node().DefaultChild().(awscdk.CfnElement)),
			*stack.GetLogicalId(f.LogGroup.Node().DefaultChild().(awscdk.CfnElement)),
		}),
	})
}

// Deployed functions, roles and log groups (RETAIN) keep their logical IDs:
// each is the one a plain construct at the same path gets, as when New
// defined its resources under constructs.NewConstruct(scope, id).
func TestLogicalIDsAreThoseOfAPlainConstruct(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	svc := constructs.NewConstruct(stack, jsii.String("Service"))
	f := New(svc, jsii.String("Api"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a"))})
	for _, tt := range []struct {
		path string
		got  constructs.IConstruct
	}{
		{"Service/Api/Function/Resource", f.Function},
		{"Service/Api/Role/Resource", f.Role},
		{"Service/Api/LogGroup/Resource", f.LogGroup},
		{"Service/Api/ErrorsAlarm/Resource", f.ErrorsAlarm},
		{"Service/Api/ThrottlesAlarm/Resource", f.ThrottlesAlarm},
		{"Service/Api/DurationAlarm/Resource", f.DurationAlarm},
	} {
		got := *stack.GetLogicalId(tt.got.Node().DefaultChild().(awscdk.CfnElement))
		if want := plainLogicalID(tt.path); got != want {
			t.Errorf("%s: got logical ID %s, want %s", tt.path, got, want)
		}
	}
}

// plainLogicalID is the logical ID of a resource at path (below a stack)
// in a tree of plain constructs.
func plainLogicalID(path string) string {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("T"), nil)
	parts := strings.Split(path, "/")
	var scope constructs.Construct = stack
	for _, p := range parts[:len(parts)-1] {
		scope = constructs.NewConstruct(scope, jsii.String(p))
	}
	res := awscdk.NewCfnResource(scope, jsii.String(parts[len(parts)-1]), &awscdk.CfnResourceProps{Type: jsii.String("AWS::X::Y")})
	return *stack.GetLogicalId(res)
}
