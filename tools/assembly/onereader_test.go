package assembly

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoOtherReader keeps this package the module's one reader: no other
// non-test Go file of the module (nested modules apart) may spell out the
// manifest's name or an intrinsic function's key as a string literal; they
// use ManifestFile, Read, CallOf, RefID and Resolver instead.
func TestNoOtherReader(t *testing.T) {
	forbidden := map[string]bool{ManifestFile: true}
	for _, fn := range []string{Ref, GetAtt, Sub, Join, Select, Split, GetStackOutput, ImportValue} {
		forbidden[fn] = true
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	here, _ := filepath.Abs(".")
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "cdk.out" || path == here) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != root {
				return filepath.SkipDir // a module of its own
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		fset := token.NewFileSet()
		var s scanner.Scanner
		s.Init(fset.AddFile(path, -1, len(src)), src, nil, 0)
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok != token.STRING {
				continue
			}
			if v, err := strconv.Unquote(lit); err == nil && forbidden[v] {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d: %s: read assemblies and intrinsic functions through tools/assembly", rel, fset.Position(pos).Line, lit)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("scanned %d Go files under %s, want the whole module", files, root)
	}
}
