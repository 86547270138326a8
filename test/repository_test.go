package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/orderflow/constructs/cdkapp"
)

// MaxTrackedFileBytes is the largest file the repository may track, unless
// it is listed in largeFixtures: build outputs and data dumps stay out.
const MaxTrackedFileBytes = 1 << 20 // 1 MiB

// largeFixtures are tracked files allowed over MaxTrackedFileBytes, each with
// the reason it must be that big. None today.
var largeFixtures = map[string]string{}

// executableMagic are the first bytes of compiled executables: ELF, Mach-O
// (32/64-bit, both byte orders, universal) and PE.
var executableMagic = [][]byte{
	[]byte("\x7fELF"),
	{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf}, {0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe},
	{0xca, 0xfe, 0xba, 0xbe},
	[]byte("MZ"),
}

// isExecutable reports whether data starts like a compiled executable.
func isExecutable(data []byte) bool {
	for _, m := range executableMagic {
		if bytes.HasPrefix(data, m) {
			return true
		}
	}
	return false
}

// The repository tracks no build output: no compiled executable (a `go
// build` at the root once committed a 22 MB binary), no file over 1 MiB
// that is not an allowed fixture.
func TestNoBuildOutputsTracked(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): nothing to check", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	if len(files) < 100 {
		t.Fatalf("git ls-files: got %d files, want the repository's", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the working tree, not yet committed
			}
			t.Fatal(err)
		}
		if isExecutable(data) {
			t.Errorf("%s is a compiled executable: remove it from the repository and cover it in .gitignore", f)
		}
		if _, ok := largeFixtures[f]; !ok && len(data) > MaxTrackedFileBytes {
			t.Errorf("%s has %d bytes, over %d: a build output or data dump? (an allowed fixture goes into largeFixtures with its reason)", f, len(data), MaxTrackedFileBytes)
		}
	}
}

func TestIsExecutable(t *testing.T) {
	tests := []struct {
		name string
		data string
		want bool
	}{
		{"elf", "\x7fELF\x02\x01\x01", true},
		{"mach-o 64", "\xcf\xfa\xed\xfe\x07", true},
		{"pe", "MZ\x90\x00", true},
		{"go source", "package main\n", false},
		{"shell script", "#!/usr/bin/env bash\n", false},
		{"png", "\x89PNG\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isExecutable([]byte(tt.data)); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// The app's cdk.json carries the feature flags the constructs are built and
// tested with (cdkapp.FeatureFlags, which reusers get from cmd/cdkjson), with
// the same values: the app synthesizes as the library's tests do.
func TestCdkJSONHasTheLibrarysFeatureFlags(t *testing.T) {
	data, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var cdkJSON struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &cdkJSON); err != nil {
		t.Fatal(err)
	}
	for flag, want := range cdkapp.FeatureFlags() {
		if got, ok := cdkJSON.Context[flag]; !ok || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("cdk.json context %s: got %v, want %v (constructs/cdkapp/featureflags.json)", flag, got, want)
		}
	}
}
