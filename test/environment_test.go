package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/example/orderflow/stacks"
)

// TestProdAssemblyIgnoresTheMachinesAWSConfiguration runs `cdk synth -c
// stage=prod` twice with the pinned CLI, as CI and a developer would: once on
// a machine with no AWS configuration at all (the CLI then fills
// CDK_DEFAULT_REGION with its fallback, us-east-1) and once with
// AWS_REGION=eu-west-3, CDK_DEFAULT_REGION=eu-west-3 and an account set. The
// manifests, templates and asset manifests must be byte-identical, the stacks'
// environment must be what cdk.json's stages.prod.account/region say
// (environment-agnostic when empty), and with no region pinned no file may
// name either region.
func TestProdAssemblyIgnoresTheMachinesAWSConfiguration(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if !fileExists(cdk) {
		msg := "the pinned CDK CLI is not installed (make test runs npm ci)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	tmp := t.TempDir()
	noConfig := []string{
		"AWS_CONFIG_FILE=" + filepath.Join(tmp, "no-such-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(tmp, "no-such-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		// Both runs run the app: an assembly tools/synthcache kept from an
		// earlier run with the same inputs would not test it.
		"SYNTHCACHE_CACHE=off",
	}
	variants := []struct {
		name string
		env  []string
	}{
		{"no-aws-config", noConfig},
		{"eu-west-3", append(append([]string{}, noConfig...),
			"AWS_REGION=eu-west-3", "AWS_DEFAULT_REGION=eu-west-3",
			"CDK_DEFAULT_REGION=eu-west-3", "CDK_DEFAULT_ACCOUNT=111111111111")},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(variants))
	for i, v := range variants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(cdk, "synth", "--no-version-reporting", "--no-notices", "--no-path-metadata",
				"-c", "stage=prod", "-o", filepath.Join(tmp, v.name), "--quiet")
			cmd.Dir = root
			cmd.Env = append(withoutAWS(os.Environ(), root), v.env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("cdk synth (%s): %v\n%s", v.name, err, out)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	a, b := filepath.Join(tmp, variants[0].name), filepath.Join(tmp, variants[1].name)
	files := assemblyFiles(t, a)
	if got := assemblyFiles(t, b); strings.Join(got, " ") != strings.Join(files, " ") {
		t.Fatalf("assembly files: %s has %v, %s has %v", variants[0].name, files, variants[1].name, got)
	}
	for _, f := range files {
		fa, errA := os.ReadFile(filepath.Join(a, f))
		fb, errB := os.ReadFile(filepath.Join(b, f))
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s differs between a machine without AWS configuration and one with AWS_REGION=eu-west-3:\n%s",
				f, firstDifferences(string(fa), string(fb), 5))
		}
	}

	account, region := pinnedEnvironment(t, root, stacks.StageProd)
	want := "aws://" + or(account, "unknown-account") + "/" + or(region, "unknown-region")
	var manifest struct {
		Artifacts map[string]struct {
			Type        string `json:"type"`
			Environment string `json:"environment"`
		} `json:"artifacts"`
	}
	data, err := os.ReadFile(filepath.Join(a, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	var n int
	for name, art := range manifest.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		n++
		if art.Environment != want {
			t.Errorf("manifest.json: stack %s has environment %q, want %q (cdk.json %s/%s)", name, art.Environment, want,
				stacks.ContextKey(stacks.StageProd, stacks.ContextAccountField), stacks.ContextKey(stacks.StageProd, stacks.ContextRegionField))
		}
	}
	if n != 2 {
		t.Errorf("manifest.json: got %d stacks, want 2", n)
	}
	if region == "" {
		for _, f := range files {
			data, _ := os.ReadFile(filepath.Join(a, f))
			for _, r := range []string{"us-east-1", "eu-west-3"} {
				if bytes.Contains(data, []byte(r)) {
					t.Errorf("%s names region %s, but stage prod pins no region", f, r)
				}
			}
		}
	}
}

// withoutAWS returns env without any AWS_ or CDK_ variable (credentials,
// profile, region, endpoint, context), with the project's node_modules/.bin
// first on PATH as the Makefile sets it.
func withoutAWS(env []string, root string) []string {
	var out []string
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "AWS_"), strings.HasPrefix(k, "CDK_") && k != "CDK_DISABLE_CLI_TELEMETRY":
			continue
		case k == "PATH":
			kv = "PATH=" + filepath.Join(root, "node_modules", ".bin") + string(os.PathListSeparator) + v
		}
		out = append(out, kv)
	}
	return append(out, "CDK_DISABLE_CLI_TELEMETRY=true")
}

// assemblyFiles lists the files of a cloud assembly that say what gets
// deployed where: manifest.json, tree.json, the templates and the asset
// manifests, sorted. Left out: *.metadata.json (its construct traces name
// jsii's temporary directory, different on every run) and
// performance-counters.json (timings).
func assemblyFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range m {
		name := filepath.Base(f)
		if name == "manifest.json" || name == "tree.json" ||
			strings.HasSuffix(name, ".template.json") || strings.HasSuffix(name, ".assets.json") {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	if len(out) < 6 { // manifest, tree, 2 templates, 2 asset manifests
		t.Fatalf("%s: got files %v, want a cloud assembly", dir, out)
	}
	return out
}

// pinnedEnvironment returns what cdk.json's context pins for stage.
func pinnedEnvironment(t *testing.T, root, stage string) (account, region string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cdkJSON struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &cdkJSON); err != nil {
		t.Fatal(err)
	}
	env, err := stacks.EnvironmentFor(stage, cdkJSON.Context)
	if err != nil {
		t.Fatal(err)
	}
	if env == nil {
		return "", ""
	}
	if env.Account != nil {
		account = *env.Account
	}
	if env.Region != nil {
		region = *env.Region
	}
	return account, region
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
