// Command cdkjson prints a cdk.json for a Go CDK app that uses this library:
// the "app" command and, as "context", the feature flags the library is
// built and tested with (cdkapp.FeatureFlags). It writes to standard output
// only, never to a file: redirect it to a new file and look before you
// replace yours.
//
//	go run github.com/example/orderflow/constructs/cmd/cdkjson > cdk.json                  # a new project
//	go run github.com/example/orderflow/constructs/cmd/cdkjson -merge cdk.json > cdk.json.new # an existing one
//
// With -merge, the file's own keys and context values are kept (where the
// file sets a flag, its value wins) and the library's flags it lacks are
// added. Without the flags the CLI prints "N feature flags are not
// configured" and some constructs synthesize differently.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/example/orderflow/constructs/cdkapp"
)

func main() {
	app := flag.String("app", "go run .", `the "app" command of a new cdk.json`)
	merge := flag.String("merge", "", "an existing cdk.json to add the feature flags to (read, never written)")
	flag.Parse()
	if err := run(os.Stdout, *app, *merge); err != nil {
		fmt.Fprintln(os.Stderr, "cdkjson:", err)
		os.Exit(1)
	}
}

// run writes the cdk.json to w: a new one running app, or the file at merge
// with the flags it lacks added to its context.
func run(w io.Writer, app, merge string) error {
	doc := map[string]any{"app": app}
	if merge != "" {
		data, err := os.ReadFile(merge)
		if err != nil {
			return err
		}
		doc = nil
		if err := json.Unmarshal(data, &doc); err != nil || doc == nil {
			return fmt.Errorf("%s: not a JSON object: %v", merge, err)
		}
	}
	ctx := cdkapp.FeatureFlags()
	if existing, ok := doc["context"].(map[string]any); ok {
		for k, v := range existing {
			ctx[k] = v
		}
	} else if doc["context"] != nil {
		return fmt.Errorf("%s: \"context\" is not an object", merge)
	}
	doc["context"] = ctx
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", out)
	return err
}
