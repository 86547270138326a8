package gofunction

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/cdkapp"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// copyModule copies testdata/mod into a new temp dir and returns its path.
func copyModule(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir("testdata/mod", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/mod", path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func newStack(t *testing.T, outdir string) awscdk.Stack {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	return awscdk.NewStack(app, jsii.String("S"), nil)
}

// synthProblems synthesizes the app of stack and returns the problems that
// failed synth, or nil.
func synthProblems(t *testing.T, stack awscdk.Stack) []string {
	t.Helper()
	_, err := cdkapp.Synth(awscdk.Stage_Of(stack))
	if err == nil {
		return nil
	}
	var e *cdkapp.Error
	if !errors.As(err, &e) || len(e.Problems) == 0 {
		t.Fatalf("synth failed without problems: %v", err)
	}
	return e.Problems
}

func TestLimitViolationsFailSynthNamingFieldValueAndRange(t *testing.T) {
	mod := copyModule(t)
	entry := filepath.Join(mod, "fn", "b")
	const noEntry = `gofunction: Entry is required (the directory of the function's main package, e.g. "functions/api")`
	tests := []struct {
		name  string
		props *Props
		want  string
	}{
		{"no props", nil, noEntry},
		{"no entry", &Props{}, noEntry},
		{"blank entry", &Props{Entry: jsii.String(" ")}, noEntry},
		{"memory below", &Props{Entry: &entry, MemorySize: jsii.Number(127)}, "gofunction: MemorySize 127 MB is outside 128-10240 MB (Lambda quotas)"},
		{"memory above", &Props{Entry: &entry, MemorySize: jsii.Number(10241)}, "gofunction: MemorySize 10241 MB is outside 128-10240 MB (Lambda quotas)"},
		{"memory fractional", &Props{Entry: &entry, MemorySize: jsii.Number(256.5)}, "gofunction: MemorySize 256.5 MB is not a whole number"},
		{"timeout zero", &Props{Entry: &entry, Timeout: awscdk.Duration_Seconds(jsii.Number(0))}, "gofunction: Timeout 0s is outside 1-900s (Lambda quotas)"},
		{"timeout above", &Props{Entry: &entry, Timeout: awscdk.Duration_Seconds(jsii.Number(901))}, "gofunction: Timeout 901s is outside 1-900s (Lambda quotas)"},
		{"timeout 16 minutes", &Props{Entry: &entry, Timeout: awscdk.Duration_Minutes(jsii.Number(16))}, "gofunction: Timeout 960s is outside 1-900s (Lambda quotas)"},
		{"timeout fractional", &Props{Entry: &entry, Timeout: awscdk.Duration_Millis(jsii.Number(1500))}, "gofunction: Timeout 1.5s is not a whole number of seconds"},
		{"storage below", &Props{Entry: &entry, EphemeralStorageSize: awscdk.Size_Mebibytes(jsii.Number(511))}, "gofunction: EphemeralStorageSize 511 MiB is outside 512-10240 MiB (Lambda quotas)"},
		{"storage above", &Props{Entry: &entry, EphemeralStorageSize: awscdk.Size_Gibibytes(jsii.Number(11))}, "gofunction: EphemeralStorageSize 11264 MiB is outside 512-10240 MiB (Lambda quotas)"},
		{"entry without module", &Props{Entry: jsii.String("/")}, `gofunction: Entry "/": no go.mod in / or any parent`},
		{"entry not a package", &Props{Entry: jsii.String(mod)}, `gofunction: Entry "` + mod + `"`},
		{"recursive loop without reason", &Props{Entry: &entry, AllowRecursiveLoop: jsii.String(" ")}, "gofunction: AllowRecursiveLoop is empty: give the reason the function takes part in a loop on purpose (Lambda stops a loop it detects unless it is allowed)"},
		{"override of a Props setting", &Props{Entry: &entry, FunctionProps: &awslambda.FunctionProps{MemorySize: jsii.Number(512)}}, "gofunction: FunctionProps.MemorySize is set: use Props.MemorySize"},
		{"override of the build", &Props{Entry: &entry, FunctionProps: &awslambda.FunctionProps{Handler: jsii.String("main")}}, "gofunction: FunctionProps.Handler is set: the construct runs the executable bootstrap (Props.Entry)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := newStack(t, t.TempDir())
			fn := New(stack, jsii.String("Fn"), tt.props)
			if fn.Function == nil || fn.Role == nil || len(fn.Alarms) != 3 {
				t.Errorf("got %+v, want a usable function, role and alarms despite the bad props", fn)
			}
			got := synthProblems(t, stack)
			if len(got) != 1 || !strings.HasPrefix(got[0], "[S/Fn] "+tt.want) {
				t.Errorf("got problems %q, want one starting with %q", got, "[S/Fn] "+tt.want)
			}
		})
	}
}

func TestEveryProblemOfAFunctionIsReportedAtOnce(t *testing.T) {
	stack := newStack(t, t.TempDir())
	New(stack, jsii.String("Fn"), &Props{MemorySize: jsii.Number(64), Timeout: awscdk.Duration_Minutes(jsii.Number(20))})
	got := synthProblems(t, stack)
	want := []string{
		`[S/Fn] gofunction: Entry is required (the directory of the function's main package, e.g. "functions/api")`,
		"[S/Fn] gofunction: MemorySize 64 MB is outside 128-10240 MB (Lambda quotas)",
		"[S/Fn] gofunction: Timeout 1200s is outside 1-900s (Lambda quotas)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestGivenRole(t *testing.T) {
	// The imported role's policy is "Policy", or "Policy<unique ID>" with
	// this flag (the project's cdk.json sets it).
	for _, flag := range []bool{false, true} {
		t.Run(fmt.Sprintf("stack-safe policy name %v", flag), func(t *testing.T) { testGivenRole(t, flag) })
	}
}

func testGivenRole(t *testing.T, stackSafePolicyName bool) {
	mod := copyModule(t)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &map[string]any{
		"@aws-cdk/aws-iam:importedRoleStackSafeDefaultPolicyName": stackSafePolicyName,
	}})
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	role := awsiam.Role_FromRoleArn(stack, jsii.String("Platform"), jsii.String("arn:aws:iam::123456789012:role/platform-lambda"),
		&awsiam.FromRoleArnOptions{Mutable: jsii.Bool(true)})
	fn := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), Role: role})
	if fn.Role != role {
		t.Errorf("got Role %v, want the given role", fn.Role)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(0))
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{"Role": "arn:aws:iam::123456789012:role/platform-lambda"})
	// Log writes on the function's own log group land on the given role, and
	// the X-Ray "*" carries its reasoned suppression.
	tmpl.HasResource(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"Properties": map[string]any{
			"Roles": []any{"platform-lambda"},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
				"Resource": map[string]any{"Fn::GetAtt": []any{*stack.GetLogicalId(fn.LogGroup.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}},
			})})},
		},
		"Metadata": map[string]any{"cdk_nag": map[string]any{"rules_to_suppress": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{"id": "AwsSolutions-IAM5", "applies_to": []any{"Resource::*"}}),
		})}},
	})
}

func TestBoundaryValuesAreAccepted(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	New(stack, jsii.String("Small"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b")),
		MemorySize: jsii.Number(128), Timeout: awscdk.Duration_Seconds(jsii.Number(1)), EphemeralStorageSize: awscdk.Size_Mebibytes(jsii.Number(512))})
	New(stack, jsii.String("Large"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b")),
		MemorySize: jsii.Number(10240), Timeout: awscdk.Duration_Minutes(jsii.Number(15)), EphemeralStorageSize: awscdk.Size_Mebibytes(jsii.Number(10240))})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"MemorySize": 10240, "Timeout": 900, "EphemeralStorage": map[string]any{"Size": 10240},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"MemorySize": 128, "Timeout": 1, "EphemeralStorage": map[string]any{"Size": 512},
	})
}

func TestDefaults(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	fn := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a"))})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"Runtime":          "provided.al2023",
		"Handler":          "bootstrap",
		"Architectures":    []any{"arm64"},
		"MemorySize":       DefaultMemoryMB,
		"Timeout":          DefaultTimeoutSeconds,
		"EphemeralStorage": map[string]any{"Size": 512},
		"TracingConfig":    map[string]any{"Mode": "Active"},
		"LoggingConfig": map[string]any{
			"LogFormat":           "JSON",
			"ApplicationLogLevel": "INFO",
			"SystemLogLevel":      "WARN",
			"LogGroup":            map[string]any{"Ref": *stack.GetLogicalId(fn.LogGroup.Node().DefaultChild().(awscdk.CfnElement))},
		},
	})
	tmpl.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
		"Properties":     map[string]any{"RetentionInDays": 30},
		"DeletionPolicy": "Retain",
	})
	tmpl.ResourceCountIs(jsii.String("Custom::LogRetention"), jsii.Number(0))
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), &map[string]any{
		"ManagedPolicyArns": assertions.Match_Absent(),
	})
	// Log writes are scoped to the function's own log group.
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Effect":   "Allow",
			"Resource": map[string]any{"Fn::GetAtt": []any{*stack.GetLogicalId(fn.LogGroup.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}},
		}})},
	})
}

func TestBuildsAnExecutableBootstrapForTheArchitecture(t *testing.T) {
	mod := copyModule(t)
	outdir := t.TempDir()
	stack := newStack(t, outdir)
	arm := New(stack, jsii.String("Arm"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a"))})
	x86 := New(stack, jsii.String("X86"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b")), Architecture: awslambda.Architecture_X86_64()})
	assertions.Template_FromStack(stack, nil)
	for _, tt := range []struct {
		fn   *Function
		want elf.Machine
	}{{arm, elf.EM_AARCH64}, {x86, elf.EM_X86_64}} {
		path := filepath.Join(outdir, "asset."+*tt.fn.Asset.AssetHash(), "bootstrap")
		f, err := elf.Open(path)
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		if f.Machine != tt.want {
			t.Errorf("%s: got machine %v, want %v", path, f.Machine, tt.want)
		}
		f.Close()
		if fi, _ := os.Stat(path); fi.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s: mode %v, want executable", path, fi.Mode())
		}
	}
}

func TestBuildFailureFailsSynthWithCompilerOutput(t *testing.T) {
	mod := copyModule(t)
	if err := os.WriteFile(filepath.Join(mod, "fn", "b", "broken.go"), []byte("package main\n\nvar x int = \"not an int\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outdir := t.TempDir()
	stack := newStack(t, outdir)
	fn := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b"))})
	got := synthProblems(t, stack)
	if len(got) != 1 || !strings.HasPrefix(got[0], "[S/Fn] gofunction: build of ./fn/b failed") || !strings.Contains(got[0], "broken.go") {
		t.Errorf("got %q, want the build failure with the compiler's message", got)
	}
	if _, err := os.Stat(filepath.Join(outdir, "asset."+*fn.Asset.AssetHash())); !os.IsNotExist(err) {
		t.Errorf("asset directory of a failed build: got %v, want it removed so the next synth builds again", err)
	}
}

func TestUnchangedFunctionIsNotRebuilt(t *testing.T) {
	mod := copyModule(t)
	outdir := t.TempDir()
	synth := func() (a, b string) {
		stack := newStack(t, outdir)
		fa := New(stack, jsii.String("A"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a"))})
		fb := New(stack, jsii.String("B"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b"))})
		assertions.Template_FromStack(stack, nil)
		return *fa.Asset.AssetHash(), *fb.Asset.AssetHash()
	}
	a1, b1 := synth()
	stamp := func(hash string) int64 {
		fi, err := os.Stat(filepath.Join(outdir, "asset."+hash, "bootstrap"))
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime().UnixNano()
	}
	ta, tb := stamp(a1), stamp(b1)

	// Nothing changed: same hashes, same files.
	a2, b2 := synth()
	if a2 != a1 || b2 != b1 {
		t.Fatalf("hashes changed without a change: got %s %s, want %s %s", a2, b2, a1, b1)
	}
	if stamp(a2) != ta || stamp(b2) != tb {
		t.Errorf("an unchanged function was rebuilt")
	}

	// A change to lib (imported by a only) rebuilds a only.
	if err := os.WriteFile(filepath.Join(mod, "lib", "lib.go"), []byte("package lib\n\nconst Greeting = \"changed\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a3, b3 := synth()
	if a3 == a1 {
		t.Errorf("a's hash did not change after its dependency changed")
	}
	if b3 != b1 || stamp(b3) != tb {
		t.Errorf("b was rebuilt after a change it does not import")
	}
}

func TestHashIsIndependentOfCheckoutPath(t *testing.T) {
	h1, err := sourceHash(nil, target{moduleDir: copyModule(t), pkg: "./fn/a", goarch: "arm64"})
	if err != nil {
		t.Fatal(err)
	}
	h2, err := sourceHash(nil, target{moduleDir: copyModule(t), pkg: "./fn/a", goarch: "arm64"})
	if err != nil {
		t.Fatal(err)
	}
	if h1 != h2 {
		t.Errorf("got %s and %s for copies at different paths, want equal", h1, h2)
	}
	h3, err := sourceHash(nil, target{moduleDir: copyModule(t), pkg: "./fn/a", goarch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if h3 == h1 {
		t.Errorf("arm64 and amd64 hashes are equal, want different")
	}
}

func TestInterruptedBuildIsRebuilt(t *testing.T) {
	mod := copyModule(t)
	outdir := t.TempDir()
	stack := newStack(t, outdir)
	fn := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b"))})
	assertions.Template_FromStack(stack, nil)
	// Simulate a synth killed after staging: the asset holds the placeholder.
	bootstrap := filepath.Join(outdir, "asset."+*fn.Asset.AssetHash(), "bootstrap")
	if err := os.WriteFile(bootstrap, []byte(placeholder), 0o755); err != nil {
		t.Fatal(err)
	}
	// What a new process starts with: no sweep done, no staging cache.
	swept.Delete(outdir)
	awscdk.AssetStaging_ClearAssetHashCache()
	stack2 := newStack(t, outdir)
	New(stack2, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b"))})
	assertions.Template_FromStack(stack2, nil)
	if _, err := elf.Open(bootstrap); err != nil {
		t.Errorf("after an interrupted build: %v, want a rebuilt binary", err)
	}
}

func TestAlarms(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	topic := awssns.NewTopic(stack, jsii.String("Topic"), nil)
	fn := New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")),
		Timeout: awscdk.Duration_Seconds(jsii.Number(30)), AlarmAction: awscloudwatchactions.NewSnsAction(topic)})
	quiet := New(stack, jsii.String("Quiet"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b"))})
	tmpl := assertions.Template_FromStack(stack, nil)
	fnID := *stack.GetLogicalId(fn.Function.Node().DefaultChild().(awscdk.CfnElement))
	topicRef := []any{map[string]any{"Ref": *stack.GetLogicalId(topic.Node().DefaultChild().(awscdk.CfnElement))}}

	if len(fn.Alarms) != 3 || fn.ErrorsAlarm == nil || fn.ThrottlesAlarm == nil || fn.DurationAlarm == nil {
		t.Fatalf("got alarms %v, want ErrorsAlarm, ThrottlesAlarm, DurationAlarm", fn.Alarms)
	}
	tmpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(6))
	for _, tt := range []struct {
		metric    string
		stat      map[string]any
		threshold float64
	}{
		{"Errors", map[string]any{"Statistic": "Sum"}, 0},
		{"Throttles", map[string]any{"Statistic": "Sum"}, 0},
		{"Duration", map[string]any{"ExtendedStatistic": "p99"}, 24_000}, // 80% of 30 s, in ms
	} {
		want := map[string]any{
			"Namespace":          "AWS/Lambda",
			"MetricName":         tt.metric,
			"Dimensions":         []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": fnID}}},
			"Period":             300,
			"EvaluationPeriods":  1,
			"DatapointsToAlarm":  1,
			"ComparisonOperator": "GreaterThanThreshold",
			"Threshold":          tt.threshold,
			"TreatMissingData":   "notBreaching",
			"AlarmActions":       topicRef,
			"OKActions":          topicRef,
			"AlarmName":          assertions.Match_Absent(),
		}
		for k, v := range tt.stat {
			want[k] = v
		}
		tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &want)
	}
	// Without an AlarmAction the alarms exist and notify nobody; the
	// duration threshold follows the default timeout.
	quietID := *stack.GetLogicalId(quiet.Function.Node().DefaultChild().(awscdk.CfnElement))
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"Dimensions":   []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": quietID}}},
		"AlarmActions": assertions.Match_Absent(),
		"OKActions":    assertions.Match_Absent(),
	}, jsii.Number(3))
	tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
		"MetricName": "Duration",
		"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": quietID}}},
		"Threshold":  DefaultTimeoutSeconds * 1000 * DurationAlarmPercent / 100,
	})
}

// TestOneGoListPerStage: the functions of one stage share one `go list`
// (the entry and the packages beside it), and each function's hash is the
// one a listing of that function alone gives: same packages, same files.
// A broken package beside them fails only its own function.
func TestOneGoListPerStage(t *testing.T) {
	mod := copyModule(t)
	if err := os.MkdirAll(filepath.Join(mod, "fn", "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "fn", "c", "main.go"), []byte("package main\n\nimport _ \"example.com/mod/nosuch\"\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	scope := new(int) // any comparable value stands for a stage
	before := goListRuns.Load()
	for _, pkg := range []string{"./fn/a", "./fn/b"} {
		tg := target{moduleDir: mod, pkg: pkg, goarch: "arm64"}
		got, err := sourceHash(scope, tg)
		if err != nil {
			t.Fatalf("%s: %v", pkg, err)
		}
		alone, err := sourceHash(nil, tg)
		if err != nil {
			t.Fatalf("%s alone: %v", pkg, err)
		}
		if got != alone {
			t.Errorf("%s: got hash %s from the shared listing, want %s as listed alone", pkg, got, alone)
		}
	}
	// Two functions, each also listed alone: 1 shared + 2 single listings.
	if runs := goListRuns.Load() - before; runs != 3 {
		t.Errorf("go list ran %d times, want 3 (one for the stage, one per function listed alone)", runs)
	}
	if _, err := sourceHash(scope, target{moduleDir: mod, pkg: "./fn/c", goarch: "arm64"}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("broken fn/c: got error %v, want one naming the missing import", err)
	}
}

// TestSweepLeavesOtherRunningSynthsAlone: two synths writing to one output
// directory (two checkouts' tests sharing a folder, or `make synth` twice at
// once) must not delete each other's builds in progress. Only placeholders
// and scratch directories of processes that are gone are swept.
func TestSweepLeavesOtherRunningSynthsAlone(t *testing.T) {
	outdir := t.TempDir()
	host, _ := os.Hostname()
	gone := exec.Command("go", "version")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := gone.ProcessState.Pid()
	running := exec.Command("sleep", "60")
	if err := running.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { running.Process.Kill(); running.Wait() })
	livePID := running.Process.Pid

	assets := map[string]string{
		"asset.live":    fmt.Sprintf("%spid=%d host=%s\n", placeholder, livePID, host),
		"asset.dead":    fmt.Sprintf("%spid=%d host=%s\n", placeholder, deadPID, host),
		"asset.old":     placeholder, // written by an older gofunction: no owner
		"asset.built":   "\x7fELF not a placeholder",
		"asset.foreign": fmt.Sprintf("%spid=%d host=%s\n", placeholder, deadPID, "another-machine"),
	}
	for dir, content := range assets {
		if err := os.MkdirAll(filepath.Join(outdir, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(outdir, dir, "bootstrap"), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{fmt.Sprintf(".gofunction-build-%d-1", livePID), fmt.Sprintf(".gofunction-build-%d-2", deadPID), ".gofunction-build-3"} {
		if err := os.MkdirAll(filepath.Join(outdir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sweepUnfinished(outdir)
	for _, tt := range []struct {
		dir  string
		keep bool
	}{
		{"asset.live", true}, {"asset.dead", false}, {"asset.old", false}, {"asset.built", true}, {"asset.foreign", true},
		{fmt.Sprintf(".gofunction-build-%d-1", livePID), true}, {fmt.Sprintf(".gofunction-build-%d-2", deadPID), false}, {".gofunction-build-3", false},
	} {
		_, err := os.Stat(filepath.Join(outdir, tt.dir))
		if kept := err == nil; kept != tt.keep {
			t.Errorf("%s: kept %t, want %t", tt.dir, kept, tt.keep)
		}
	}
}

// Recursive loop detection is explicit: Terminate unless allowed with a
// reason, which the template records.
func TestRecursiveLoop(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	New(stack, jsii.String("Default"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a"))})
	New(stack, jsii.String("Looping"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "b")), AllowRecursiveLoop: jsii.String("re-queues an order to itself until the kitchen is done")})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), &map[string]any{"RecursiveLoop": "Terminate"}, jsii.Number(1))
	tmpl.HasResource(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"Properties": map[string]any{"RecursiveLoop": "Allow"},
		"Metadata":   map[string]any{"RecursiveLoopAllowed": "re-queues an order to itself until the kitchen is done"},
	})
}

// FunctionProps passes settings Props does not offer to the function.
func TestFunctionPropsOverride(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	layer := awslambda.LayerVersion_FromLayerVersionArn(stack, jsii.String("Layer"), jsii.String("arn:aws:lambda:us-east-1:123456789012:layer:tools:3"))
	New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), FunctionProps: &awslambda.FunctionProps{
		Layers: &[]awslambda.ILayerVersion{layer},
	}})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
		"Layers":     []any{"arn:aws:lambda:us-east-1:123456789012:layer:tools:3"},
		"MemorySize": DefaultMemoryMB, // the construct's own settings stay
		"Runtime":    "provided.al2023",
	})
}

// An immutable role would drop the log and X-Ray grants: synth fails
// saying how to import it.
func TestImmutableRoleFailsSynth(t *testing.T) {
	mod := copyModule(t)
	stack := newStack(t, t.TempDir())
	role := awsiam.Role_FromRoleArn(stack, jsii.String("Platform"), jsii.String("arn:aws:iam::123456789012:role/platform-lambda"), nil)
	// Mutable by default: the grants land on it.
	New(stack, jsii.String("Ok"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), Role: role})
	fixed := awsiam.Role_FromRoleArn(stack, jsii.String("Fixed"), jsii.String("arn:aws:iam::123456789012:role/fixed"), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)})
	New(stack, jsii.String("Fn"), &Props{Entry: jsii.String(filepath.Join(mod, "fn", "a")), Role: fixed})
	got := synthProblems(t, stack)
	want := "[S/Fn] gofunction: Role S/Fixed takes no grants (imported immutable, or of another account): the function needs logs:CreateLogStream and logs:PutLogEvents on its LogGroup, and xray:PutTraceSegments and xray:PutTelemetryRecords; import a role of this account with awsiam.Role_FromRoleArn and Mutable: jsii.Bool(true)"
	if strings.Join(got, "\n") != want {
		t.Errorf("got problems %q, want %q", got, want)
	}
}
