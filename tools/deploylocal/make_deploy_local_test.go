// Package deploylocal_test runs the deploy rehearsal of `make deploy-local`
// (tools/deploylocal) as an integration test of `make test`: the app
// synthesized with the pinned CDK CLI, deployed to moto on 127.0.0.1,
// read back and compared with its templates, redeployed, updated,
// destroyed, and a throwaway stage deployed and destroyed.
//
// It needs moto (Python package moto[server]); without it the test is
// skipped with a message saying how to get it, except under CI=true, where
// it fails. It needs node_modules (make test runs npm ci).
package deploylocal_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/example/orderflow/tools/deploylocal"
	"github.com/example/orderflow/tools/moto"
)

func TestDeployRehearsal(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ci := os.Getenv("CI") == "true"
	if _, err := os.Stat(filepath.Join(root, "node_modules", ".bin", "cdk")); err != nil {
		msg := "the pinned CDK CLI is not installed: make test runs npm ci"
		if ci {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-30*time.Second))
		defer cancel()
	}
	python, version, err := moto.FindPython(ctx, root)
	if errors.Is(err, moto.ErrNotInstalled) {
		if ci {
			t.Fatalf("CI=true and no emulator: %v", err)
		}
		t.Skipf("deploy rehearsal skipped: %v (make test installs it where pip can reach PyPI)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("moto %s (%s)", version, python)

	var out bytes.Buffer
	res, err := deploylocal.Run(ctx, deploylocal.Options{Root: root, WorkDir: t.TempDir(), Python: python, Out: &out})
	if res != nil {
		deploylocal.PrintSteps(&out, res.Steps, res.Total)
	}
	t.Log("\n" + out.String())
	if err != nil {
		if res != nil {
			if log, rerr := os.ReadFile(filepath.Join(res.WorkDir, "cdk.log")); rerr == nil {
				t.Logf("cdk.log, last 8 KiB:\n%s", tail(log, 8<<10))
			}
		}
		t.Fatal(err)
	}

	if want := 10; len(res.Steps) != want {
		t.Errorf("got %d steps, want %d", len(res.Steps), want)
	}
	for name, v := range map[string]*deploylocal.Verification{"dev": res.Dev, "throwaway": res.Throwaway} {
		if v == nil {
			t.Fatalf("%s: no read-back", name)
		}
		if failed := v.Failed(); len(failed) > 0 {
			t.Errorf("%s: %d checks failed, first: %s", name, len(failed), failed[0])
		}
		verified := map[string]int{}
		for _, ty := range v.Types {
			switch ty.Kind {
			case deploylocal.ReadBack, deploylocal.Taught:
				verified[ty.Type] += ty.OK
			case deploylocal.StandIn, deploylocal.NotReadBack:
				if ty.OK+ty.Failed+ty.NotReported+ty.Unresolved > 0 {
					t.Errorf("%s: %s (%s) counted checks", name, ty.Type, ty.Kind)
				}
			}
		}
		// What the issue asks to see read back, at least.
		for _, typ := range []string{"AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping", "AWS::SQS::Queue",
			"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Events::Rule", "AWS::Logs::LogGroup", "AWS::CloudWatch::Alarm"} {
			if verified[typ] == 0 {
				t.Errorf("%s: no %s property verified", name, typ)
			}
		}
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
