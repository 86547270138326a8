package cdkapp_test

import (
	"bufio"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// direct are the modules the constructs module may require itself: the CDK,
// its constructs base, the jsii runtime and cdk-nag; what synthesizing
// needs, nothing a Lambda function or a tool needs. A reuser's module graph
// gets these and what they require, nothing else.
var direct = []string{
	"github.com/aws/aws-cdk-go/awscdk/v2",
	"github.com/aws/constructs-go/constructs/v10",
	"github.com/aws/jsii-runtime-go",
	"github.com/cdklabs/cdk-nag-go/cdknag/v2",
}

// The module's go.mod requires exactly the allowed modules directly, and
// every indirect requirement it lists is one an allowed module requires (go
// mod tidy writes those down for the module graph), never one of its own.
func TestRequirementsAreTheAllowList(t *testing.T) {
	f, err := os.Open("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var mods, indirect []string
	inBlock := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "require (":
			inBlock = true
		case inBlock && line == ")":
			inBlock = false
		case inBlock && line != "" && !strings.HasPrefix(line, "//"):
			path := strings.Fields(line)[0]
			if strings.HasSuffix(line, "// indirect") {
				indirect = append(indirect, path)
			} else {
				mods = append(mods, path)
			}
		}
	}
	slices.Sort(mods)
	if want := slices.Sorted(slices.Values(direct)); !slices.Equal(mods, want) {
		t.Errorf("direct requirements: got %v, want %v", mods, want)
	}
	cmd := exec.Command("go", "mod", "graph")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod graph: %v", err)
	}
	requiredByOthers := map[string]bool{}
	for _, edge := range strings.Split(string(out), "\n") {
		from, to, ok := strings.Cut(edge, " ")
		if ok && strings.Contains(from, "@") { // not the main module
			path, _, _ := strings.Cut(to, "@")
			requiredByOthers[path] = true
		}
	}
	for _, m := range indirect {
		if !requiredByOthers[m] {
			t.Errorf("go.mod requires %s (indirect), which no allowed module requires: a requirement of the module's own", m)
		}
	}
}
