package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployTarget runs tools/deploy-target.js, which CI's deploy job uses to
// decide the region to deploy to, on manifests of each kind.
func TestDeployTarget(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	agnostic := "aws://unknown-account/unknown-region"
	pinned := "aws://123456789012/eu-west-3"
	tests := []struct {
		name      string
		envs      map[string]string // stack name -> environment
		varRegion string
		wantOut   string
		wantErr   string
	}{
		{name: "agnostic stage deploys to vars.AWS_REGION", envs: map[string]string{"OrderFlow-prod-Stateful": agnostic, "OrderFlow-prod-Service": agnostic},
			varRegion: "ap-southeast-2", wantOut: "region=ap-southeast-2\naccount=\n"},
		{name: "pinned stage deploys where it says", envs: map[string]string{"OrderFlow-prod-Stateful": pinned, "OrderFlow-prod-Service": pinned},
			wantOut: "region=eu-west-3\naccount=123456789012\n"},
		{name: "pinned stage and agreeing variable", envs: map[string]string{"OrderFlow-prod-Service": pinned},
			varRegion: "eu-west-3", wantOut: "region=eu-west-3\naccount=123456789012\n"},
		{name: "pinned stage and another region in the variable", envs: map[string]string{"OrderFlow-prod-Service": pinned},
			varRegion: "us-east-1", wantErr: "the stage pins region eu-west-3 (cdk.json stages.<stage>.region) but vars.AWS_REGION is us-east-1"},
		{name: "no region anywhere", envs: map[string]string{"OrderFlow-prod-Service": agnostic},
			wantErr: "the stage pins no region"},
		{name: "other stage's stacks only", envs: map[string]string{"OrderFlow-dev-Service": agnostic}, varRegion: "eu-west-1",
			wantErr: "no stack named OrderFlow-prod-*"},
		{name: "stacks disagree", envs: map[string]string{"OrderFlow-prod-Stateful": pinned, "OrderFlow-prod-Service": agnostic}, varRegion: "eu-west-3",
			wantErr: "disagree on their environment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			artifacts := map[string]any{"Tree": map[string]any{"type": "cdk:tree"}}
			for name, env := range tt.envs {
				artifacts[name] = map[string]any{"type": "aws:cloudformation:stack", "environment": env}
				artifacts[name+".assets"] = map[string]any{"type": "cdk:asset-manifest"}
			}
			data, _ := json.Marshal(map[string]any{"version": "55.0.0", "artifacts": artifacts})
			if err := os.WriteFile(filepath.Join(dir, "manifest.json"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(nodeBinary(root), filepath.Join(root, "tools", "deploy-target.js"), dir, "OrderFlow-prod-")
			cmd.Env = append(os.Environ(), "AWS_REGION_VAR="+tt.varRegion)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(stderr.String(), tt.wantErr) {
					t.Fatalf("got %v, stdout %q, stderr %q; want a failure saying %q", err, out, stderr.String(), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v: %s", err, stderr.String())
			}
			if string(out) != tt.wantOut {
				t.Errorf("got %q, want %q", out, tt.wantOut)
			}
		})
	}
}
