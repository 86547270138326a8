package templatediff

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/example/orderflow/tools/assembly"
)

// Class is the kind of a security-relevant change.
type Class string

// Classes of findings, in the order they are listed. IAM, resource
// policies and security groups are the library's report.
const (
	// ClassStateful: a stateful resource replaced, destroyed or orphaned,
	// or its deletion policy, deletion protection or retention weakened.
	ClassStateful Class = "stateful"
	// ClassPublicAccess: access for anyone: a public access block turned
	// off, a statement for any principal without a condition, an API route
	// or a function URL without authorization, a database made public.
	ClassPublicAccess Class = "public access"
	// ClassEncryption: encryption at rest turned off or changed.
	ClassEncryption Class = "encryption"
	// ClassSuppression: cdk-nag rules suppressed on a resource.
	ClassSuppression Class = "suppression"
)

var classOrder = map[Class]int{ClassStateful: 0, ClassPublicAccess: 1, ClassEncryption: 2, ClassSuppression: 3}

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

// findings classifies what the library does not: stateful resources lost
// or less protected (the library says which are stateful and replaced,
// destroyed or orphaned), encryption, public access and cdk-nag
// suppressions, from the templates themselves.
func findings(old, new map[string]any, r *Result) []Finding {
	or, nr := section(old, "Resources"), section(new, "Resources")
	fs := publicStatementFindings(r.Statements)
	for _, res := range r.Resources {
		o, _ := or[res.ID].(map[string]any)
		n, _ := nr[res.ID].(map[string]any)
		if res.Stateful {
			fs = append(fs, statefulFindings(res, o, n, nr, or)...)
		}
		fs = append(fs, encryptionFindings(res.ID, o, n)...)
		fs = append(fs, publicAccessFindings(res.ID, o, n)...)
		fs = append(fs, suppressionFindings(res.ID, o, n)...)
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(classOrder[a.Class], classOrder[b.Class]), strings.Compare(a.Message, b.Message))
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

// publicStatementFindings reports the statements added that allow anyone
// (principal * or AWS:*) without a condition.
func publicStatementFindings(stmts []Statement) []Finding {
	var out []Finding
	for _, s := range stmts {
		if s.Effect != "Allow" || s.Condition != nil || !slices.ContainsFunc(s.Principals, func(p string) bool { return p == "*" || p == "AWS:*" }) {
			continue
		}
		out = append(out, Finding{Class: ClassPublicAccess, Broadening: true,
			Message: "anyone (principal *, no condition) may " + strings.Join(s.Actions, ", ") + " on " + strings.Join(s.Resources, ", ")})
	}
	return out
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
		if ov == nil || reflect.DeepEqual(ov, nv) {
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
		auth := func(p map[string]any) string { return cmp.Or(str(p["AuthorizationType"]), "NONE") }
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

func statefulFindings(res Resource, o, n, newResources, oldResources map[string]any) []Finding {
	var out []Finding
	id := res.ID
	switch res.Impact {
	case "WILL_DESTROY", "WILL_ORPHAN":
		msg := res.Type + " " + res.ID + " is removed from the template: " + onDelete(o)
		if renamed := sameTypeAdded(res.Type, newResources, oldResources); len(renamed) > 0 {
			msg += "; added in the same change: " + strings.Join(renamed, ", ") + " (a logical ID change creates a new, empty resource)"
		}
		out = append(out, Finding{Class: ClassStateful, LogicalIDs: []string{res.ID}, Broadening: true, DataLoss: true, Message: msg})
	case "WILL_REPLACE", "MAY_REPLACE":
		verb := "is replaced"
		if res.Impact == "MAY_REPLACE" {
			verb = "may be replaced"
		}
		out = append(out, Finding{Class: ClassStateful, LogicalIDs: []string{res.ID}, Broadening: true, DataLoss: true,
			Message: res.Type + " " + res.ID + " " + verb + " (" + strings.Join(res.ReplacedBy, ", ") + " changed): CloudFormation creates a new, empty one, then " + onReplace(n)})
	}
	if o == nil || n == nil || typeOf(o) != typeOf(n) {
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

func protects(v any) bool { return slices.Contains([]any{true, "true", "ACTIVE", "ENABLED"}, v) }

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
				key += " for " + renderValue(a)
			}
			out[key] = str(rule["reason"])
		}
		return out
	}
	before, after := rules(o), rules(n)
	typ := cmp.Or(typeOf(n), typeOf(o))
	var out []Finding
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if _, ok := before[k]; !ok {
			out = append(out, Finding{Class: ClassSuppression, LogicalIDs: []string{id}, Broadening: true,
				Message: "cdk-nag " + k + " suppressed on " + typ + " " + id + ": " + after[k]})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(before)) {
		if _, ok := after[k]; !ok {
			out = append(out, Finding{Class: ClassSuppression, LogicalIDs: []string{id}, Narrowing: true,
				Message: "cdk-nag " + k + " no longer suppressed on " + typ + " " + id})
		}
	}
	return out
}

// renderValue prints a JSON value compactly, "(absent)" for nil, cut at
// 400 bytes with a note of its length.
func renderValue(v any) string {
	if v == nil {
		return "(absent)"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSuffix(b.String(), "\n")
	if len(s) > 400 {
		return fmt.Sprintf("%s... (%d bytes)", s[:400], len(s))
	}
	return s
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func unionKeys(a, b map[string]any) []string {
	all := map[string]any{}
	maps.Copy(all, a)
	maps.Copy(all, b)
	return sortedKeys(all)
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
