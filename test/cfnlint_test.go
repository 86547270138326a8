package test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/example/orderflow/stacks"
)

// cfnLintConfig is the project's cfn-lint configuration: its
// ignore_checks, each with its reason.
const cfnLintConfig = "../.cfnlintrc.yaml"

// cfnLintFinding is one entry of `cfn-lint --format json`.
type cfnLintFinding struct {
	Filename string
	Level    string
	Message  string
	Rule     struct{ Id string }
	Location struct {
		Path  []any
		Start struct{ LineNumber int }
	}
}

func (f cfnLintFinding) String() string {
	var path []string
	for _, p := range f.Location.Path {
		path = append(path, fmt.Sprint(p))
	}
	return fmt.Sprintf("%s %s %s:%d %s: %s", f.Level, f.Rule.Id, filepath.Base(f.Filename), f.Location.Start.LineNumber, strings.Join(path, "/"), f.Message)
}

// TestCfnLint runs cfn-lint (the CloudFormation linter, pinned in
// .ci/requirements.txt) over every synthesized template of the dev and prod
// stages and judges the findings by .cfnlintrc.yaml: no error, no warning,
// no informational finding outside the checks the configuration ignores; each ignored check
// still matches a finding (else the ignore must go), and only in the scope
// its reason gives. cfn-lint runs once, without the configuration, and the
// test applies the configuration's ignore_checks (the only setting it has
// besides templates, which cfnLintIgnores checks).
func TestCfnLint(t *testing.T) {
	bin := cfnLintBinary(t)
	var templates []string
	for _, stage := range []string{stacks.StageDev, stacks.StageProd} {
		s := synth(t, stage)
		awscdk.Stage_Of(s.app.Service.Stack).Synth(nil) // the assembly already written
		files, err := filepath.Glob(filepath.Join(s.outdir, "*.template.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no templates in %s (%v)", s.outdir, err)
		}
		templates = append(templates, files...)
	}
	config, err := filepath.Abs(cfnLintConfig)
	if err != nil {
		t.Fatal(err)
	}
	ignores, err := cfnLintIgnores(config)
	if err != nil {
		t.Fatal(err)
	}
	// One cfn-lint run without the configuration (cfn-lint takes seconds
	// per template): a finding of a check the configuration does not
	// ignore is what a run with it reports; a finding of an ignored check
	// must lie in the scope its reason gives, and every ignore must still
	// match one.
	empty := filepath.Join(t.TempDir(), "no-ignores.yaml")
	if err := os.WriteFile(empty, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	matched := map[string]int{}
	for _, f := range runCfnLint(t, bin, empty, templates) {
		rule := f.Rule.Id
		if _, ok := ignores[rule]; !ok {
			t.Errorf("cfn-lint: %s", f)
			continue
		}
		matched[rule]++
		if scope := cfnLintIgnoreScopes[rule]; scope != nil {
			if err := scope(f); err != nil {
				t.Errorf("%s is ignored in %s, but this finding is outside the scope its reason gives (%v): %s", rule, cfnLintConfig, err, f)
			}
		}
	}
	for rule := range ignores {
		if matched[rule] == 0 {
			t.Errorf("%s ignores %s, which matches no finding any more: remove it", cfnLintConfig, rule)
		}
		t.Logf("%s: %d findings ignored (%s)", rule, matched[rule], ignores[rule])
	}
}

// cfnLintIgnoreScopes narrows an ignored check to what its reason in
// .cfnlintrc.yaml says: a finding elsewhere fails the test.
var cfnLintIgnoreScopes = map[string]func(cfnLintFinding) error{
	// W3005 only on a Lambda function's DependsOn on its own role, which
	// the function's Role (Fn::GetAtt) already references.
	"W3005": func(f cfnLintFinding) error {
		p := f.Location.Path
		if len(p) < 3 || p[0] != "Resources" || p[2] != "DependsOn" {
			return fmt.Errorf("not a DependsOn")
		}
		fn := fmt.Sprint(p[1])
		if !w3005OnRole.MatchString(f.Message) || !strings.HasSuffix(f.Message, "'Resources/"+fn+"/Properties/Role'") {
			return fmt.Errorf("not a dependency the function's Role already enforces")
		}
		return cfnLintResourceType(f.Filename, fn, "AWS::Lambda::Function")
	},
}

var w3005OnRole = regexp.MustCompile(`^'[A-Za-z0-9]+' dependency already enforced by a 'GetAtt' at 'Resources/[A-Za-z0-9]+/Properties/Role'$`)

// cfnLintResourceType checks that logical ID id in template file is of
// type typ.
func cfnLintResourceType(file, id, typ string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var tmpl struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal(data, &tmpl); err != nil {
		return err
	}
	if got := tmpl.Resources[id].Type; got != typ {
		return fmt.Errorf("%s is a %q, not a %s", id, got, typ)
	}
	return nil
}

// runCfnLint lints templates with config and returns the findings. It
// runs in an empty directory, so no other .cfnlintrc is picked up.
func runCfnLint(t *testing.T, bin, config string, templates []string) []cfnLintFinding {
	t.Helper()
	args := append([]string{"--config-file", config, "--format", "json", "--"}, templates...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var findings []cfnLintFinding
	if jerr := json.Unmarshal(out, &findings); jerr != nil {
		// cfn-lint exits non-zero when it finds something; only output
		// that is not a findings list is a failure to run.
		t.Fatalf("cfn-lint %s: %v, %v\n%s%s", strings.Join(args, " "), err, jerr, out, stderr.String())
	}
	return findings
}

// cfnLintIgnores reads the ignore_checks of a .cfnlintrc.yaml, each with
// the comment above it (its reason); an ignore without one is an error.
// The format is the simple YAML this project writes: a top-level
// "ignore_checks:" key, then "  - RULE" items, each preceded by "  # reason"
// lines.
func cfnLintIgnores(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var inList bool
	var reason, problems []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "-") {
			// A top-level key: TestCfnLint applies ignore_checks itself, so
			// any other setting that changes findings would be skipped.
			if key, _, _ := strings.Cut(line, ":"); key != "templates" && key != "ignore_checks" {
				problems = append(problems, fmt.Sprintf("setting %q: TestCfnLint applies only ignore_checks (and templates is for a plain cfn-lint run); teach it this one", key))
			}
		}
		switch {
		case line == "ignore_checks:":
			inList, reason = true, nil
		case !inList:
		case trimmed == "":
		case !strings.HasPrefix(line, " "): // the next top-level key
			inList = false
		case strings.HasPrefix(trimmed, "#"):
			reason = append(reason, strings.TrimSpace(strings.TrimPrefix(trimmed, "#")))
		case strings.HasPrefix(trimmed, "- "):
			rule := strings.Trim(strings.TrimSpace(strings.TrimPrefix(trimmed, "- ")), `"'`)
			if len(reason) == 0 {
				problems = append(problems, "ignored check "+rule+" has no reason: write it in a comment right above")
			}
			out[rule] = strings.Join(reason, " ")
			reason = nil
		default:
			problems = append(problems, fmt.Sprintf("cannot read line %q of ignore_checks", line))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %s", path, strings.Join(problems, "; "))
	}
	return out, sc.Err()
}

// cfnLintVersion is the pinned version, from .ci/requirements.txt.
func cfnLintVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../.ci/requirements.txt")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^cfn-lint==(\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatal(".ci/requirements.txt pins no cfn-lint version (cfn-lint==X.Y.Z)")
	}
	return string(m[1])
}

// cfnLintBinary finds cfn-lint: on PATH, or in the virtualenv .ci/run
// creates (.build/cfn-lint-venv). Without it the test is skipped, or fails
// under CI (CI set). A version other than the pinned one fails under CI
// (findings differ between versions) and is only noted elsewhere.
func cfnLintBinary(t *testing.T) string {
	t.Helper()
	want := cfnLintVersion(t)
	install := "install it: python3 -m pip install -r .ci/requirements.txt (or run .ci/run, which installs it into .build/cfn-lint-venv)"
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		venv, _ := filepath.Abs(filepath.Join("..", ".build", "cfn-lint-venv", "bin", "cfn-lint"))
		if _, serr := os.Stat(venv); serr != nil {
			msg := "cfn-lint " + want + " is not installed: " + install
			if os.Getenv("CI") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
		bin = venv
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", bin, err)
	}
	if got := strings.TrimSpace(string(out)); got != "cfn-lint "+want {
		msg := fmt.Sprintf("%s is %q, want the pinned cfn-lint %s: %s", bin, got, want, install)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Log(msg)
	}
	return bin
}

func TestCfnLintIgnoresNeedReasons(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("templates:\n  - x\nignore_checks:\n  # why\n  # and more\n  - W3005\n  # other\n  - \"E1234\"\n"), 0o644)
	got, err := cfnLintIgnores(good)
	if err != nil || len(got) != 2 || got["W3005"] != "why and more" || got["E1234"] != "other" {
		t.Errorf("got %q, %v, want W3005 and E1234 with their reasons", got, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("ignore_checks:\n  # why\n  - W3005\n  - W2001\n"), 0o644)
	if _, err := cfnLintIgnores(bad); err == nil || !strings.Contains(err.Error(), "W2001 has no reason") {
		t.Errorf("an ignored check without a reason: got %v, want an error naming W2001", err)
	}
	other := filepath.Join(dir, "other.yaml")
	os.WriteFile(other, []byte("ignore_checks:\n  # why\n  - W3005\nregions: [us-east-1]\n"), 0o644)
	if _, err := cfnLintIgnores(other); err == nil || !strings.Contains(err.Error(), `setting "regions"`) {
		t.Errorf("a setting the test does not apply: got %v, want an error naming regions", err)
	}
}

func TestCfnLintW3005Scope(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "S.template.json")
	os.WriteFile(file, []byte(`{"Resources": {"Fn": {"Type": "AWS::Lambda::Function"}, "Rule": {"Type": "AWS::Events::Rule"}}}`), 0o644)
	finding := func(id, msg string) cfnLintFinding {
		var f cfnLintFinding
		f.Filename, f.Message = file, msg
		f.Location.Path = []any{"Resources", id, "DependsOn", 1.0}
		return f
	}
	scope := cfnLintIgnoreScopes["W3005"]
	if err := scope(finding("Fn", "'FnRole' dependency already enforced by a 'GetAtt' at 'Resources/Fn/Properties/Role'")); err != nil {
		t.Errorf("a function's DependsOn on its role: got %v, want it in scope", err)
	}
	if err := scope(finding("Rule", "'Fn' dependency already enforced by a 'Ref' at 'Resources/Rule/Properties/Targets/0/Arn'")); err == nil {
		t.Error("a rule's DependsOn on a function: got in scope, want out of scope")
	}
	if err := scope(finding("Rule", "'FnRole' dependency already enforced by a 'GetAtt' at 'Resources/Rule/Properties/Role'")); err == nil {
		t.Error("a DependsOn of a resource that is no function: got in scope, want out of scope")
	}
}
