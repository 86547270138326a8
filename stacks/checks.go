package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AddChecks runs the cdk-nag AwsSolutions and Serverless rule packs on every
// stack under scope at synth. A finding becomes an error annotation, so `cdk
// synth` fails; each pack writes <Pack>-<Stack>-NagReport.csv into the
// output directory. Tests use the same function, so the app and its tests
// check the same rules.
func AddChecks(scope constructs.IConstruct) {
	AddChecksWithProps(scope, &cdknag.NagPackProps{Verbose: jsii.Bool(true)})
}

// AddChecksWithProps is AddChecks with the packs' props, e.g. a
// SuppressionIgnoreCondition that reports suppressed findings too (the test
// that proves each suppression is still needed uses it).
func AddChecksWithProps(scope constructs.IConstruct, props *cdknag.NagPackProps) {
	aspects := awscdk.Aspects_Of(scope)
	aspects.Add(cdknag.NewAwsSolutionsChecks(props), nil)
	aspects.Add(cdknag.NewServerlessChecks(props), nil)
}

// suppress records that a cdk-nag rule does not apply to one resource, for
// reason: scope's default child, or scope itself when it has none.
// appliesTo narrows it to findings with these IDs. test/ checks that every
// suppression is still needed.
func suppress(scope constructs.IConstruct, rule, reason string, appliesTo ...interface{}) {
	if dc := scope.Node().DefaultChild(); dc != nil {
		scope = dc
	}
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		s.AppliesTo = &appliesTo
	}
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(false))
}

// regex is a cdk-nag appliesTo entry matching finding IDs by a regular
// expression (JavaScript syntax, given without slashes).
func regex(expr string) *cdknag.RegexAppliesTo {
	return &cdknag.RegexAppliesTo{Regex: jsii.String("/" + expr + "/")}
}
