package localrun

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// TestRIEVersionMatchesMakefile keeps the Makefile's pin and RIEVersion equal.
func TestRIEVersionMatchesMakefile(t *testing.T) {
	b, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^RIE_VERSION := (\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("Makefile: no RIE_VERSION")
	}
	if string(m[1]) != RIEVersion {
		t.Errorf("Makefile RIE_VERSION %s, want RIEVersion %s", m[1], RIEVersion)
	}
}

// TestBuildFlagsMatchDeployment keeps BuildFlags equal to the flags the
// gofunction construct builds deployed functions with (read from its source,
// so this test does not link the CDK).
func TestBuildFlagsMatchDeployment(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../../constructs/gofunction/build.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var deployed []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "BuildFlags" || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.CompositeLit)
		if !ok {
			t.Fatalf("gofunction.BuildFlags is not a literal")
		}
		for _, e := range lit.Elts {
			bl, ok := e.(*ast.BasicLit)
			if !ok {
				t.Fatalf("gofunction.BuildFlags has a non-literal element")
			}
			s, _ := strconv.Unquote(bl.Value)
			deployed = append(deployed, s)
		}
		return false
	})
	if !slices.Equal(BuildFlags, deployed) {
		t.Errorf("BuildFlags %q, want gofunction.BuildFlags %q", BuildFlags, deployed)
	}
}
