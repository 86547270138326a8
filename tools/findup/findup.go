// Package findup finds the folder that holds a file, looking up from a
// starting folder: the module root (go.mod) for tools/localrun and
// tools/synthcache, the go.work in effect, the folder whose node_modules
// holds a Node package for tools/templatediff.
package findup

import (
	"fmt"
	"os"
	"path/filepath"
)

// Dir returns the nearest of dir (made absolute) and its parents that holds
// name, a path relative to it ("go.mod",
// "node_modules/@aws-cdk/cloudformation-diff"); an error when none does.
func Dir(dir, name string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, name)); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no %s in %s or above", name, dir)
		}
	}
}
