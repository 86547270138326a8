package templatediff

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/example/orderflow/tools/assembly"
)

// Class is the kind of a security-relevant change.
type Class string

// Classes of findings, in the order they are listed.
const (
	// ClassStateful: a stateful resource deleted or replaced, or its
	// deletion policy, deletion protection or retention weakened.
	ClassStateful Class = "stateful"
	// ClassIAM: identity policy statements (roles', users', groups'
	// policies) and managed policy attachments.
	ClassIAM Class = "IAM"
	// ClassResourcePolicy: resource policy statements (bucket, queue,
	// topic, key, event bus, ... policies), role trust policies and Lambda
	// permissions.
	ClassResourcePolicy Class = "resource policy"
	// ClassPublicAccess: access for anyone: a public access block turned
	// off, a statement for any principal without a condition, an API route
	// or a function URL without authorization, a database made public, an
	// ingress rule open to the internet.
	ClassPublicAccess Class = "public access"
	// ClassNetwork: security group rules.
	ClassNetwork Class = "network"
	// ClassEncryption: encryption at rest turned off or changed.
	ClassEncryption Class = "encryption"
	// ClassSuppression: cdk-nag rules suppressed on a resource.
	ClassSuppression Class = "suppression"
)

var classOrder = map[Class]int{ClassStateful: 0, ClassIAM: 1, ClassResourcePolicy: 2, ClassPublicAccess: 3,
	ClassNetwork: 4, ClassEncryption: 5, ClassSuppression: 6}

// Finding is one security-relevant change.
type Finding struct {
	Class Class
	// LogicalIDs are the resources the finding is about (for a statement,
	// the resources that hold it).
	LogicalIDs []string
	// Broadening: the change widens access, weakens a protection, or
	// loses data.
	Broadening bool
	// Narrowing: the change removes access (an Allow removed, a Deny
	// added).
	Narrowing bool
	// DataLoss: a stateful resource is deleted or replaced (a replacement
	// starts empty). Broadening is true too.
	DataLoss bool
	// Message says what changes, e.g. "Allow dynamodb:DeleteItem on
	// ${Orders.Arn} for ${KitchenRole} (KitchenRoleDefaultPolicy)".
	Message string
}

func (f Finding) mark() string {
	switch {
	case f.DataLoss:
		return "!"
	case f.Broadening:
		return "+"
	case f.Narrowing:
		return "-"
	}
	return "~"
}

// findings classifies the security-relevant part of the change from old
// to new.
func findings(old, new map[string]any) []Finding {
	or, nr := section(old, "Resources"), section(new, "Resources")
	fs := statementFindings(or, nr)
	for _, id := range unionKeys(or, nr) {
		o, _ := or[id].(map[string]any)
		n, _ := nr[id].(map[string]any)
		if equal(o, n) {
			continue
		}
		fs = append(fs, managedPolicyFindings(id, o, n)...)
		fs = append(fs, ruleFindings(id, o, n)...)
		fs = append(fs, opaquePolicyFindings(id, o, n)...)
		fs = append(fs, encryptionFindings(id, o, n)...)
		fs = append(fs, publicAccessFindings(id, o, n)...)
		fs = append(fs, statefulFindings(id, o, n, nr, or)...)
		fs = append(fs, suppressionFindings(id, o, n)...)
	}
	sort.SliceStable(fs, func(i, j int) bool {
		if a, b := classOrder[fs[i].Class], classOrder[fs[j].Class]; a != b {
			return a < b
		}
		return fs[i].Message < fs[j].Message
	})
	return fs
}

func section(t map[string]any, name string) map[string]any {
	m, _ := t[name].(map[string]any)
	return m
}

func typeOf(r map[string]any) string { return str(r["Type"]) }

func propsOf(r map[string]any) map[string]any {
	m, _ := r["Properties"].(map[string]any)
	return m
}

// --- Policy statements ---------------------------------------------------

// grant is one (principal, action, resource) triple of a statement, with
// the statement's effect and condition: the unit in which two policies are
// compared, so that reordering statements or moving one to another policy
// changes nothing, and a widened statement shows exactly what it adds.
type grant struct {
	class     Class
	effect    string
	principal string
	action    string
	resource  string
	condition string
}

// grantsOf returns the grants of every policy that resource r (logical ID
// id) holds.
func grantsOf(id string, r map[string]any) []grant {
	typ, props := typeOf(r), propsOf(r)
	if props == nil {
		return nil
	}
	var out []grant
	switch resourceSpec.ResourceScrutiny[typ] {
	case scrutinyIdentityPolicyResource:
		var who []string
		for _, k := range []string{"Roles", "Users", "Groups", "RoleName", "UserName", "GroupName"} {
			for _, v := range assembly.List(props[k]) {
				who = append(who, identityName(v))
			}
		}
		if len(who) == 0 {
			who = []string{"(no role, user or group)"}
		}
		for _, doc := range policyDocs(props) {
			for _, p := range who {
				out = append(out, statementGrants(ClassIAM, doc, p, "")...)
			}
		}
	case scrutinyResourcePolicyResource:
		for _, doc := range policyDocs(props) {
			out = append(out, statementGrants(ClassResourcePolicy, doc, "", "${"+id+"}")...)
		}
	case scrutinyLambdaPermission:
		out = append(out, lambdaPermissionGrants(props)...)
	}
	for _, name := range sortedKeys(props) {
		switch resourceSpec.PropertyScrutiny[typ][name] {
		case scrutinyInlineIdentityPolicies:
			for _, p := range assembly.List(props[name]) {
				pm, _ := p.(map[string]any)
				if doc, ok := statements(pm["PolicyDocument"]); ok {
					out = append(out, statementGrants(ClassIAM, doc, "${"+id+"}", "")...)
				}
			}
		case scrutinyInlineResourcePolicy:
			if doc, ok := statements(props[name]); ok {
				out = append(out, statementGrants(ClassResourcePolicy, doc, "", "${"+id+"}")...)
			}
		}
	}
	return out
}

// identityName renders a role, user or group reference.
func identityName(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return renderIntrinsic(v)
}

// policyDocs returns the policy documents among a policy resource's
// properties (PolicyDocument for most, other names for some types).
func policyDocs(props map[string]any) [][]any {
	var docs [][]any
	for _, k := range sortedKeys(props) {
		if doc, ok := statements(props[k]); ok {
			docs = append(docs, doc)
		}
	}
	return docs
}

// statements returns the Statement list of a policy document given as an
// object or a JSON string.
func statements(v any) ([]any, bool) {
	if s, ok := v.(string); ok && strings.HasPrefix(strings.TrimSpace(s), "{") {
		var doc any
		if json.Unmarshal([]byte(s), &doc) != nil {
			return nil, false
		}
		v = doc
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	st, ok := m["Statement"]
	if !ok {
		return nil, false
	}
	return assembly.List(st), true
}

// statementGrants flattens statements into grants. principal, when set,
// is the identity an identity policy is attached to; defaultResource is
// used for statements without Resource (resource policies, trust
// policies).
func statementGrants(class Class, stmts []any, principal, defaultResource string) []grant {
	var out []grant
	for _, s := range stmts {
		st, ok := s.(map[string]any)
		if !ok {
			continue
		}
		effect := str(st["Effect"])
		if effect == "" {
			effect = "Allow"
		}
		principals := []string{principal}
		if principal == "" {
			principals = renderPrincipals(st["Principal"], "")
			principals = append(principals, renderPrincipals(st["NotPrincipal"], "NOT ")...)
			if len(principals) == 0 {
				principals = []string{"(no principal)"}
			}
		}
		actions := renderAll(st["Action"], "")
		actions = append(actions, renderAll(st["NotAction"], "NOT ")...)
		resources := renderAll(st["Resource"], "")
		resources = append(resources, renderAll(st["NotResource"], "NOT ")...)
		if len(resources) == 0 {
			resources = []string{defaultResource}
		}
		cond := ""
		if c, ok := st["Condition"]; ok && c != nil {
			cond = compactJSON(renderDeep(c))
		}
		for _, p := range principals {
			for _, a := range actions {
				for _, r := range resources {
					out = append(out, grant{class: class, effect: effect, principal: p, action: a, resource: r, condition: cond})
				}
			}
		}
	}
	return out
}

// renderPrincipals renders a Principal: "*" or {"AWS": ..., "Service": ...}
// as "*", "AWS:<arn>", "Service:<name>", ...
func renderPrincipals(v any, prefix string) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{prefix + x}
	case map[string]any:
		if _, ok := assembly.CallOf(x); ok {
			return []string{prefix + renderIntrinsic(x)}
		}
		var out []string
		for _, k := range sortedKeys(x) {
			for _, p := range assembly.List(x[k]) {
				out = append(out, prefix+k+":"+renderIntrinsic(p))
			}
		}
		return out
	}
	return []string{prefix + compactJSON(v)}
}

func renderAll(v any, prefix string) []string {
	var out []string
	for _, x := range assembly.List(v) {
		out = append(out, prefix+renderIntrinsic(x))
	}
	return out
}

// renderDeep renders every intrinsic inside v as a string.
func renderDeep(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := assembly.CallOf(x); ok {
			return renderIntrinsic(x)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = renderDeep(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = renderDeep(e)
		}
		return out
	}
	return v
}

// lambdaPermissionGrants turns an AWS::Lambda::Permission into the
// statement it adds to the function's resource policy.
func lambdaPermissionGrants(p map[string]any) []grant {
	principal := renderIntrinsic(p["Principal"])
	switch {
	case principal == "*":
	case strings.HasSuffix(principal, ".amazonaws.com") || strings.HasSuffix(principal, ".amazonaws.com.cn"):
		principal = "Service:" + principal
	default:
		principal = "AWS:" + principal
	}
	cond := map[string]any{}
	add := func(op, key string, v any) {
		if v == nil {
			return
		}
		m, _ := cond[op].(map[string]any)
		if m == nil {
			m = map[string]any{}
			cond[op] = m
		}
		m[key] = renderIntrinsic(v)
	}
	add("ArnLike", "aws:SourceArn", p["SourceArn"])
	add("StringEquals", "aws:SourceAccount", p["SourceAccount"])
	add("StringEquals", "aws:PrincipalOrgID", p["PrincipalOrgID"])
	add("StringEquals", "lambda:FunctionUrlAuthType", p["FunctionUrlAuthType"])
	add("StringEquals", "lambda:EventSourceToken", p["EventSourceToken"])
	c := ""
	if len(cond) > 0 {
		c = compactJSON(cond)
	}
	return []grant{{class: ClassResourcePolicy, effect: "Allow", principal: principal,
		action: renderIntrinsic(p["Action"]), resource: renderIntrinsic(p["FunctionName"]), condition: c}}
}

// statementFindings compares the grants of the whole template (so a
// statement that moves between policies is no change) and reports added and
// removed ones, grouped by principal, resource and condition.
func statementFindings(or, nr map[string]any) []Finding {
	collect := func(res map[string]any) map[grant][]string {
		out := map[grant][]string{}
		for _, id := range sortedKeys(res) {
			r, _ := res[id].(map[string]any)
			for _, g := range grantsOf(id, r) {
				if ids := out[g]; len(ids) == 0 || ids[len(ids)-1] != id {
					out[g] = append(ids, id)
				}
			}
		}
		return out
	}
	og, ng := collect(or), collect(nr)
	type group struct {
		class                                  Class
		added                                  bool
		effect, principal, resource, condition string
	}
	actions := map[group]map[string]bool{}
	holders := map[group]map[string]bool{}
	note := func(g grant, added bool, ids []string) {
		k := group{g.class, added, g.effect, g.principal, g.resource, g.condition}
		if actions[k] == nil {
			actions[k], holders[k] = map[string]bool{}, map[string]bool{}
		}
		actions[k][g.action] = true
		for _, id := range ids {
			holders[k][id] = true
		}
	}
	for g, ids := range ng {
		if _, ok := og[g]; !ok {
			note(g, true, ids)
		}
	}
	for g, ids := range og {
		if _, ok := ng[g]; !ok {
			note(g, false, ids)
		}
	}
	var out []Finding
	for k, acts := range actions {
		allow := k.effect == "Allow"
		msg := k.effect + " " + strings.Join(sortedStrings(acts), ", ") + " on " + k.resource + " for " + k.principal
		if k.condition != "" {
			msg += " when " + k.condition
		}
		ids := sortedStrings(holders[k])
		verb := "added"
		if !k.added {
			verb = "removed"
		}
		f := Finding{Class: k.class, LogicalIDs: ids, Message: verb + ": " + msg + " (" + strings.Join(ids, ", ") + ")"}
		f.Broadening = k.added == allow
		f.Narrowing = !f.Broadening
		out = append(out, f)
		if f.Broadening && allow && k.class == ClassResourcePolicy && k.condition == "" && (k.principal == "*" || k.principal == "AWS:*") {
			out = append(out, Finding{Class: ClassPublicAccess, LogicalIDs: ids, Broadening: true,
				Message: "anyone (principal " + k.principal + ", no condition) may " + strings.Join(sortedStrings(acts), ", ") + " on " + k.resource + " (" + strings.Join(ids, ", ") + ")"})
		}
	}
	return out
}

// managedPolicyFindings reports managed policies attached to or detached
// from a role, user or group.
func managedPolicyFindings(id string, o, n map[string]any) []Finding {
	var out []Finding
	typ := typeOf(n)
	if typ == "" {
		typ = typeOf(o)
	}
	for name, kind := range resourceSpec.PropertyScrutiny[typ] {
		if kind != scrutinyManagedPolicies {
			continue
		}
		before, after := stringSet(propsOf(o)[name]), stringSet(propsOf(n)[name])
		for _, arn := range sortedStrings(after) {
			if !before[arn] {
				out = append(out, Finding{Class: ClassIAM, LogicalIDs: []string{id}, Broadening: true,
					Message: "managed policy " + arn + " attached to " + typ + " " + id})
			}
		}
		for _, arn := range sortedStrings(before) {
			if !after[arn] {
				out = append(out, Finding{Class: ClassIAM, LogicalIDs: []string{id}, Narrowing: true,
					Message: "managed policy " + arn + " detached from " + typ + " " + id})
			}
		}
	}
	return out
}

func stringSet(v any) map[string]bool {
	out := map[string]bool{}
	for _, x := range assembly.List(v) {
		out[renderIntrinsic(x)] = true
	}
	return out
}

// ruleFindings reports security group rules added or removed, inline or
// as their own resources.
func ruleFindings(id string, o, n map[string]any) []Finding {
	typ := typeOf(n)
	if typ == "" {
		typ = typeOf(o)
	}
	rules := func(r map[string]any) map[string]bool {
		out := map[string]bool{}
		if r == nil {
			return out
		}
		switch resourceSpec.ResourceScrutiny[typ] {
		case scrutinyIngressRuleResource:
			out["ingress "+compactJSON(renderDeep(propsOf(r)))] = true
		case scrutinyEgressRuleResource:
			out["egress "+compactJSON(renderDeep(propsOf(r)))] = true
		}
		for name, kind := range resourceSpec.PropertyScrutiny[typ] {
			dir := map[string]string{scrutinyIngressRules: "ingress ", scrutinyEgressRules: "egress "}[kind]
			if dir == "" {
				continue
			}
			for _, rule := range assembly.List(propsOf(r)[name]) {
				out[dir+compactJSON(renderDeep(rule))] = true
			}
		}
		return out
	}
	before, after := rules(o), rules(n)
	var out []Finding
	for _, rule := range sortedStrings(after) {
		if before[rule] {
			continue
		}
		out = append(out, Finding{Class: ClassNetwork, LogicalIDs: []string{id}, Broadening: true, Message: "added: " + rule + " (" + id + ")"})
		if strings.HasPrefix(rule, "ingress ") && (strings.Contains(rule, `"0.0.0.0/0"`) || strings.Contains(rule, `"::/0"`)) {
			out = append(out, Finding{Class: ClassPublicAccess, LogicalIDs: []string{id}, Broadening: true, Message: "open to the internet: " + rule + " (" + id + ")"})
		}
	}
	for _, rule := range sortedStrings(before) {
		if !after[rule] {
			out = append(out, Finding{Class: ClassNetwork, LogicalIDs: []string{id}, Narrowing: true, Message: "removed: " + rule + " (" + id + ")"})
		}
	}
	return out
}

// opaquePolicyFindings reports changes to security-relevant properties
// that hold no statements (a redrive allow policy, an SNS subscription's
// redrive policy, a policy built with Fn::Join) and to types the CDK
// scrutinizes as a whole (IAM Identity Center assignments): they cannot be
// compared grant by grant, so any change is listed.
func opaquePolicyFindings(id string, o, n map[string]any) []Finding {
	typ := typeOf(n)
	if typ == "" {
		typ = typeOf(o)
	}
	var out []Finding
	op, np := propsOf(o), propsOf(n)
	if kind := resourceSpec.ResourceScrutiny[typ]; strings.HasPrefix(kind, "Sso") {
		if !equal(op, np) {
			out = append(out, Finding{Class: ClassIAM, LogicalIDs: []string{id}, Broadening: np != nil,
				Message: typ + " " + id + " changed: " + renderValue(op) + " -> " + renderValue(np)})
		}
		return out
	}
	for name, kind := range resourceSpec.PropertyScrutiny[typ] {
		if kind != scrutinyInlineResourcePolicy && kind != scrutinyInlineIdentityPolicies {
			continue
		}
		if equal(op[name], np[name]) {
			continue
		}
		if parsable(op[name], kind) && parsable(np[name], kind) {
			continue // compared grant by grant
		}
		out = append(out, Finding{Class: ClassResourcePolicy, LogicalIDs: []string{id},
			Message: typ + " " + id + " " + name + " changed: " + renderValue(op[name]) + " -> " + renderValue(np[name])})
	}
	if kind := resourceSpec.ResourceScrutiny[typ]; kind == scrutinyIdentityPolicyResource || kind == scrutinyResourcePolicyResource {
		if np != nil && len(policyDocs(np)) == 0 && !equal(op, np) {
			out = append(out, Finding{Class: ClassResourcePolicy, LogicalIDs: []string{id}, Broadening: true,
				Message: typ + " " + id + " holds a policy that cannot be read statement by statement: " + renderValue(np)})
		}
	}
	return out
}

func parsable(v any, kind string) bool {
	if v == nil {
		return true
	}
	if kind == scrutinyInlineIdentityPolicies {
		for _, p := range assembly.List(v) {
			pm, _ := p.(map[string]any)
			if _, ok := statements(pm["PolicyDocument"]); !ok {
				return false
			}
		}
		return true
	}
	_, ok := statements(v)
	return ok
}

// --- Encryption ----------------------------------------------------------

// encryptionProps are the properties that configure encryption at rest
// (and, for a few, in transit) per type. A change of one that was set is
// reported; removing it or setting it false turns encryption off.
var encryptionProps = map[string][]string{
	"AWS::S3::Bucket":                      {"BucketEncryption"},
	"AWS::SQS::Queue":                      {"KmsMasterKeyId", "SqsManagedSseEnabled"},
	"AWS::SNS::Topic":                      {"KmsMasterKeyId"},
	"AWS::DynamoDB::Table":                 {"SSESpecification"},
	"AWS::DynamoDB::GlobalTable":           {"SSESpecification"},
	"AWS::Kinesis::Stream":                 {"StreamEncryption"},
	"AWS::Logs::LogGroup":                  {"KmsKeyId"},
	"AWS::Events::EventBus":                {"KmsKeyIdentifier"},
	"AWS::Lambda::Function":                {"KmsKeyArn"},
	"AWS::KMS::Key":                        {"EnableKeyRotation"},
	"AWS::SecretsManager::Secret":          {"KmsKeyId"},
	"AWS::StepFunctions::StateMachine":     {"EncryptionConfiguration"},
	"AWS::KinesisFirehose::DeliveryStream": {"DeliveryStreamEncryptionConfigurationInput"},
	"AWS::EFS::FileSystem":                 {"Encrypted", "KmsKeyId"},
	"AWS::RDS::DBInstance":                 {"StorageEncrypted", "KmsKeyId"},
	"AWS::RDS::DBCluster":                  {"StorageEncrypted", "KmsKeyId"},
	"AWS::OpenSearchService::Domain":       {"EncryptionAtRestOptions", "NodeToNodeEncryptionOptions", "DomainEndpointOptions"},
	"AWS::ElastiCache::ReplicationGroup":   {"AtRestEncryptionEnabled", "TransitEncryptionEnabled"},
}

func encryptionFindings(id string, o, n map[string]any) []Finding {
	if o == nil || n == nil || typeOf(o) != typeOf(n) {
		return nil // added, removed or replaced: reported as such
	}
	typ := typeOf(n)
	op, np := propsOf(o), propsOf(n)
	var out []Finding
	for _, name := range encryptionProps[typ] {
		ov, nv := op[name], np[name]
		if ov == nil || equal(ov, nv) {
			continue // never set, or unchanged; turning encryption on is no risk
		}
		off := nv == nil || nv == false || nv == "false"
		f := Finding{Class: ClassEncryption, LogicalIDs: []string{id}, Broadening: off,
			Message: typ + " " + id + " " + name + ": " + renderValue(ov) + " -> " + renderValue(nv)}
		if off {
			f.Message += " (encryption turned off)"
		}
		out = append(out, f)
	}
	return out
}

// --- Public access -------------------------------------------------------

var publicACLs = map[string]bool{"PublicRead": true, "PublicReadWrite": true, "AuthenticatedRead": true}

func publicAccessFindings(id string, o, n map[string]any) []Finding {
	if n == nil {
		return nil
	}
	typ := typeOf(n)
	op, np := propsOf(o), propsOf(n)
	if typeOf(o) != typ {
		op = nil
	}
	pub := func(msg string) Finding {
		return Finding{Class: ClassPublicAccess, LogicalIDs: []string{id}, Broadening: true, Message: typ + " " + id + " " + msg}
	}
	var out []Finding
	switch typ {
	case "AWS::S3::Bucket":
		ob, _ := op["PublicAccessBlockConfiguration"].(map[string]any)
		nb, _ := np["PublicAccessBlockConfiguration"].(map[string]any)
		for _, flag := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if truthy(ob[flag]) && !truthy(nb[flag]) {
				out = append(out, pub("PublicAccessBlockConfiguration."+flag+": "+renderValue(ob[flag])+" -> "+renderValue(nb[flag])))
			}
		}
		if acl := str(np["AccessControl"]); publicACLs[acl] && acl != str(op["AccessControl"]) {
			out = append(out, pub("AccessControl: "+renderValue(op["AccessControl"])+" -> "+renderValue(np["AccessControl"])))
		}
	case "AWS::Lambda::Url":
		if str(np["AuthType"]) == "NONE" && (o == nil || str(op["AuthType"]) != "NONE") {
			out = append(out, pub("AuthType NONE: anyone can invoke the function through its URL"))
		}
	case "AWS::ApiGatewayV2::Route", "AWS::ApiGateway::Method":
		if typ == "AWS::ApiGateway::Method" && str(np["HttpMethod"]) == "OPTIONS" {
			break // CORS preflight
		}
		auth := func(p map[string]any) string {
			if a := str(p["AuthorizationType"]); a != "" {
				return a
			}
			return "NONE"
		}
		if auth(np) == "NONE" && (o == nil || auth(op) != "NONE") {
			was := "new"
			if o != nil {
				was = "was " + auth(op)
			}
			out = append(out, pub("has no authorization (AuthorizationType NONE, "+was+"): anyone can call it"))
		}
	case "AWS::RDS::DBInstance", "AWS::RDS::DBCluster":
		if truthy(np["PubliclyAccessible"]) && !truthy(op["PubliclyAccessible"]) {
			out = append(out, pub("PubliclyAccessible: "+renderValue(op["PubliclyAccessible"])+" -> true"))
		}
	}
	return out
}

func truthy(v any) bool { return v == true || v == "true" }

// --- Stateful resources --------------------------------------------------

// retaining are the deletion and update-replace policies that keep a
// resource's data.
var retaining = map[string]bool{"Retain": true, "RetainExceptOnCreate": true, "Snapshot": true}

func statefulFindings(id string, o, n, newResources, oldResources map[string]any) []Finding {
	var out []Finding
	if o != nil && IsStateful(typeOf(o)) {
		typ := typeOf(o)
		switch {
		case n == nil:
			msg := typ + " " + id + " is removed from the template: " + onDelete(o)
			if renamed := sameTypeAdded(typ, newResources, oldResources); len(renamed) > 0 {
				msg += "; added in the same change: " + strings.Join(renamed, ", ") + " (a logical ID change creates a new, empty resource)"
			}
			out = append(out, Finding{Class: ClassStateful, LogicalIDs: []string{id}, Broadening: true, DataLoss: true, Message: msg})
		default:
			if r, by := replacement(o, n); r != NoReplacement {
				verb := "is replaced"
				if r == MayReplace {
					verb = "may be replaced"
				}
				out = append(out, Finding{Class: ClassStateful, LogicalIDs: []string{id}, Broadening: true, DataLoss: true,
					Message: typ + " " + id + " " + verb + " (" + strings.Join(by, ", ") + " changed): CloudFormation creates a new, empty one, then " + onReplace(n)})
			}
		}
	}
	if o == nil || n == nil || !IsStateful(typeOf(n)) {
		return out
	}
	typ := typeOf(n)
	for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
		before, after := str(o[policy]), str(n[policy])
		if retaining[before] && !retaining[after] {
			out = append(out, Finding{Class: ClassStateful, LogicalIDs: []string{id}, Broadening: true,
				Message: typ + " " + id + " " + policy + ": " + before + " -> " + renderValue(n[policy]) + " (its data is deleted with it)"})
		}
	}
	op, np := propsOf(o), propsOf(n)
	if r, ok := retentionProps[typ]; ok {
		before, bok := retentionOf(op[r.prop], r.unset)
		after, aok := retentionOf(np[r.prop], r.unset)
		if bok && aok && after < before {
			out = append(out, Finding{Class: ClassStateful, LogicalIDs: []string{id}, Broadening: true,
				Message: typ + " " + id + " " + r.prop + ": " + renderValue(op[r.prop]) + " -> " + renderValue(np[r.prop]) + " (retention shortened: older data is deleted)"})
		}
	}
	for _, name := range unionKeys(op, np) {
		if !strings.HasPrefix(name, "DeletionProtection") {
			continue
		}
		if protects(op[name]) && !protects(np[name]) {
			out = append(out, Finding{Class: ClassStateful, LogicalIDs: []string{id}, Broadening: true,
				Message: typ + " " + id + " " + name + ": " + renderValue(op[name]) + " -> " + renderValue(np[name]) + " (deletion protection turned off)"})
		}
	}
	return out
}

// retentionProps are the properties that say how long a stateful resource
// keeps its data, with the value that applies when one is unset (0: kept
// forever).
var retentionProps = map[string]struct {
	prop  string
	unset float64
}{
	"AWS::Logs::LogGroup":  {"RetentionInDays", 0},             // unset: never expire
	"AWS::SQS::Queue":      {"MessageRetentionPeriod", 345600}, // unset: 4 days
	"AWS::Kinesis::Stream": {"RetentionPeriodHours", 24},       // unset: 24 hours
}

// retentionOf returns a retention as a number, math.Inf for "forever"; ok
// is false for a value that is not a number (an intrinsic).
func retentionOf(v any, unset float64) (float64, bool) {
	if v == nil {
		v = unset
	}
	switch x := v.(type) {
	case float64:
		if x == 0 {
			return math.Inf(1), true
		}
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func protects(v any) bool {
	switch v {
	case true, "true", "ACTIVE", "ENABLED":
		return true
	}
	return false
}

// onDelete says what CloudFormation does with a resource removed from the
// template (its DeletionPolicy; Delete when unset).
func onDelete(r map[string]any) string {
	switch p := str(r["DeletionPolicy"]); p {
	case "Retain", "RetainExceptOnCreate":
		return "CloudFormation leaves it in the account, outside the stack (DeletionPolicy " + p + "); nothing in the stack uses its data any more"
	case "Snapshot":
		return "CloudFormation deletes it after taking a snapshot (DeletionPolicy Snapshot)"
	}
	return "CloudFormation deletes it and its data (DeletionPolicy Delete)"
}

// onReplace says what happens to the old resource after a replacement
// (its UpdateReplacePolicy; Delete when unset).
func onReplace(r map[string]any) string {
	switch p := str(r["UpdateReplacePolicy"]); p {
	case "Retain", "RetainExceptOnCreate":
		return "leaves the old one, with its data, outside the stack (UpdateReplacePolicy " + p + ")"
	case "Snapshot":
		return "deletes the old one after a snapshot (UpdateReplacePolicy Snapshot)"
	}
	return "deletes the old one and its data (UpdateReplacePolicy Delete)"
}

func sameTypeAdded(typ string, newResources, oldResources map[string]any) []string {
	var out []string
	for _, id := range sortedKeys(newResources) {
		r, _ := newResources[id].(map[string]any)
		if _, existed := oldResources[id]; !existed && typeOf(r) == typ {
			out = append(out, id)
		}
	}
	return out
}

// --- cdk-nag suppressions ------------------------------------------------

func suppressionFindings(id string, o, n map[string]any) []Finding {
	rules := func(r map[string]any) map[string]string {
		out := map[string]string{}
		meta, _ := r["Metadata"].(map[string]any)
		nag, _ := meta["cdk_nag"].(map[string]any)
		for _, x := range assembly.List(nag["rules_to_suppress"]) {
			rule, _ := x.(map[string]any)
			key := str(rule["id"])
			if a := rule["applies_to"]; a != nil {
				key += " for " + compactJSON(a)
			}
			out[key] = str(rule["reason"])
		}
		return out
	}
	before, after := rules(o), rules(n)
	typ := typeOf(n)
	if typ == "" {
		typ = typeOf(o)
	}
	var out []Finding
	for _, k := range sortedKeys(toAny(after)) {
		if _, ok := before[k]; !ok {
			out = append(out, Finding{Class: ClassSuppression, LogicalIDs: []string{id}, Broadening: true,
				Message: "cdk-nag " + k + " suppressed on " + typ + " " + id + ": " + after[k]})
		}
	}
	for _, k := range sortedKeys(toAny(before)) {
		if _, ok := after[k]; !ok {
			out = append(out, Finding{Class: ClassSuppression, LogicalIDs: []string{id}, Narrowing: true,
				Message: "cdk-nag " + k + " no longer suppressed on " + typ + " " + id})
		}
	}
	return out
}

func toAny[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
