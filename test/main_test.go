// Package test holds stack-level tests: assertions on the synthesized
// templates (wiring, data protection, pinned logical IDs) and the
// least-privilege check. They need no AWS account: synth is local.
package test

import (
	"fmt"
	"os"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

// runDir is this test binary's own directory under the system temp
// directory (os.MkdirTemp: a new name per run), where the apps shared by
// several tests synthesize. Nothing else writes there, so two checkouts (or
// two runs) testing at once never share a path; it is removed at the end.
var runDir string

func TestMain(m *testing.M) {
	var err error
	if runDir, err = os.MkdirTemp("", "orderflow-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	jsii.Close() // stops the Node child and removes its temp folder
	os.RemoveAll(runDir)
	os.Exit(code)
}
