package deploylocal

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/example/orderflow/tools/assembly"
	"github.com/example/orderflow/tools/moto"
)

func TestTemplateDiff(t *testing.T) {
	fn := func(key string) assembly.Resource {
		return assembly.Resource{Type: "AWS::Lambda::Function", Properties: map[string]any{"Code": map[string]any{"S3Key": key}}}
	}
	table := assembly.Resource{Type: "AWS::DynamoDB::Table", DeletionPolicy: "Retain"}
	a := &assembly.Assembly{Stacks: []*assembly.Stack{
		{Name: "S", Template: &assembly.Template{Resources: map[string]assembly.Resource{"Table": table}}},
		{Name: "V", Template: &assembly.Template{Resources: map[string]assembly.Resource{"Api": fn("a.zip"), "Kitchen": fn("k.zip")}}},
	}}
	b := &assembly.Assembly{Stacks: []*assembly.Stack{
		{Name: "S", Template: &assembly.Template{Resources: map[string]assembly.Resource{"Table": table}}},
		{Name: "V", Template: &assembly.Template{Resources: map[string]assembly.Resource{"Api": fn("a2.zip"), "Kitchen": fn("k.zip"), "New": table}}},
	}}
	got := templateDiff(a, b)
	want := []resourceDiff{{"V", "Api", "AWS::Lambda::Function", false}, {"V", "New", "AWS::DynamoDB::Table", true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := templateDiff(a, a); len(got) != 0 {
		t.Errorf("same assembly: got %v, want no difference", got)
	}
}

func TestOneFunctionChanged(t *testing.T) {
	fn := resourceDiff{"V", "Api", "AWS::Lambda::Function", false}
	alias := resourceDiff{"V", "ApiAlias", "AWS::Lambda::Alias", false}
	oldV := resourceDiff{"V", "ApiVersionA", "AWS::Lambda::Version", false}
	newV := resourceDiff{"V", "ApiVersionB", "AWS::Lambda::Version", true}
	tests := []struct {
		name  string
		diffs []resourceDiff
		want  functionChange
		ok    bool
	}{
		{"function without an alias", []resourceDiff{fn}, functionChange{stack: "V", function: "Api"}, true},
		{"function, alias, old and new version", []resourceDiff{fn, alias, oldV, newV}, functionChange{"V", "Api", "ApiAlias", "ApiVersionA", "ApiVersionB"}, true},
		{"a version but no alias", []resourceDiff{fn, oldV, newV}, functionChange{}, false},
		{"an alias but no new version", []resourceDiff{fn, alias, oldV}, functionChange{}, false},
		{"two functions", []resourceDiff{fn, {"V", "Kitchen", "AWS::Lambda::Function", false}}, functionChange{}, false},
		{"something else", []resourceDiff{fn, {"V", "Queue", "AWS::SQS::Queue", false}}, functionChange{}, false},
		{"no function", []resourceDiff{alias, oldV, newV}, functionChange{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := oneFunctionChanged(tt.diffs)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("got %+v, %v; want %+v, ok %v", got, err, tt.want, tt.ok)
			}
		})
	}
	c := functionChange{"V", "Api", "ApiAlias", "ApiVersionA", "ApiVersionB"}
	own := []string{"V/Api Code (CodeSha256 of the asset object)", "V/ApiAlias FunctionVersion", "V/ApiVersionA Version (the number in its ARN)",
		"V/ApiVersionA physical ID", "V/ApiVersionB FunctionName", "V/ApiVersionB physical ID"}
	if !c.explains(own) {
		t.Error("explains: got false for the change's own differences, want true")
	}
	if c.explains(append(slices.Clone(own), "V/ApiAlias physical ID")) {
		t.Error("explains: got true with the alias replaced, want false (it moves in place)")
	}
	if c.explains(slices.DeleteFunc(slices.Clone(own), func(d string) bool { return d == "V/ApiAlias FunctionVersion" })) {
		t.Error("explains: got true with the alias not moved, want false")
	}
	if c.explains(slices.DeleteFunc(slices.Clone(own), func(d string) bool { return d == "V/ApiVersionB physical ID" })) {
		t.Error("explains: got true without a new version, want false")
	}
	if !(functionChange{stack: "V", function: "Api"}).explains([]string{"V/Api Code (CodeSha256 of the asset object)"}) {
		t.Error("explains: a function without an alias, its code changed: got false, want true")
	}
	if c.explains([]string{"V/Api Code (CodeSha256 of the asset object)", "V/Queue VisibilityTimeout"}) {
		t.Error("explains: got true with another resource changed, want false")
	}
	if c.explains([]string{"V/ApiAlias FunctionVersion"}) {
		t.Error("explains: got true without the code changed, want false")
	}
}

func TestReadBackDiff(t *testing.T) {
	a := &Verification{Checks: []Check{
		{Stack: "V", LogicalID: "Api", Property: "Code (CodeSha256 of the asset object)", Got: "abc"},
		{Stack: "V", LogicalID: "Api", Property: "Runtime", Got: "provided.al2023"},
		{Stack: "V", LogicalID: "Gone", Property: "Runtime", Got: "x"},
	}}
	b := &Verification{Checks: []Check{
		{Stack: "V", LogicalID: "Api", Property: "Code (CodeSha256 of the asset object)", Got: "def"},
		{Stack: "V", LogicalID: "Api", Property: "Runtime", Got: "provided.al2023"},
		{Stack: "V", LogicalID: "Added", Property: "Runtime", Got: "y"},
	}}
	deployed := func(physical map[string]string) map[string]*DeployedStack {
		return map[string]*DeployedStack{"V": {Physical: physical}}
	}
	got := state(a, deployed(map[string]string{"Api": "fn", "Gone": "g"})).diff(state(b, deployed(map[string]string{"Api": "fn", "Added": "n"})))
	want := []string{"V/Added Runtime", "V/Added physical ID", "V/Api Code (CodeSha256 of the asset object)", "V/Gone Runtime", "V/Gone physical ID"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSnapshotDiff(t *testing.T) {
	before := snapshot{"V/Api code": "a", "V/Api physical ID": "p", "V/Old physical ID": "o"}
	after := snapshot{"V/Api code": "b", "V/Api physical ID": "p", "V/New physical ID": "n"}
	got := before.diff(after)
	want := []string{"V/Api code", "V/New physical ID", "V/Old physical ID"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestNames(t *testing.T) {
	arn := "arn:aws:lambda:eu-west-3:123456789012:function:App-Fn-X"
	for _, tt := range []struct{ got, want string }{
		{functionName(arn, map[string]any{"Ref": "Fn"}), "App-Fn-X"},
		{functionName(arn+":$LATEST", "App-Fn-X"), "App-Fn-X"},
		{functionName(arn, arn), arn},
		{ruleName("bus|rule-1"), "rule-1"},
		{ruleName("rule-1"), "rule-1"},
		{lastSegment("arn:aws:events:eu-west-3:123456789012:event-bus/orders"), "orders"},
		{aws.ToString(describeRule("orders-bus|rule-1").EventBusName) + " " + aws.ToString(describeRule("orders-bus|rule-1").Name), "orders-bus rule-1"},
		{aws.ToString(describeRule("rule-1").EventBusName) + " " + aws.ToString(describeRule("rule-1").Name), " rule-1"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestDeployEnvironmentReachesOnlyTheEmulator(t *testing.T) {
	t.Setenv("AWS_PROFILE", "production")
	t.Setenv("AWS_SESSION_TOKEN", "real-token")
	t.Setenv("AWS_ENDPOINT_URL_S3", "https://s3.amazonaws.com")
	t.Setenv("CDK_DEFAULT_REGION", "us-east-1")
	t.Setenv("HTTPS_PROXY", "http://corporate-proxy:3128")
	work := t.TempDir()
	c, err := newCLI("/project", work, "http://localhost:5000", "eu-west-3", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, kv := range c.deployEnv {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := env[k]; dup {
			t.Errorf("%s set twice", k)
		}
		env[k] = v
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "CDK_DEFAULT_REGION"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s=%s leaked into the deploy environment", k, v)
		}
	}
	want := map[string]string{
		"AWS_ENDPOINT_URL":            "http://localhost:5000",
		"AWS_REGION":                  "eu-west-3",
		"AWS_ACCESS_KEY_ID":           moto.AccessKeyID,
		"HOME":                        filepath.Join(work, "home"),
		"AWS_CONFIG_FILE":             filepath.Join(work, "home", ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(work, "home", ".aws", "credentials"),
		"HTTPS_PROXY":                 deadProxy,
		"NO_PROXY":                    "localhost,127.0.0.1",
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s: got %q, want %q", k, env[k], v)
		}
	}
	if !strings.HasPrefix(env["PATH"], "/project/node_modules/.bin"+string(os.PathListSeparator)) {
		t.Errorf("PATH: got %q, want the project's node_modules/.bin first", env["PATH"])
	}
	config, err := os.ReadFile(env["AWS_CONFIG_FILE"])
	if err != nil || !strings.Contains(string(config), "endpoint_url = http://localhost:5000") {
		t.Errorf("AWS config file: got %q (%v), want the emulator's endpoint", config, err)
	}
	for _, kv := range c.synthEnv {
		if strings.HasPrefix(kv, "AWS_PROFILE=") || strings.HasPrefix(kv, "CDK_DEFAULT_REGION=") {
			t.Errorf("synth environment has %s", kv)
		}
	}
}

func TestCopyProjectAndChangeFunction(t *testing.T) {
	root, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	for _, f := range []string{"go.mod", "functions/api/main.go", "node_modules/x/y.js", "cdk.out/manifest.json", "cdk.out.old/m.json", ".git/HEAD", "stacks/app.go"} {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := copyProject(root, dst); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]bool{"go.mod": true, "functions/api/main.go": true, "stacks/app.go": true,
		"node_modules/x/y.js": false, "cdk.out/manifest.json": false, "cdk.out.old/m.json": false, ".git/HEAD": false} {
		_, err := os.Stat(filepath.Join(dst, f))
		if got := err == nil; got != want {
			t.Errorf("%s copied: got %v, want %v", f, got, want)
		}
	}
	if fn, err := firstFunction(root); err != nil || fn != "api" {
		t.Fatalf("firstFunction: got %q, %v", fn, err)
	}
	if err := changeFunction(dst, "api"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "functions", "api", "zz_deploylocal_change.go")); err == nil {
		t.Error("the change was written into the project, want the copy only")
	}
	if b, err := os.ReadFile(filepath.Join(dst, "functions", "api", "zz_deploylocal_change.go")); err != nil || !strings.Contains(string(b), "func init()") {
		t.Errorf("the copy's change: %q, %v", b, err)
	}
}
