package localrun

import (
	"strings"
	"testing"
)

func TestStartDynaliteWithoutNodeModulesSaysHowToFix(t *testing.T) {
	root := t.TempDir()
	_, err := StartDynalite(t.Context(), root, 0)
	if err == nil || !strings.Contains(err.Error(), "run `npm ci` in "+root) {
		t.Errorf("got %v, want an error telling to run npm ci in %s", err, root)
	}
}
