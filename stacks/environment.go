package stacks

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Context keys of a stage's deployment environment: the one place that says
// which account and region a stage deploys to. cdk.json holds them (its
// "context" object); a -c flag overrides them for one command, e.g.
// `cdk deploy -c stages.prod.region=eu-west-3`.
const (
	// ContextStagesPrefix starts every key: "stages.<stage>.<field>".
	ContextStagesPrefix = "stages."
	// ContextAccountField: a 12-digit AWS account ID.
	ContextAccountField = "account"
	// ContextRegionField: an AWS region, e.g. "eu-west-1".
	ContextRegionField = "region"
)

// ContextKey returns the context key of a stage's environment field,
// "stages.prod.region" for example.
func ContextKey(stage, field string) string { return ContextStagesPrefix + stage + "." + field }

var (
	accountID  = regexp.MustCompile(`^[0-9]{12}$`)
	regionName = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)
)

// EnvironmentFor returns the environment (account and region) the stacks of
// stage deploy to, read from context: the app's whole context, cdk.json's
// "context" merged with -c flags (App.Node().GetAllContext()).
//
// Keys: ContextKey(stage, "account") (12 digits) and ContextKey(stage,
// "region") (e.g. "eu-west-1"). A missing or empty value leaves that part
// unpinned; with both unpinned it returns nil: environment-agnostic stacks,
// which `cdk deploy` sends to the account of the caller's credentials and to
// AWS_REGION (or the profile's region), and whose templates name no region.
// The environment of the machine that synthesizes (CDK_DEFAULT_ACCOUNT,
// CDK_DEFAULT_REGION, AWS_REGION) is never read: the same commit synthesizes
// the same assembly everywhere.
//
// Errors name the key and the value: a value that is not a string, an
// account that is not 12 digits, a region that is not shaped like one, and a
// key under "stages.<stage>." other than account and region (a typo would
// otherwise deploy to the wrong place silently).
func EnvironmentFor(stage string, context map[string]any) (*awscdk.Environment, error) {
	prefix := ContextStagesPrefix + stage + "."
	var problems []string
	var account, region string
	keys := make([]string, 0, len(context))
	for k := range context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		field, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		v := context[key]
		s, isString := v.(string)
		if !isString && v != nil {
			problems = append(problems, fmt.Sprintf("%s: %v (%T) is not a string", key, v, v))
			continue
		}
		switch field {
		case ContextAccountField:
			if s != "" && !accountID.MatchString(s) {
				problems = append(problems, fmt.Sprintf("%s: %q is not a 12-digit AWS account ID", key, s))
			}
			account = s
		case ContextRegionField:
			if s != "" && !regionName.MatchString(s) {
				problems = append(problems, fmt.Sprintf("%s: %q is not an AWS region (e.g. eu-west-1)", key, s))
			}
			region = s
		default:
			problems = append(problems, fmt.Sprintf("%s: unknown field %q (want %s or %s)", key, field, ContextKey(stage, ContextAccountField), ContextKey(stage, ContextRegionField)))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("stacks: environment of stage %q: %s", stage, strings.Join(problems, "; "))
	}
	if account == "" && region == "" {
		return nil, nil
	}
	env := &awscdk.Environment{}
	if account != "" {
		env.Account = jsii.String(account)
	}
	if region != "" {
		env.Region = jsii.String(region)
	}
	return env, nil
}
