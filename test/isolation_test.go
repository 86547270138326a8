package test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoFixedSharedPaths guards "two checkouts testing at once never
// collide": no Go file of the module (tests, tools, bench, the app) builds a
// path from os.TempDir() or a literal /tmp/... path, which every checkout on
// the machine would share, and the Makefile writes nothing under /tmp.
// Temporary files go under t.TempDir() or os.MkdirTemp("", pattern), a new
// name per run.
func TestNoFixedSharedPaths(t *testing.T) {
	tmp := string(filepath.Separator) + "tmp" // not a literal: this file is checked too
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "node_modules" || n == "cdk.out" || n == ".git" || n == ".build" || n == "bin" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return nil // not this test's business (testdata with deliberate errors)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "TempDir" {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "os" {
						problems = append(problems, fset.Position(n.Pos()).String()+": os.TempDir() (use t.TempDir() or os.MkdirTemp)")
					}
				}
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if s, err := strconv.Unquote(n.Value); err == nil && (strings.HasPrefix(s, tmp+"/") || s == tmp) {
						problems = append(problems, fset.Position(n.Pos()).String()+": literal path "+n.Value)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(mk), "\n") {
		if strings.Contains(line, tmp) && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			problems = append(problems, "Makefile:"+strconv.Itoa(i+1)+": "+strings.TrimSpace(line))
		}
	}
	for _, p := range problems {
		t.Errorf("a path every checkout on the machine shares: %s", p)
	}
}
