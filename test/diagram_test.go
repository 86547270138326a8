package test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png" // DecodeConfig of docs/architecture.png
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// TestArchitectureDiagramIsCurrent regenerates the DOT source of
// docs/architecture.png from the dev app and compares it with the committed
// docs/architecture.dot, which `make diagram` writes together with the PNG.
// It needs Node and node_modules (make test installs them), not Graphviz.
func TestArchitectureDiagramIsCurrent(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := architectureDOT(t)
	dot := []byte(got)
	want, err := os.ReadFile(filepath.Join(root, "docs", "architecture.dot"))
	if err != nil {
		t.Fatalf("%v: run `make diagram` and commit docs/architecture.dot and docs/architecture.png", err)
	}
	if !bytes.Equal(dot, want) {
		t.Errorf("docs/architecture.dot is stale (the app changed): run `make diagram` and commit docs/architecture.dot and docs/architecture.png\n%s",
			firstDifferences(string(want), string(dot), 10))
	}
	if bytes.Contains(want, []byte(root)) {
		t.Errorf("docs/architecture.dot holds the absolute path %s: icon paths must be relative to the project root", root)
	}

	f, err := os.Open(filepath.Join(root, "docs", "architecture.png"))
	if err != nil {
		t.Fatalf("%v: run `make diagram`", err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil || format != "png" || cfg.Width < 800 || cfg.Height < 400 {
		t.Errorf("docs/architecture.png: got %s %dx%d (%v), want a PNG rendered by `make diagram`", format, cfg.Width, cfg.Height, err)
	}
}

// architectureDOT runs docs/architecture.js on the tree of the dev app the
// stack tests synthesize and returns the DOT it writes and the assembly
// directory. It skips the test when cdk-dia is not installed, outside CI.
func architectureDOT(t *testing.T) (dot, assemblyDir string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "cdk-dia", "package.json")); err != nil {
		msg := "cdk-dia is not installed (npm ci installs it; make test runs npm ci)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s := synth(t, "dev")
	assembly := awscdk.Stage_Of(s.app.Service.Stack).Synth(nil) // the assembly already written
	tree := filepath.Join(*assembly.Directory(), "tree.json")

	got := filepath.Join(t.TempDir(), "architecture.dot")
	cmd := exec.Command(nodeBinary(root), filepath.Join("docs", "architecture.js"), tree, got)
	cmd.Dir = root // require() resolves cdk-dia from the project's node_modules
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docs/architecture.js: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), *assembly.Directory()
}

// TestArchitectureDiagramDrawsCrossStackFlows checks the picture against the
// templates, not against the script's own reading of them: every reference
// from a resource of one stack to a resource of another (Fn::GetStackOutput
// or Fn::ImportValue, resolved through the producing template's Outputs) is
// an edge between their boxes. A resource without a box of its own (hidden:
// roles, log groups, alarms) draws nothing, except an IAM policy: its
// statement becomes an edge from the box of each resource using one of the
// policy's roles, labelled with the statement's actions.
func TestArchitectureDiagramDrawsCrossStackFlows(t *testing.T) {
	dot, dir := architectureDOT(t)
	g := parseDOT(dot)
	stacks := readAssembly(t, dir)
	if len(stacks) < 2 {
		t.Fatalf("assembly %s: got %d stacks, want the app's two", dir, len(stacks))
	}

	// producer resolves a cross-stack reference to the construct path of the
	// resource behind the output; "" when v is none.
	producer := func(v any) string {
		m, _ := v.(map[string]any)
		var out map[string]any
		var in *assemblyStack
		if gso, ok := m["Fn::GetStackOutput"].(map[string]any); ok {
			name, _ := gso["StackName"].(string)
			output, _ := gso["OutputName"].(string)
			if in = stacks[name]; in != nil {
				out, _ = in.Outputs[output].(map[string]any)
			}
		} else if name, ok := m["Fn::ImportValue"].(string); ok {
			for _, st := range stacks {
				for _, o := range st.Outputs {
					if om, _ := o.(map[string]any); exportName(om) == name {
						out, in = om, st
					}
				}
			}
		} else {
			return ""
		}
		if out == nil {
			t.Errorf("%s: no output in the assembly", mustJSON(m))
			return ""
		}
		id := ref(out["Value"])
		return in.path(t, id)
	}

	checked := 0
	for _, st := range stacks {
		for id, r := range st.Resources {
			typ, _ := r["Type"].(string)
			p := props(r)
			if typ == "AWS::IAM::Policy" {
				doc, _ := p["PolicyDocument"].(map[string]any)
				stmts, _ := doc["Statement"].([]any)
				roles, _ := p["Roles"].([]any)
				var users []string
				for _, role := range roles {
					users = append(users, st.users(t, ref(role))...)
				}
				for _, sv := range stmts {
					stmt, _ := sv.(map[string]any)
					for _, target := range crossRefs(stmt["Resource"], producer) {
						for _, user := range users {
							checked++
							from, to := g.box(user), g.box(target)
							label, ok := g.edge(from, to)
							if from == "" || to == "" || !ok {
								t.Errorf("%s (%s) grants %v on %s to %s: no edge between boxes %q and %q",
									id, st.name, stmt["Action"], target, user, from, to)
								continue
							}
							for _, a := range actions(stmt["Action"]) {
								if !slices.Contains(label, a) {
									t.Errorf("edge %s -- %s: label %q lacks action %s", from, to, label, a)
								}
							}
						}
					}
				}
				continue
			}
			from := g.box(st.path(t, id))
			if from == "" {
				continue // hidden
			}
			for _, target := range crossRefs(p, producer) {
				checked++
				to := g.box(target)
				if _, ok := g.edge(from, to); to == "" || !ok {
					t.Errorf("%s (%s, box %q) refers to %s: no edge to its box %q", id, st.name, from, target, to)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no reference between the stacks found in the templates: the check checked nothing")
	}
	t.Logf("%d references between stacks, each an edge of the picture", checked)
}

// dotGraph is what the test reads from a DOT file: node IDs and edges.
type dotGraph struct {
	nodes map[string]bool
	// edges holds each edge's label words, under both directions: the
	// picture's edges have a dot at both ends.
	edges map[[2]string][]string
}

var (
	dotEdge  = regexp.MustCompile(`(?m)^\s*"([^"]+)" -> "([^"]+)" \[([^\]]*)\]`)
	dotNode  = regexp.MustCompile(`(?m)^\s*"([^"]+)" \[`)
	dotLabel = regexp.MustCompile(`\blabel = "([^"]*)"`)
)

func parseDOT(dot string) dotGraph {
	g := dotGraph{nodes: map[string]bool{}, edges: map[[2]string][]string{}}
	for _, m := range dotNode.FindAllStringSubmatch(dot, -1) {
		g.nodes[m[1]] = true
	}
	for _, m := range dotEdge.FindAllStringSubmatch(dot, -1) {
		var words []string
		if l := dotLabel.FindStringSubmatch(m[3]); l != nil {
			words = strings.Fields(strings.ReplaceAll(l[1], `\n`, " "))
		}
		g.edges[[2]string{m[1], m[2]}] = append(g.edges[[2]string{m[1], m[2]}], words...)
		g.edges[[2]string{m[2], m[1]}] = append(g.edges[[2]string{m[2], m[1]}], words...)
	}
	return g
}

// box returns the node standing for the construct at path: the node whose
// ID is the path, or the deepest ancestor of it (a construct collapsed into
// one box); "" when none is (a hidden resource). IDs have ":" as "_", as
// cdk-dia writes them.
func (g dotGraph) box(path string) string {
	id := strings.ReplaceAll(path, ":", "_")
	for {
		if g.nodes[id] {
			return id
		}
		i := strings.LastIndex(id, "/")
		if i < 0 {
			return ""
		}
		id = id[:i]
	}
}

// edge returns the label words of the edge between a and b, either way.
func (g dotGraph) edge(a, b string) ([]string, bool) {
	words, ok := g.edges[[2]string{a, b}]
	return words, ok
}

// assemblyStack is one stack of a cloud assembly: its name and template.
type assemblyStack struct {
	name      string
	Resources map[string]map[string]any
	Outputs   map[string]any
}

// readAssembly returns the stacks of the cloud assembly in dir by stack name.
func readAssembly(t *testing.T, dir string) map[string]*assemblyStack {
	t.Helper()
	var manifest struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				TemplateFile string `json:"templateFile"`
				StackName    string `json:"stackName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	readJSON(t, filepath.Join(dir, "manifest.json"), &manifest)
	out := map[string]*assemblyStack{}
	for id, a := range manifest.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		st := &assemblyStack{name: cmp.Or(a.Properties.StackName, id)}
		readJSON(t, filepath.Join(dir, a.Properties.TemplateFile), st)
		out[st.name] = st
	}
	return out
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// path returns the construct path of resource id (its aws:cdk:path
// metadata, which the tests' app writes).
func (st *assemblyStack) path(t *testing.T, id string) string {
	t.Helper()
	r, ok := st.Resources[id]
	if !ok {
		t.Fatalf("%s: no resource %s", st.name, id)
	}
	md, _ := r["Metadata"].(map[string]any)
	p, _ := md["aws:cdk:path"].(string)
	if p == "" {
		t.Fatalf("%s: resource %s has no aws:cdk:path metadata", st.name, id)
	}
	return p
}

// users returns the construct paths of the resources of st whose Role is
// the role with logical ID role (the functions running with it).
func (st *assemblyStack) users(t *testing.T, role string) []string {
	var out []string
	for id, r := range st.Resources {
		if ref(props(r)["Role"]) == role {
			out = append(out, st.path(t, id))
		}
	}
	sort.Strings(out)
	return out
}

// crossRefs returns what producer resolves in v: the paths of the resources
// of other stacks that v refers to.
func crossRefs(v any, producer func(any) string) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if p := producer(v); p != "" {
				out = append(out, p)
				return
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// exportName returns the Export.Name of a template output, if a string.
func exportName(output map[string]any) string {
	exp, _ := output["Export"].(map[string]any)
	name, _ := exp["Name"].(string)
	return name
}

// actions returns a statement's actions without their service prefix, as
// the picture's labels write them.
func actions(v any) []string {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	var out []string
	for _, a := range list {
		s, _ := a.(string)
		out = append(out, s[strings.Index(s, ":")+1:])
	}
	return out
}

// nodeBinary is the Node that runs jsii (JSII_NODE, as the Makefile sets it),
// else the project's Node 22, else node on PATH.
func nodeBinary(root string) string {
	if n := os.Getenv("JSII_NODE"); n != "" {
		return n
	}
	if n := filepath.Join(root, "node_modules", ".bin", "node"); fileExists(n) {
		return n
	}
	return "node"
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// firstDifferences lists up to n lines that differ between want and got,
// by line number.
func firstDifferences(want, got string, n int) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)) && n > 0; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d: committed %q, app gives %q\n", i+1, wl, gl)
			n--
		}
	}
	return b.String()
}
