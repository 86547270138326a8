package test

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/example/orderflow"

// The product (app.go, stacks/, functions/, internal/) never imports the dev
// tooling (tools/, bench/), not even in its tests, and internal/ holds only
// the app's domain and adapters: every package there is imported by a
// function or a stack, so a package only tools use cannot sit in it.
func TestProductAndToolingApart(t *testing.T) {
	cmd := exec.Command("go", "list", "-test", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}", "./...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	isTooling := func(p string) bool {
		return strings.HasPrefix(p, module+"/tools") || strings.HasPrefix(p, module+"/bench")
	}
	isProduct := func(p string) bool {
		p = strings.TrimSuffix(strings.TrimSuffix(p, ".test"), "_test")
		if i := strings.Index(p, " ["); i >= 0 { // a package compiled for its tests: "p [p.test]"
			p = p[:i]
		}
		return p == module || strings.HasPrefix(p, module+"/stacks") || strings.HasPrefix(p, module+"/functions/") || strings.HasPrefix(p, module+"/internal/")
	}
	usedByProduct := map[string]bool{}
	var internal []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, "|")
		if strings.HasPrefix(pkg, module+"/internal/") && !strings.Contains(pkg, " ") && !strings.HasSuffix(pkg, ".test") && !strings.HasSuffix(pkg, "_test") {
			internal = append(internal, pkg)
		}
		if !isProduct(pkg) {
			continue
		}
		for _, imp := range strings.Fields(imports) {
			if i := strings.Index(imp, " ["); i >= 0 {
				imp = imp[:i]
			}
			if isTooling(imp) {
				t.Errorf("%s imports %s: the product never imports the dev tooling", pkg, imp)
			}
			if (strings.HasPrefix(pkg, module+"/functions/") || strings.HasPrefix(pkg, module+"/stacks") || pkg == module) && !strings.Contains(pkg, "_test") {
				usedByProduct[imp] = true
			}
		}
	}
	// What the functions and stacks use, and what those packages use in turn.
	for changed := true; changed; {
		changed = false
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			pkg, imports, _ := strings.Cut(line, "|")
			if !usedByProduct[pkg] {
				continue
			}
			for _, imp := range strings.Fields(imports) {
				if !usedByProduct[imp] {
					usedByProduct[imp], changed = true, true
				}
			}
		}
	}
	if len(internal) == 0 {
		t.Fatal("go list: found no package under internal/")
	}
	sort.Strings(internal)
	for _, p := range internal {
		if !usedByProduct[p] {
			t.Errorf("%s is imported by no function or stack: a package only tools or tests use does not belong in internal/", p)
		}
	}
}
