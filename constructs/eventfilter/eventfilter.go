// Package eventfilter builds and checks event filter patterns: the filter
// criteria of Lambda event source mappings (SQS, DynamoDB Streams, Kinesis)
// and the filter policies of SNS subscriptions, which share one grammar
// (EventBridge's) with different operator sets.
//
// A pattern is built from typed Go values or given as JSON:
//
//	paid := eventfilter.Pattern{
//		"body": eventfilter.Pattern{
//			"status": eventfilter.Equals("PAID", "REFUNDED"),
//			"total":  eventfilter.Numeric(">=", 100),
//		},
//	}
//	raw := eventfilter.JSON(`{"body": {"status": ["PAID"]}}`)
//
// and checked against a Grammar before anything deploys: SQS, DynamoDB and
// Kinesis for event source mappings, SNSAttributes and SNSBody for the two
// scopes of an SNS filter policy. Grammar.Validate returns every problem of
// one pattern, each naming the field path and why (`body.total[0]: numeric
// [">",10,">",20] is malformed: a range is a lower bound (> or >=) then an
// upper bound (< or <=); ...`); Grammar.Check validates
// a mapping's list of filters, counts them against the Lambda quota and
// returns the patterns as the JSON strings CloudFormation takes.
//
// What happens to a record no filter matches (Lambda docs, "Control which
// events Lambda sends to your function"): Lambda never invokes the function
// with it and never retries it. An SQS message is deleted from the queue (it
// does not reach the dead-letter queue); a Kinesis or DynamoDB stream record
// is skipped: the shard iterator advances past it, and it stays in the
// stream only until the stream's retention ends. A filter that matches
// nothing therefore loses data silently: this package fails synth on the
// mistakes that cause it (an unknown field, a rule not in an array, an
// empty array, a DynamoDB attribute matched without its type).
package eventfilter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// Lambda quotas on filter criteria
// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html;
// AWS::Lambda::EventSourceMapping Filter.Pattern).
const (
	// DefaultMaxFilters per event source mapping: Lambda's default quota.
	DefaultMaxFilters = 5
	// MaxFiltersQuota: the most filters per mapping a quota increase gives.
	MaxFiltersQuota = 10
	// MaxPatternLength of one pattern's JSON, in characters (CloudFormation).
	MaxPatternLength = 4096
)

// SNS filter policy quotas
// (https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html).
const (
	MaxSNSPolicyKeys         = 5         // top-level attribute or property names
	MaxSNSPolicyCombinations = 150       // product of the value counts
	MaxSNSPolicyBytes        = 256 << 10 // 256 KB
	MaxSNSNumber             = 1e9       // numeric matching: -1e9 to 1e9
	MaxSNSNumberDecimals     = 5         // digits after the decimal point
)

// Filter is one filter pattern: a Pattern built in Go, or JSON.
type Filter interface {
	document() (any, error)
}

// Pattern is a filter pattern built in Go: each field name maps to a Rule
// (the field matches when its value matches any element of the rule) or to
// a nested Pattern (the field is an object whose fields must match). A
// record matches a pattern when every field of the pattern matches.
type Pattern map[string]any

func (p Pattern) document() (any, error) {
	b, err := marshal(p)
	if err != nil {
		return nil, fmt.Errorf("cannot be written as JSON: %v", err)
	}
	return decode(b)
}

// JSON is a filter pattern given as JSON text, e.g. from a file shared with
// another team: `{"body": {"status": ["PAID"]}}`.
type JSON string

func (j JSON) document() (any, error) {
	doc, err := decode([]byte(j))
	if err != nil {
		return nil, fmt.Errorf("is not valid JSON: %v", err)
	}
	return doc, nil
}

func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("text after the pattern")
	}
	return doc, nil
}

// Rule is the list of values and operators one field is matched against:
// the field matches when its value matches any element.
type Rule []any

// Equals matches any of values exactly: strings (case-sensitive), numbers
// (compared by their text: 300 and 300.0 differ; use Numeric("=", n) to
// compare numbers as numbers), true, false. A list of several values is an
// OR: Equals("Credit", "Debit").
func Equals(values ...any) Rule { return Rule(values) }

// Null matches a field whose value is JSON null.
func Null() Rule { return Rule{nil} }

// Empty matches a field whose value is the empty string.
func Empty() Rule { return Rule{""} }

// Prefix matches a string beginning with s.
func Prefix(s string) Rule { return op("prefix", s) }

// Suffix matches a string ending with s.
func Suffix(s string) Rule { return op("suffix", s) }

// EqualsIgnoreCase matches s in any letter case.
func EqualsIgnoreCase(s string) Rule { return op("equals-ignore-case", s) }

// AnythingBut matches any value other than values (strings or numbers, not
// mixed). A missing field does not match: combine with Exists for that.
func AnythingBut(values ...any) Rule {
	if len(values) == 1 {
		return op("anything-but", values[0])
	}
	return op("anything-but", values)
}

// AnythingButPrefix matches a string not beginning with s (SNS only).
func AnythingButPrefix(s string) Rule { return op("anything-but", map[string]any{"prefix": s}) }

// AnythingButSuffix matches a string not ending with s (SNS only).
func AnythingButSuffix(s string) Rule { return op("anything-but", map[string]any{"suffix": s}) }

// Numeric compares a number: op is "=", "<", "<=", ">" or ">=".
func Numeric(op string, n float64) Rule { return numeric(op, n) }

// NumericRange matches a number within a range: lowOp ">" or ">=" low,
// highOp "<" or "<=" high, e.g. NumericRange(">", 10, "<=", 20).
func NumericRange(lowOp string, low float64, highOp string, high float64) Rule {
	return numeric(lowOp, low, highOp, high)
}

// Exists matches a field that is present (any value).
func Exists() Rule { return op("exists", true) }

// NotExists matches a field that is absent.
func NotExists() Rule { return op("exists", false) }

// CIDR matches an IP address within the block, e.g. "10.0.0.0/24" (SNS
// only).
func CIDR(block string) Rule { return op("cidr", block) }

// AnyOf joins rules into one: the field matches when it matches any of them,
// e.g. AnyOf(Prefix("us-"), Equals("global")).
func AnyOf(rules ...Rule) Rule {
	var out Rule
	for _, r := range rules {
		out = append(out, r...)
	}
	return out
}

// Or matches when any of patterns matches ("$or", SNS only: in a Lambda
// mapping, give each alternative as a filter of its own; Lambda delivers a
// record that matches any filter).
func Or(patterns ...Pattern) Pattern { return Pattern{"$or": patterns} }

func op(name string, v any) Rule { return Rule{map[string]any{name: v}} }

func numeric(parts ...any) Rule { return op("numeric", parts) }

// Grammar is the pattern language of one filter: which operators, fields
// and nesting a service accepts. Use the package's grammars; they are
// read-only.
type Grammar struct {
	name        string          // in messages: "Lambda event filtering for SQS"
	operators   []string        // the rule operators accepted
	topFields   []string        // accepted top-level fields (nil: any)
	dataField   string          // the field that holds the record's data
	dataObject  bool            // the data field must be an object (JSON data)
	dynamo      bool            // check DynamoDB attribute values
	flat        bool            // no nested objects (SNS attributes)
	or          bool            // "$or" accepted
	butObjects  bool            // anything-but with prefix or suffix
	sns         bool            // SNS quotas: keys, combinations, numbers
	maxLength   int             // of the pattern's JSON
	hint        string          // how to do without an unsupported operator
	known       map[string]bool // operators, as a set
	knownFields map[string]bool
}

var lambdaOperators = []string{"anything-but", "equals-ignore-case", "exists", "numeric", "prefix", "suffix"}

// The grammars of Lambda event source mappings: Lambda's operators (equals,
// null, empty, equals-ignore-case, prefix, suffix, anything-but with values,
// numeric, exists; no "$or", wildcard, cidr or anything-but with prefix or
// suffix), at most MaxPatternLength characters a pattern.
var (
	// SQS: fields of an SQS record; "body" is matched as JSON when the
	// pattern gives it an object, as a plain string when it gives a rule
	// (Lambda drops a message whose body is not of the kind the pattern
	// expects).
	SQS = newGrammar(&Grammar{name: "Lambda event filtering for SQS", operators: lambdaOperators, maxLength: MaxPatternLength, dataField: "body",
		topFields: []string{"attributes", "awsRegion", "body", "eventSource", "eventSourceARN", "md5OfBody", "md5OfMessageAttributes", "messageAttributes", "messageId", "receiptHandle"}})
	// DynamoDB: fields of a DynamoDB stream record; "dynamodb" must be an
	// object, and an attribute of Keys, NewImage or OldImage is matched
	// through its type ({"S": [...]}). Lambda's docs name "dynamodb" as the
	// field to filter on; eventName (INSERT, MODIFY, REMOVE) is accepted too,
	// as the CDK's own example filters on it.
	DynamoDB = newGrammar(&Grammar{name: "Lambda event filtering for DynamoDB streams", operators: lambdaOperators, maxLength: MaxPatternLength, dataField: "dynamodb", dataObject: true, dynamo: true,
		topFields: []string{"awsRegion", "dynamodb", "eventID", "eventName", "eventSource", "eventSourceARN", "eventVersion", "userIdentity"}})
	// Kinesis: fields of a Kinesis record; "data" (the record's data,
	// base64-decoded) must be an object: Lambda filters it as JSON, and drops
	// a record whose data is not JSON. Lambda's docs name "data" as the field
	// to filter on; the record's own metadata (partitionKey,
	// sequenceNumber...) is accepted too.
	Kinesis = newGrammar(&Grammar{name: "Lambda event filtering for Kinesis", operators: lambdaOperators, maxLength: MaxPatternLength, dataField: "data", dataObject: true,
		topFields: []string{"approximateArrivalTimestamp", "awsRegion", "data", "encryptionType", "eventID", "eventName", "eventSource", "eventSourceARN", "eventVersion", "invokeIdentityArn", "kinesisSchemaVersion", "partitionKey", "sequenceNumber"}})
)

var snsOperators = []string{"anything-but", "cidr", "equals-ignore-case", "exists", "numeric", "prefix", "suffix"}

// The grammars of SNS subscription filter policies: SNS's operators (those
// of Lambda plus cidr, anything-but with prefix or suffix, and "$or"), at
// most MaxSNSPolicyKeys top-level names, MaxSNSPolicyCombinations
// combinations of values, numbers within ±1e9 with at most 5 decimals, and
// MaxSNSPolicyBytes.
var (
	// SNSAttributes: a filter policy on message attributes
	// (FilterPolicyScope MessageAttributes, the default): flat, one level of
	// attribute names.
	SNSAttributes = newGrammar(&Grammar{name: "SNS filter policies on message attributes", operators: snsOperators, flat: true, or: true, butObjects: true, sns: true, maxLength: MaxSNSPolicyBytes})
	// SNSBody: a filter policy on the message body (FilterPolicyScope
	// MessageBody): nested objects follow the body's JSON.
	SNSBody = newGrammar(&Grammar{name: "SNS filter policies on the message body", operators: snsOperators, or: true, butObjects: true, sns: true, maxLength: MaxSNSPolicyBytes})
)

func newGrammar(g *Grammar) *Grammar {
	g.known = map[string]bool{}
	for _, o := range g.operators {
		g.known[o] = true
	}
	if g.topFields != nil {
		g.knownFields = map[string]bool{}
		for _, f := range g.topFields {
			g.knownFields[f] = true
		}
	}
	if !g.or {
		g.hint = "give each alternative as a filter of its own: Lambda delivers a record that matches any filter"
	}
	return g
}

// Name is the grammar's name as messages give it.
func (g *Grammar) Name() string { return g.name }

// Validate returns every problem of f under g, each naming the field path
// and why; none when f is valid.
func (g *Grammar) Validate(f Filter) []string {
	_, problems := g.Render(f)
	return problems
}

// Render returns f's JSON as the service takes it (compact, fields sorted)
// and the problems Validate returns; the JSON is empty when f cannot be
// read.
func (g *Grammar) Render(f Filter) (string, []string) {
	if f == nil {
		return "", []string{"is nil: give a Pattern or JSON"}
	}
	doc, err := f.document()
	if err != nil {
		return "", []string{err.Error()}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return "", []string{fmt.Sprintf("must be a JSON object of fields, got %s", describe(doc))}
	}
	v := &validator{g: g}
	v.object("", obj, 1, true)
	out, _ := marshal(obj)
	if len(out) > g.maxLength {
		v.addf("", "is %d characters long, more than %d (%s)", len(out), g.maxLength, g.limitSource())
	}
	if g.sns {
		if n := len(withoutOr(obj)); n > MaxSNSPolicyKeys {
			v.addf("", "has %d top-level names, more than %d (SNS quotas)", n, MaxSNSPolicyKeys)
		}
		if n := combinations(obj, 1, !g.flat); n > MaxSNSPolicyCombinations {
			v.addf("", "has %d combinations of values, more than %d (SNS quotas: the product of the number of values of each field%s)", n, MaxSNSPolicyCombinations, map[bool]string{true: " times its nesting depth", false: ""}[!g.flat])
		}
	}
	return string(out), v.problems
}

func (g *Grammar) limitSource() string {
	if g.sns {
		return "SNS quotas"
	}
	return "CloudFormation's limit on a filter pattern"
}

// Check validates the filters of one event source mapping: at most max
// (DefaultMaxFilters unless your account's quota was raised, at most
// MaxFiltersQuota) and each valid under g. It returns each filter's JSON,
// and the problems, each starting with "Filters" or "Filters[i]".
func (g *Grammar) Check(filters []Filter, max int) (patterns []string, problems []string) {
	if len(filters) > max {
		problems = append(problems, fmt.Sprintf("Filters has %d filters, more than %d (Lambda quota per event source mapping: %d by default, up to %d on request)",
			len(filters), max, DefaultMaxFilters, MaxFiltersQuota))
	}
	for i, f := range filters {
		s, ps := g.Render(f)
		for _, p := range ps {
			problems = append(problems, fmt.Sprintf("Filters[%d] %s", i, p))
		}
		if len(ps) == 0 {
			patterns = append(patterns, s)
		}
	}
	return patterns, problems
}

type validator struct {
	g        *Grammar
	problems []string
}

func (v *validator) addf(path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	v.problems = append(v.problems, msg)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// object checks a pattern object at path (top: the record's own fields).
func (v *validator) object(path string, obj map[string]any, depth int, top bool) {
	g := v.g
	if len(obj) == 0 {
		v.addf(path, "is an empty object: a pattern needs at least one field")
		return
	}
	for _, key := range sortedKeys(obj) {
		val, p := obj[key], join(path, key)
		if key == "$or" {
			v.or(p, val, depth, top)
			continue
		}
		if top && g.knownFields != nil && !g.knownFields[key] {
			v.addf(p, "unknown field %q: a record of this source has %s (%s)", key, strings.Join(g.topFields, ", "), g.name)
			continue
		}
		switch x := val.(type) {
		case []any:
			if top && g.dataObject && key == g.dataField {
				v.addf(p, "must be an object of fields, not a rule: %s matches the record's %s as JSON", g.name, key)
				continue
			}
			v.rule(p, x)
		case map[string]any:
			if name, isOp := v.operatorObject(x); isOp {
				v.addf(p, "rule {%q: ...} must be inside an array: [{%q: ...}]", name, name)
				continue
			}
			if g.flat {
				v.addf(p, "is a nested object: %s match attribute names at the top level only (nested fields need FilterPolicyScope MessageBody)", g.name)
				continue
			}
			if top && g.dynamo && key == g.dataField {
				v.dynamodb(p, x)
				continue
			}
			v.object(p, x, depth+1, false)
		default:
			v.addf(p, "must be an array of values and rules (e.g. [%s]) or an object of nested fields, got %s", jsonText(val), describe(val))
		}
	}
}

func (v *validator) or(path string, val any, depth int, top bool) {
	if !v.g.or {
		v.addf(path, "$or is not supported by %s: %s", v.g.name, v.g.hint)
		return
	}
	list, ok := val.([]any)
	if !ok || len(list) < 2 {
		v.addf(path, "$or must be an array of at least two patterns, got %s", describe(val))
		return
	}
	for i, alt := range list {
		obj, ok := alt.(map[string]any)
		if !ok {
			v.addf(fmt.Sprintf("%s[%d]", path, i), "must be a pattern object, got %s", describe(alt))
			continue
		}
		v.object(fmt.Sprintf("%s[%d]", path, i), obj, depth, top)
	}
}

// operatorObject reports whether obj looks like a rule given without its
// array: one key that is an operator of any grammar.
func (v *validator) operatorObject(obj map[string]any) (string, bool) {
	if len(obj) != 1 {
		return "", false
	}
	for k := range obj {
		switch k {
		case "anything-but", "cidr", "equals-ignore-case", "exists", "numeric", "prefix", "suffix", "wildcard":
			return k, true
		}
	}
	return "", false
}

// rule checks a field's array of values and rules.
func (v *validator) rule(path string, list []any) {
	if len(list) == 0 {
		v.addf(path, "is an empty array, which matches no value: every record fails this pattern (to match null, use [null])")
		return
	}
	for i, el := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch x := el.(type) {
		case nil, string, bool, json.Number:
		case map[string]any:
			v.operator(p, x)
		default:
			v.addf(p, "must be a string, number, true, false, null or a rule object, got %s", describe(el))
		}
	}
}

func (v *validator) operator(path string, obj map[string]any) {
	if len(obj) != 1 {
		v.addf(path, "a rule object has exactly one operator, got %d (%s)", len(obj), strings.Join(sortedKeys(obj), ", "))
		return
	}
	name := sortedKeys(obj)[0]
	val := obj[name]
	if !v.g.known[name] {
		v.addf(path, "unknown operator %q: %s supports %s", name, v.g.name, strings.Join(v.g.operators, ", "))
		return
	}
	switch name {
	case "prefix", "suffix", "equals-ignore-case":
		if s, ok := val.(string); !ok || s == "" {
			v.addf(path, "%s takes a non-empty string, got %s", name, describe(val))
		}
	case "exists":
		if _, ok := val.(bool); !ok {
			v.addf(path, "exists takes true or false, got %s", describe(val))
		}
	case "cidr":
		s, _ := val.(string)
		if _, err := netip.ParsePrefix(s); err != nil {
			v.addf(path, "cidr takes an IP address block such as \"10.0.0.0/24\", got %s", jsonText(val))
		}
	case "anything-but":
		v.anythingBut(path, val)
	case "numeric":
		v.numeric(path, val)
	}
}

func (v *validator) anythingBut(path string, val any) {
	switch x := val.(type) {
	case string, json.Number:
		v.number(path, x)
		return
	case []any:
		if len(x) == 0 {
			v.addf(path, "anything-but takes a value or a non-empty array of values, got []")
			return
		}
		kinds := map[string]bool{}
		for _, el := range x {
			switch el.(type) {
			case string:
				kinds["strings"] = true
			case json.Number:
				kinds["numbers"] = true
				v.number(path, el)
			default:
				v.addf(path, "anything-but takes strings or numbers, got %s", describe(el))
				return
			}
		}
		if len(kinds) > 1 {
			v.addf(path, "anything-but takes strings or numbers, not both")
		}
		return
	case map[string]any:
		if !v.g.butObjects {
			v.addf(path, "anything-but with an operator (%s) is not supported by %s: it takes a value or an array of values", jsonText(x), v.g.name)
			return
		}
		if len(x) == 1 {
			for k, s := range x {
				if str, ok := s.(string); (k == "prefix" || k == "suffix") && ok && str != "" {
					return
				}
			}
		}
		v.addf(path, "anything-but takes a value, an array of values, {\"prefix\": \"...\"} or {\"suffix\": \"...\"}, got %s", jsonText(x))
		return
	}
	v.addf(path, "anything-but takes a string, a number or an array of them, got %s", describe(val))
}

var lowerOps, upperOps = map[string]bool{">": true, ">=": true}, map[string]bool{"<": true, "<=": true}

func (v *validator) numeric(path string, val any) {
	list, ok := val.([]any)
	bad := func(why string) {
		v.addf(path, "numeric %s is malformed: %s; write [\"=\", 5], [\">\", 0] or [\">=\", 0, \"<\", 10]", jsonText(val), why)
	}
	if !ok || (len(list) != 2 && len(list) != 4) {
		bad("it takes an operator and a number, or a lower and an upper bound")
		return
	}
	ops := make([]string, 0, 2)
	nums := make([]float64, 0, 2)
	for i := 0; i < len(list); i += 2 {
		o, ok := list[i].(string)
		if !ok || !(o == "=" || lowerOps[o] || upperOps[o]) {
			bad(fmt.Sprintf("%s is not one of =, <, <=, >, >=", jsonText(list[i])))
			return
		}
		n, ok := list[i+1].(json.Number)
		if !ok {
			bad(fmt.Sprintf("%s after %q is not a number", jsonText(list[i+1]), o))
			return
		}
		f, err := n.Float64()
		if err != nil {
			bad(fmt.Sprintf("%s is not a number", n))
			return
		}
		v.number(path, n)
		ops, nums = append(ops, o), append(nums, f)
	}
	if len(ops) == 2 {
		switch {
		case !lowerOps[ops[0]] || !upperOps[ops[1]]:
			bad("a range is a lower bound (> or >=) then an upper bound (< or <=)")
		case nums[0] >= nums[1]:
			bad(fmt.Sprintf("the lower bound %s is not below the upper bound %s", list[1], list[3]))
		}
	}
}

// number checks a number against SNS's limits.
func (v *validator) number(path string, x any) {
	n, ok := x.(json.Number)
	if !ok || !v.g.sns {
		return
	}
	f, err := n.Float64()
	if err != nil {
		return
	}
	if f < -MaxSNSNumber || f > MaxSNSNumber {
		v.addf(path, "number %s is outside -1000000000 to 1000000000 (SNS quotas)", n)
	}
	s := strings.ToLower(n.String())
	if i := strings.IndexByte(s, '.'); i >= 0 && !strings.ContainsAny(s, "e") && len(s)-i-1 > MaxSNSNumberDecimals {
		v.addf(path, "number %s has more than %d digits after the decimal point (SNS quotas)", n, MaxSNSNumberDecimals)
	}
}

// DynamoDB stream records: the fields of "dynamodb", and the attribute type
// descriptors of DynamoDB JSON.
var (
	dynamoFields = map[string]bool{"ApproximateCreationDateTime": true, "Keys": true, "NewImage": true, "OldImage": true,
		"SequenceNumber": true, "SizeBytes": true, "StreamViewType": true}
	dynamoTypes = []string{"B", "BOOL", "BS", "L", "M", "N", "NS", "NULL", "S", "SS"}
)

func (v *validator) dynamodb(path string, obj map[string]any) {
	if len(obj) == 0 {
		v.addf(path, "is an empty object: a pattern needs at least one field")
	}
	for _, key := range sortedKeys(obj) {
		p, val := join(path, key), obj[key]
		if !dynamoFields[key] {
			v.addf(p, "unknown field %q: the dynamodb field of a stream record has %s", key, strings.Join(sortedKeys(dynamoFields), ", "))
			continue
		}
		if key != "Keys" && key != "NewImage" && key != "OldImage" {
			v.value(p, val)
			continue
		}
		image, ok := val.(map[string]any)
		if !ok {
			v.addf(p, "must be an object of attribute names, got %s", describe(val))
			continue
		}
		v.attributes(p, image)
	}
}

// attributes checks DynamoDB attributes: each matched through its type.
func (v *validator) attributes(path string, attrs map[string]any) {
	if len(attrs) == 0 {
		v.addf(path, "is an empty object: a pattern needs at least one field")
	}
	for _, name := range sortedKeys(attrs) {
		p := join(path, name)
		typed, ok := attrs[name].(map[string]any)
		if !ok || len(typed) == 0 {
			v.addf(p, "a DynamoDB attribute is matched through its type (%s), e.g. {%q: {\"S\": [\"PAID\"]}}, got %s", strings.Join(dynamoTypes, ", "), name, describe(attrs[name]))
			continue
		}
		for _, t := range sortedKeys(typed) {
			tp := join(p, t)
			switch t {
			case "M":
				if m, ok := typed[t].(map[string]any); ok {
					v.attributes(tp, m)
				} else {
					v.addf(tp, "a map attribute is matched through its attributes, e.g. {\"M\": {\"city\": {\"S\": [\"Paris\"]}}}, got %s", describe(typed[t]))
				}
			case "B", "BOOL", "BS", "L", "N", "NS", "NULL", "S", "SS":
				v.value(tp, typed[t])
			default:
				v.addf(tp, "unknown DynamoDB type %q: one of %s", t, strings.Join(dynamoTypes, ", "))
			}
		}
	}
}

// value checks a rule array or a nested object (no DynamoDB typing).
func (v *validator) value(path string, val any) {
	switch x := val.(type) {
	case []any:
		v.rule(path, x)
	case map[string]any:
		if name, isOp := v.operatorObject(x); isOp {
			v.addf(path, "rule {%q: ...} must be inside an array: [{%q: ...}]", name, name)
			return
		}
		v.object(path, x, 2, false)
	default:
		v.addf(path, "must be an array of values and rules (e.g. [%s]) or an object of nested fields, got %s", jsonText(val), describe(val))
	}
}

// combinations counts an SNS policy's combinations of values: the product
// of each field's number of values, times its nesting depth for a body
// policy; the alternatives of "$or" add up.
func combinations(obj map[string]any, depth int, byDepth bool) int {
	total := 1
	for key, val := range obj {
		switch x := val.(type) {
		case []any:
			if key == "$or" {
				sum := 0
				for _, alt := range x {
					if m, ok := alt.(map[string]any); ok {
						sum += combinations(m, depth, byDepth)
					}
				}
				total *= max(sum, 1)
				continue
			}
			n := len(x)
			if byDepth {
				n *= depth
			}
			total *= max(n, 1)
		case map[string]any:
			total *= combinations(x, depth+1, byDepth)
		}
	}
	return total
}

func withoutOr(obj map[string]any) []string {
	var out []string
	for k := range obj {
		if k != "$or" {
			out = append(out, k)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// marshal writes v as compact JSON without HTML escaping ("<=", not
// "\u003c=").
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func jsonText(v any) string {
	b, err := marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "the string " + jsonText(x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return jsonText(x)
	case []any:
		return "the array " + jsonText(x)
	case map[string]any:
		return "the object " + jsonText(x)
	}
	return fmt.Sprintf("%T", v)
}
