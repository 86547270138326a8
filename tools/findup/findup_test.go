package findup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDir(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	for _, p := range []string{deep, filepath.Join(root, "a", "node_modules", "pkg")} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(root, "go.mod"), filepath.Join(root, "a", "b", "go.mod")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ from, name, want string }{
		{deep, "go.mod", filepath.Join(root, "a", "b")}, // the nearest, not the outer one
		{filepath.Join(root, "a"), "go.mod", root},
		{deep, "node_modules/pkg", filepath.Join(root, "a")}, // a path below the folder
		{root, "go.mod", root},                               // the starting folder itself
	}
	for _, tt := range tests {
		got, err := Dir(tt.from, tt.name)
		if err != nil || got != tt.want {
			t.Errorf("Dir(%s, %s): got %q, %v; want %q", tt.from, tt.name, got, err, tt.want)
		}
	}
	if got, err := Dir(deep, "no-such-file-anywhere.xyz"); err == nil || !strings.Contains(err.Error(), "no no-such-file-anywhere.xyz in "+deep) {
		t.Errorf("a name no folder holds: got %q, %v; want an error naming it and the start", got, err)
	}
}
