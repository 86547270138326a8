package localrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// AccountID is the account of every local ARN and queue URL.
const AccountID = "000000000000"

// DefaultRegion is the region of an environment-agnostic assembly.
const DefaultRegion = "us-east-1"

// Resource types the resolver names local stand-ins for.
const (
	TypeTable    = "AWS::DynamoDB::Table"
	TypeBucket   = "AWS::S3::Bucket"
	TypeQueue    = "AWS::SQS::Queue"
	TypeFunction = "AWS::Lambda::Function"
	TypeEventBus = "AWS::Events::EventBus"
	TypeTopic    = "AWS::SNS::Topic"
	typeRoute    = "AWS::ApiGatewayV2::Route"
	typeIntegr   = "AWS::ApiGatewayV2::Integration"
)

// Assembly is a synthesized cloud assembly (the cdk.out folder), read to run
// its functions locally.
type Assembly struct {
	// Region is the region of the stacks' environment, or DefaultRegion.
	Region string
	stacks map[string]*Stack
}

// Stack is one CloudFormation template of an assembly.
type Stack struct {
	// Name is the stack's name, "OrderFlow-dev-Service" for example.
	Name      string
	Resources map[string]Resource
	Outputs   map[string]Output
}

// Resource is one resource of a template.
type Resource struct {
	Type       string
	Properties map[string]any
}

// Output is one output of a template.
type Output struct {
	Value  any
	Export *struct{ Name any }
}

// LoadAssembly reads the manifest and the stack templates of the cloud
// assembly in dir.
func LoadAssembly(dir string) (*Assembly, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("read cloud assembly (run `make synth` first): %w", err)
	}
	var m struct {
		Artifacts map[string]struct {
			Type        string
			Environment string
			Properties  struct{ TemplateFile, StackName string }
		}
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	a := &Assembly{Region: DefaultRegion, stacks: map[string]*Stack{}}
	for id, art := range m.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		name := art.Properties.StackName
		if name == "" {
			name = id
		}
		if r := art.Environment[strings.LastIndex(art.Environment, "/")+1:]; r != "" && r != "unknown-region" {
			a.Region = r
		}
		st := &Stack{Name: name}
		raw, err := os.ReadFile(filepath.Join(dir, art.Properties.TemplateFile))
		if err != nil {
			return nil, fmt.Errorf("read template of %s: %w", name, err)
		}
		if err := json.Unmarshal(raw, st); err != nil {
			return nil, fmt.Errorf("decode template of %s: %w", name, err)
		}
		a.stacks[name] = st
	}
	return a, nil
}

// Stack returns the stack named name.
func (a *Assembly) Stack(name string) (*Stack, error) {
	if st, ok := a.stacks[name]; ok {
		return st, nil
	}
	names := make([]string, 0, len(a.stacks))
	for n := range a.stacks {
		names = append(names, n)
	}
	slices.Sort(names)
	return nil, fmt.Errorf("no stack %q in the cloud assembly (it has %s): run `make synth` for that stage", name, strings.Join(names, ", "))
}

// Function is a Lambda function configured for a run under the emulator.
type Function struct {
	// Name is the function's folder under functions/, "api" for example.
	Name string
	// FunctionName is AWS_LAMBDA_FUNCTION_NAME.
	FunctionName string
	// Timeout is in seconds; MemorySize in MB.
	Timeout, MemorySize int
	// LogLevel and LogFormat are the application log level and format of
	// the function's logging config (AWS_LAMBDA_LOG_LEVEL, AWS_LAMBDA_LOG_FORMAT);
	// empty when not configured.
	LogLevel, LogFormat string
	// Environment holds the function's own variables, resolved to local names.
	Environment map[string]string
	// Uses lists the types of the resources Environment refers to (TypeTable,
	// TypeBucket, TypeQueue...), sorted: the local services the function needs.
	Uses []string
}

// hashSuffix is the 8 hex digits the CDK appends to a logical ID.
var hashSuffix = regexp.MustCompile(`[0-9A-F]{8}$`)

// Functions returns the names of the Lambda functions of stack: each
// function's logical ID without its hash and without "Function", lowercased
// ("ApiFunction6BF808ED" -> "api").
func (a *Assembly) Functions(stack string) ([]string, error) {
	st, err := a.Stack(stack)
	if err != nil {
		return nil, err
	}
	var names []string
	for id, r := range st.Resources {
		if r.Type == TypeFunction {
			names = append(names, functionName(id))
		}
	}
	slices.Sort(names)
	return names, nil
}

func functionName(logicalID string) string {
	return strings.ToLower(strings.TrimSuffix(hashSuffix.ReplaceAllString(logicalID, ""), "Function"))
}

// Function returns the function name of stack (see Functions) with its
// environment resolved to local names: a table or any other resource is named
// by its logical ID (or its physical name property, when set), a bucket by its
// lowercased logical ID, a queue by its URL under sqsEndpoint; ARNs are built
// in AccountID and the assembly's region. Cross-stack references
// (Fn::GetStackOutput, Fn::ImportValue) are followed into the other stack.
func (a *Assembly) Function(stack, name, sqsEndpoint string) (Function, error) {
	st, err := a.Stack(stack)
	if err != nil {
		return Function{}, err
	}
	id, r, err := st.function(name)
	if err != nil {
		return Function{}, err
	}
	res := &resolver{a: a, sqs: sqsEndpoint, uses: map[string]bool{}}
	f := Function{
		Name:        name,
		Timeout:     intProp(r.Properties["Timeout"], 3),
		MemorySize:  intProp(r.Properties["MemorySize"], 128),
		Environment: map[string]string{},
	}
	f.FunctionName = st.Name + "-" + id
	if n, ok := r.Properties["FunctionName"]; ok {
		if f.FunctionName, err = res.resolve(st, n); err != nil {
			return Function{}, fmt.Errorf("function %s: FunctionName: %w", name, err)
		}
	}
	if lc, ok := r.Properties["LoggingConfig"].(map[string]any); ok {
		f.LogLevel, _ = lc["ApplicationLogLevel"].(string)
		f.LogFormat, _ = lc["LogFormat"].(string)
	}
	env, _ := r.Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	for k, v := range vars {
		if f.Environment[k], err = res.resolve(st, v); err != nil {
			return Function{}, fmt.Errorf("function %s: environment variable %s: %w", name, k, err)
		}
	}
	for t := range res.uses {
		f.Uses = append(f.Uses, t)
	}
	slices.Sort(f.Uses)
	return f, nil
}

func (st *Stack) function(name string) (string, Resource, error) {
	for id, r := range st.Resources {
		if r.Type == TypeFunction && functionName(id) == strings.ToLower(name) {
			return id, r, nil
		}
	}
	var names []string
	for id, r := range st.Resources {
		if r.Type == TypeFunction {
			names = append(names, functionName(id))
		}
	}
	slices.Sort(names)
	return "", Resource{}, fmt.Errorf("no function %q in stack %s (it has %s)", name, st.Name, strings.Join(names, ", "))
}

// Route is one HTTP API route of a template.
type Route struct {
	// Key is the route key: "ANY /orders/{id}", "$default".
	Key string
	// AuthorizationType is the route's: NONE, AWS_IAM, JWT or CUSTOM. The
	// local API enforces none of them.
	AuthorizationType string
}

// Routes returns the HTTP API routes in stack whose Lambda proxy integration
// targets function name, sorted by key. An integration with a payload format
// other than 2.0 is an error: the local API speaks only 2.0.
func (a *Assembly) Routes(stack, name string) ([]Route, error) {
	st, err := a.Stack(stack)
	if err != nil {
		return nil, err
	}
	fnID, _, err := st.function(name)
	if err != nil {
		return nil, err
	}
	var routes []Route
	for _, r := range st.Resources {
		if r.Type != typeRoute {
			continue
		}
		integ, ok := st.Resources[refIn(r.Properties["Target"])]
		if !ok || integ.Type != typeIntegr || refIn(integ.Properties["IntegrationUri"]) != fnID {
			continue
		}
		rt := Route{AuthorizationType: "NONE"}
		rt.Key, _ = r.Properties["RouteKey"].(string)
		if v, ok := r.Properties["AuthorizationType"].(string); ok {
			rt.AuthorizationType = v
		}
		if v, _ := integ.Properties["PayloadFormatVersion"].(string); v != "2.0" {
			return nil, fmt.Errorf("route %q: payload format %q, want 2.0", rt.Key, v)
		}
		routes = append(routes, rt)
	}
	slices.SortFunc(routes, func(x, y Route) int { return strings.Compare(x.Key, y.Key) })
	return routes, nil
}

// refIn returns the logical ID a value refers to with Ref or Fn::GetAtt,
// looking inside Fn::Join; "" when there is none.
func refIn(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if id, ok := m["Ref"].(string); ok {
		return id
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
		id, _ := ga[0].(string)
		return id
	}
	if j, ok := m["Fn::Join"].([]any); ok && len(j) == 2 {
		parts, _ := j[1].([]any)
		for _, p := range parts {
			if id := refIn(p); id != "" {
				return id
			}
		}
	}
	return ""
}

// Table is a DynamoDB table of an assembly, by its local name.
type Table struct {
	Name  string
	Props TableProps
}

// Bucket is an S3 bucket of an assembly, by its local name.
type Bucket struct {
	Name string
	// Versioned is true when the template enables versioning.
	Versioned bool
}

// Tables returns every DynamoDB table of the assembly, sorted by name.
func (a *Assembly) Tables() ([]Table, error) {
	var out []Table
	for _, st := range a.stacks {
		for id, r := range st.Resources {
			if r.Type != TypeTable {
				continue
			}
			raw, err := json.Marshal(r.Properties)
			if err != nil {
				return nil, err
			}
			t := Table{Name: localName(id, r)}
			if err := json.Unmarshal(raw, &t.Props); err != nil {
				return nil, fmt.Errorf("table %s: %w", id, err)
			}
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(x, y Table) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// Buckets returns every S3 bucket of the assembly, sorted by name.
func (a *Assembly) Buckets() []Bucket {
	var out []Bucket
	for _, st := range a.stacks {
		for id, r := range st.Resources {
			if r.Type != TypeBucket {
				continue
			}
			vc, _ := r.Properties["VersioningConfiguration"].(map[string]any)
			out = append(out, Bucket{Name: localName(id, r), Versioned: vc["Status"] == "Enabled"})
		}
	}
	slices.SortFunc(out, func(x, y Bucket) int { return strings.Compare(x.Name, y.Name) })
	return out
}

// localName is the local physical name of a resource: its name property when
// the template sets one as a plain string, else its logical ID (lowercased
// for a bucket, whose names must be lowercase).
func localName(id string, r Resource) string {
	prop := map[string]string{TypeTable: "TableName", TypeBucket: "BucketName", TypeQueue: "QueueName", TypeFunction: "FunctionName",
		TypeEventBus: "Name", TypeTopic: "TopicName"}[r.Type]
	if n, ok := r.Properties[prop].(string); ok && prop != "" {
		return n
	}
	if r.Type == TypeBucket {
		return strings.ToLower(id)
	}
	return id
}

// QueueURL returns the URL of the local queue named name under endpoint.
func QueueURL(endpoint, name string) string {
	return strings.TrimSuffix(endpoint, "/") + "/" + AccountID + "/" + name
}

// resolver evaluates the intrinsic functions of a template value.
type resolver struct {
	a    *Assembly
	sqs  string
	uses map[string]bool
	seen int // depth guard against reference cycles
}

var errUnsupported = errors.New("unsupported")

func (r *resolver) resolve(st *Stack, v any) (string, error) {
	if r.seen++; r.seen > 100 {
		return "", errors.New("reference cycle")
	}
	defer func() { r.seen-- }()
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case map[string]any:
		if len(v) != 1 {
			break
		}
		for fn, arg := range v {
			return r.intrinsic(st, fn, arg)
		}
	}
	return "", fmt.Errorf("%w value %v", errUnsupported, v)
}

func (r *resolver) intrinsic(st *Stack, fn string, arg any) (string, error) {
	switch fn {
	case "Ref":
		id, _ := arg.(string)
		return r.ref(st, id)
	case "Fn::GetAtt":
		var id, attr string
		switch a := arg.(type) {
		case []any:
			if len(a) == 2 {
				id, _ = a[0].(string)
				attr, _ = a[1].(string)
			}
		case string:
			id, attr, _ = strings.Cut(a, ".")
		}
		return r.getAtt(st, id, attr)
	case "Fn::GetStackOutput":
		m, _ := arg.(map[string]any)
		name, _ := m["StackName"].(string)
		out, _ := m["OutputName"].(string)
		other, err := r.a.Stack(name)
		if err != nil {
			return "", err
		}
		o, ok := other.Outputs[out]
		if !ok {
			return "", fmt.Errorf("stack %s has no output %q", name, out)
		}
		return r.resolve(other, o.Value)
	case "Fn::ImportValue":
		name, err := r.resolve(st, arg)
		if err != nil {
			return "", err
		}
		for _, other := range r.a.stacks {
			for _, o := range other.Outputs {
				if o.Export == nil {
					continue
				}
				if exp, err := r.resolve(other, o.Export.Name); err == nil && exp == name {
					return r.resolve(other, o.Value)
				}
			}
		}
		return "", fmt.Errorf("no stack exports %q", name)
	case "Fn::Join":
		a, _ := arg.([]any)
		if len(a) != 2 {
			break
		}
		sep, _ := a[0].(string)
		parts, _ := a[1].([]any)
		s := make([]string, len(parts))
		for i, p := range parts {
			var err error
			if s[i], err = r.resolve(st, p); err != nil {
				return "", err
			}
		}
		return strings.Join(s, sep), nil
	case "Fn::Sub":
		tmpl, _ := arg.(string)
		var vars map[string]any
		if a, ok := arg.([]any); ok && len(a) == 2 {
			tmpl, _ = a[0].(string)
			vars, _ = a[1].(map[string]any)
		}
		var err error
		out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
			name := m[2 : len(m)-1]
			if lit, ok := strings.CutPrefix(name, "!"); ok {
				return "${" + lit + "}" // ${!x} is the literal ${x}
			}
			var s string
			var e error
			switch v, ok := vars[name]; {
			case ok:
				s, e = r.resolve(st, v)
			case strings.Contains(name, "."):
				id, attr, _ := strings.Cut(name, ".")
				s, e = r.getAtt(st, id, attr)
			default:
				s, e = r.ref(st, name)
			}
			if e != nil && err == nil {
				err = e
			}
			return s
		})
		return out, err
	}
	return "", fmt.Errorf("%w intrinsic function %s", errUnsupported, fn)
}

var subVar = regexp.MustCompile(`\$\{[^}]*\}`)

func (r *resolver) ref(st *Stack, id string) (string, error) {
	switch id {
	case "AWS::Region":
		return r.a.Region, nil
	case "AWS::AccountId":
		return AccountID, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return st.Name, nil
	}
	res, ok := st.Resources[id]
	if !ok {
		return "", fmt.Errorf("ref to %q: no such resource in %s", id, st.Name)
	}
	r.uses[res.Type] = true
	name := localName(id, res)
	switch res.Type {
	case TypeQueue:
		return QueueURL(r.sqs, name), nil
	case TypeTopic: // a topic's Ref is its ARN
		return "arn:aws:sns:" + r.a.Region + ":" + AccountID + ":" + name, nil
	}
	return name, nil
}

func (r *resolver) getAtt(st *Stack, id, attr string) (string, error) {
	res, ok := st.Resources[id]
	if !ok {
		return "", fmt.Errorf("Fn::GetAtt of %q: no such resource in %s", id, st.Name)
	}
	r.uses[res.Type] = true
	name := localName(id, res)
	arn := func(service, resource string) string {
		return "arn:aws:" + service + ":" + r.a.Region + ":" + AccountID + ":" + resource
	}
	switch {
	case res.Type == TypeTable && attr == "Arn":
		return arn("dynamodb", "table/"+name), nil
	case res.Type == TypeTable && attr == "StreamArn":
		return arn("dynamodb", "table/"+name+"/stream/local"), nil
	case res.Type == TypeBucket && attr == "Arn":
		return "arn:aws:s3:::" + name, nil
	case res.Type == TypeQueue && attr == "Arn":
		return arn("sqs", name), nil
	case res.Type == TypeQueue && attr == "QueueName":
		return name, nil
	case res.Type == TypeQueue && attr == "QueueUrl":
		return QueueURL(r.sqs, name), nil
	case res.Type == TypeEventBus && attr == "Arn":
		return arn("events", "event-bus/"+name), nil
	case res.Type == TypeEventBus && attr == "Name":
		return name, nil
	case res.Type == TypeTopic && (attr == "TopicArn" || attr == "Arn"):
		return arn("sns", name), nil
	case res.Type == TypeTopic && attr == "TopicName":
		return name, nil
	case attr == "Arn":
		service := strings.ToLower(strings.Split(res.Type, "::")[1])
		return arn(service, name), nil
	}
	return "", fmt.Errorf("Fn::GetAtt %s.%s (%s): %w attribute", id, attr, res.Type, errUnsupported)
}

func intProp(v any, def int) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	return def
}

// EventSourceARN returns the local ARN of the event source (a queue, a table
// stream) of function name's event source mapping in stack.
func (a *Assembly) EventSourceARN(stack, name string) (string, error) {
	st, err := a.Stack(stack)
	if err != nil {
		return "", err
	}
	fnID, _, err := st.function(name)
	if err != nil {
		return "", err
	}
	for _, r := range st.Resources {
		if r.Type == "AWS::Lambda::EventSourceMapping" && refIn(r.Properties["FunctionName"]) == fnID {
			res := &resolver{a: a, uses: map[string]bool{}}
			return res.resolve(st, r.Properties["EventSourceArn"])
		}
	}
	return "", fmt.Errorf("function %s has no event source mapping in %s", name, st.Name)
}

// RuleARN returns the local ARN of the EventBridge rule in stack that
// targets function name.
func (a *Assembly) RuleARN(stack, name string) (string, error) {
	st, err := a.Stack(stack)
	if err != nil {
		return "", err
	}
	fnID, _, err := st.function(name)
	if err != nil {
		return "", err
	}
	for id, r := range st.Resources {
		if r.Type != "AWS::Events::Rule" {
			continue
		}
		targets, _ := r.Properties["Targets"].([]any)
		for _, t := range targets {
			if m, ok := t.(map[string]any); ok && refIn(m["Arn"]) == fnID {
				return "arn:aws:events:" + a.Region + ":" + AccountID + ":rule/" + localName(id, r), nil
			}
		}
	}
	return "", fmt.Errorf("no rule in %s targets function %s", st.Name, name)
}
