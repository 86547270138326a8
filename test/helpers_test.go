package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/stacks"
)

// synthed is one synthesized app of a stage, shared by the tests of a run.
type synthed struct {
	app      *stacks.App
	stateful assertions.Template
	service  assertions.Template
	outdir   string
}

var (
	synthMu sync.Mutex
	synths  = map[string]*synthed{}
)

// synth builds the whole app for stage once per test binary run. The
// functions directory is resolved from the repository root (tests run in
// test/).
func synth(t *testing.T, stage string) *synthed {
	t.Helper()
	synthMu.Lock()
	defer synthMu.Unlock()
	if s, ok := synths[stage]; ok {
		return s
	}
	cfg, err := stacks.ConfigFor(stage)
	if err != nil {
		t.Fatal(err)
	}
	outdir := filepath.Join(runDir, "cdk.out-"+stage)
	app := newApp(t, outdir)
	a := stacks.NewAppIn(app, cfg, nil, functionsDir(t))
	stacks.AddChecks(app)
	s := &synthed{
		app:      a,
		stateful: assertions.Template_FromStack(a.Stateful.Stack, nil),
		service:  assertions.Template_FromStack(a.Service.Stack, nil),
		outdir:   outdir,
	}
	synths[stage] = s
	return s
}

// newApp returns an app writing to outdir with the context of cdk.json
// (the feature flags), as `cdk synth` would give it.
func newApp(t *testing.T, outdir string) awscdk.App {
	t.Helper()
	data, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var cdkJSON struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &cdkJSON); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	cdkJSON.Context["aws:cdk:enable-path-metadata"] = true // as the CLI does: tests read aws:cdk:path
	return awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), Context: &cdkJSON.Context})
}

// functionsDir is the absolute path of the project's functions/.
func functionsDir(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "functions")
}

// resources returns the template's resources of a type, by logical ID.
func resources(tmpl assertions.Template, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range *tmpl.FindResources(jsii.String(typ), nil) {
		out[id] = *r
	}
	return out
}

// props returns a resource's Properties.
func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// logicalID returns the logical ID of an L1 resource in stack, or of an L2's
// default child (constructstest.LogicalID).
func logicalID(stack awscdk.Stack, child constructs.IConstruct) string {
	return constructstest.LogicalID(stack, child)
}

// resourcesByName returns the service stack's functions by name.
func resourcesByName(s *synthed) map[string]map[string]any {
	fns := resources(s.service, "AWS::Lambda::Function")
	out := map[string]map[string]any{}
	for name, f := range s.app.Service.Functions {
		out[name] = fns[logicalID(s.app.Service.Stack, f.Function.Node().DefaultChild())]
	}
	return out
}

// ref returns the logical ID in {"Ref": id} or {"Fn::GetAtt": [id, attr]}.
func ref(v any) string {
	m, _ := v.(map[string]any)
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
		s, _ := ga[0].(string)
		return s
	}
	return ""
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// retention returns a queue's MessageRetentionPeriod in seconds (SQS
// default 4 days when absent).
func retention(q map[string]any) float64 {
	if v, ok := q["MessageRetentionPeriod"].(float64); ok {
		return v
	}
	return 4 * 24 * 3600
}
