package runtime_test

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// allowed are the module path prefixes this module may require, directly
// or not: aws-lambda-go, the AWS SDK for Go v2 (and smithy-go, its
// runtime), and protobuf's wire format for KPL records. What a Lambda
// binary built on the runtime carries is this list; never awscdk, jsii or
// constructs (synth-time code).
var allowed = []string{
	"github.com/aws/aws-lambda-go",
	"github.com/aws/aws-sdk-go-v2",
	"github.com/aws/smithy-go",
	"google.golang.org/protobuf",
}

func TestRequirementsAreAllowed(t *testing.T) {
	f, err := os.Open("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var paths []string
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
			paths = append(paths, strings.Fields(line)[0])
		case strings.HasPrefix(line, "require "):
			paths = append(paths, strings.Fields(line)[1])
		}
	}
	if len(paths) == 0 {
		t.Fatal("found no requirements in go.mod")
	}
	for _, p := range paths {
		ok := false
		for _, a := range allowed {
			ok = ok || p == a || strings.HasPrefix(p, a+"/")
		}
		if !ok {
			t.Errorf("go.mod requires %s, which is not on the allow-list %v", p, allowed)
		}
	}
}
