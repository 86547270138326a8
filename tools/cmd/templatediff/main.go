// Command templatediff compares CloudFormation templates the way the
// snapshot test does: normalized (asset hashes, CDK metadata), as a
// readable diff per stack (resource, property path, old -> new), then the
// security-relevant part (IAM, resource policies, encryption, public
// access, stateful resources deleted or replaced).
//
//	go run ./tools/cmd/templatediff OLD NEW
//
// OLD and NEW are template files or directories of *.template.json (a
// cdk.out, a snapshot directory); directories are matched by file name.
// Examples:
//
//	go run ./tools/cmd/templatediff test/testdata/snapshots/prod cdk.out   # after make synth STAGE=prod
//	go run ./tools/cmd/templatediff old.template.json new.template.json
//
// It exits 0 when the templates are equal, 1 when they differ, 2 on an
// error.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/example/orderflow/tools/templatediff"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: templatediff OLD NEW (template files or directories of *.template.json)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	differs, err := run(flag.Arg(0), flag.Arg(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, "templatediff:", err)
		os.Exit(2)
	}
	if differs {
		os.Exit(1)
	}
}

func run(oldPath, newPath string) (bool, error) {
	olds, err := templatediff.Load(oldPath)
	if err != nil {
		return false, err
	}
	news, err := templatediff.Load(newPath)
	if err != nil {
		return false, err
	}
	for p, ts := range map[string]map[string]map[string]any{oldPath: olds, newPath: news} {
		if len(ts) == 0 {
			return false, fmt.Errorf("%s: no template, no *.template.json", p)
		}
	}
	if len(olds) == 1 && len(news) == 1 {
		// Two files: compare them whatever their names.
		for _, o := range olds {
			for _, n := range news {
				return report(oldPath+" -> "+newPath, o, n), nil
			}
		}
	}
	names := map[string]bool{}
	for n := range olds {
		names[n] = true
	}
	for n := range news {
		names[n] = true
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	differs := false
	for _, name := range sorted {
		if report(name, olds[name], news[name]) {
			differs = true
		}
	}
	return differs, nil
}

// report prints the difference of one stack and says whether there is one.
func report(name string, old, new map[string]any) bool {
	d := templatediff.Diff(templatediff.Normalize(old), templatediff.Normalize(new))
	if d.Empty() {
		return false
	}
	switch {
	case old == nil:
		fmt.Printf("=== %s: new stack\n", name)
	case new == nil:
		fmt.Printf("=== %s: stack removed\n", name)
	default:
		fmt.Printf("=== %s\n", name)
	}
	d.Format(os.Stdout)
	if len(d.Findings) > 0 {
		fmt.Println("--- security-relevant:")
		d.FormatSecurity(os.Stdout)
	}
	return true
}
