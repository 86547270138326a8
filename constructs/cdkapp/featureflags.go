package cdkapp

import (
	_ "embed"
	"encoding/json"
	"maps"
)

//go:embed featureflags.json
var featureFlagsJSON []byte

// FeatureFlags returns the CDK feature flags this library is built and
// tested with (featureflags.json in this package: the recommended flags of
// aws-cdk-lib v2.276.0, all on), as a new map a caller may change: the
// "context" of a cdk.json. Without them the CLI prints "N feature flags are
// not configured" and some constructs synthesize differently (an imported
// role's policy name, for one). A test that builds an awscdk.App itself
// passes them as AppProps.Context, as the CLI does with cdk.json's context
// (constructstest.NewApp does it for you).
func FeatureFlags() map[string]any {
	var flags map[string]any
	if err := json.Unmarshal(featureFlagsJSON, &flags); err != nil {
		panic("cdkapp: featureflags.json: " + err.Error()) // embedded at build time: cannot happen
	}
	return maps.Clone(flags)
}
