// Command templatediff compares CloudFormation templates the way the
// snapshot test does: normalized (asset hashes, CDK metadata), as a diff per
// stack as `cdk diff` prints it, then the security-relevant part
// (tools/templatediff says what it covers).
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
	"maps"
	"os"
	"slices"

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
	var pairs []templatediff.Pair
	if len(olds) == 1 && len(news) == 1 {
		// Two files: compare them whatever their names.
		for _, o := range olds {
			for _, n := range news {
				pairs = append(pairs, templatediff.Pair{Name: oldPath + " -> " + newPath, Old: o, New: n})
			}
		}
	} else {
		names := maps.Clone(olds)
		maps.Copy(names, news)
		for _, name := range slices.Sorted(maps.Keys(names)) {
			pairs = append(pairs, templatediff.Pair{Name: name, Old: olds[name], New: news[name]})
		}
	}
	for i := range pairs {
		pairs[i].Old, pairs[i].New = templatediff.Normalize(pairs[i].Old), templatediff.Normalize(pairs[i].New)
	}
	results, err := templatediff.Diff(pairs...)
	if err != nil {
		return false, err
	}
	differs := false
	for i, d := range results {
		if d.Empty {
			continue
		}
		differs = true
		switch {
		case pairs[i].Old == nil:
			fmt.Printf("=== %s: new stack\n", d.Name)
		case pairs[i].New == nil:
			fmt.Printf("=== %s: stack removed\n", d.Name)
		default:
			fmt.Printf("=== %s\n", d.Name)
		}
		d.Format(os.Stdout)
		if d.HasSecurity() {
			fmt.Println("--- security-relevant:")
			d.FormatSecurity(os.Stdout)
		}
	}
	return differs, nil
}
