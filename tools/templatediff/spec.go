package templatediff

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// spec is what this package knows about resource types, extracted from the
// resource database of the pinned CDK CLI (node_modules/aws-cdk/db.json.gz,
// the data `cdk diff` itself uses) into spec.json. TestSpecMatchesCDKDatabase
// fails when spec.json no longer matches the installed CLI; `go test
// ./test/templatediff -run Spec -update` rewrites it.
type spec struct {
	// GeneratedFrom names the CLI version spec.json was extracted from.
	GeneratedFrom string `json:"generatedFrom"`
	// Stateful maps each type the CDK marks stateful (it holds data that a
	// deletion or replacement loses) to its properties whose change
	// replaces the resource: "yes" (always) or "maybe" (for some changes).
	Stateful map[string]map[string]string `json:"stateful"`
	// ResourceScrutiny maps a type that is a policy in itself to its kind:
	// IdentityPolicyResource, ResourcePolicyResource, LambdaPermission,
	// IngressRuleResource, EgressRuleResource, Sso*.
	ResourceScrutiny map[string]string `json:"resourceScrutiny"`
	// PropertyScrutiny maps a type to its properties that hold policies:
	// InlineIdentityPolicies, InlineResourcePolicy, ManagedPolicies,
	// IngressRules, EgressRules.
	PropertyScrutiny map[string]map[string]string `json:"propertyScrutiny"`
}

//go:embed spec.json
var specJSON []byte

var resourceSpec = mustSpec(specJSON)

func mustSpec(data []byte) spec {
	var s spec
	if err := json.Unmarshal(data, &s); err != nil {
		panic(fmt.Sprintf("templatediff: spec.json: %v", err))
	}
	return s
}

// Scrutiny kinds of spec.json, as the CDK's database names them.
const (
	scrutinyIdentityPolicyResource = "IdentityPolicyResource"
	scrutinyResourcePolicyResource = "ResourcePolicyResource"
	scrutinyLambdaPermission       = "LambdaPermission"
	scrutinyIngressRuleResource    = "IngressRuleResource"
	scrutinyEgressRuleResource     = "EgressRuleResource"
	scrutinyInlineIdentityPolicies = "InlineIdentityPolicies"
	scrutinyInlineResourcePolicy   = "InlineResourcePolicy"
	scrutinyManagedPolicies        = "ManagedPolicies"
	scrutinyIngressRules           = "IngressRules"
	scrutinyEgressRules            = "EgressRules"
)

// IsStateful reports whether the CDK marks resources of type typ as
// stateful: DynamoDB tables, S3 buckets, SQS queues, KMS keys, log groups,
// Kinesis streams, databases and file systems, among others (spec.json).
func IsStateful(typ string) bool {
	_, ok := resourceSpec.Stateful[typ]
	return ok
}
