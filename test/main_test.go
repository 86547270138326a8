// Package test holds stack-level tests: assertions on the synthesized
// templates (wiring, data protection, pinned logical IDs) and the
// least-privilege check. They need no AWS account: synth is local.
package test

import (
	"os"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close() // stops the Node child and removes its temp folder
	os.Exit(code)
}
