package localrun

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/example/orderflow/tools/assembly"
)

// AccountID is the account of every local ARN and queue URL: moto's default.
const AccountID = "123456789012"

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
)

// Assembly is a synthesized cloud assembly (the cdk.out folder), read to run
// its functions locally.
type Assembly struct {
	// Region is the region of the stacks' environment, or DefaultRegion.
	Region string
	asm    *assembly.Assembly
}

// LoadAssembly reads the manifest and the stack templates of the cloud
// assembly in dir.
func LoadAssembly(dir string) (*Assembly, error) {
	asm, err := assembly.Read(dir)
	if err != nil {
		return nil, err
	}
	return &Assembly{Region: cmp.Or(asm.Region(), DefaultRegion), asm: asm}, nil
}

// Stack returns the stack named name.
func (a *Assembly) Stack(name string) (*assembly.Stack, error) {
	if st := a.asm.Stack(name); st != nil {
		return st, nil
	}
	return nil, fmt.Errorf("no stack %q in the cloud assembly (it has %s): run `make synth` for that stage", name, strings.Join(a.asm.StackNames(), ", "))
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
	for id, r := range st.Template.Resources {
		if r.Type == TypeFunction {
			names = append(names, FunctionName(id))
		}
	}
	slices.Sort(names)
	return names, nil
}

// FunctionName is the name of the function with this logical ID: without
// its hash and without "Function", lowercased ("ApiFunction6BF808ED" -> "api").
func FunctionName(logicalID string) string {
	return strings.ToLower(strings.TrimSuffix(hashSuffix.ReplaceAllString(logicalID, ""), "Function"))
}

// Function returns the function name of stack (see Functions) with its
// environment resolved to local names: a table or any other resource is named
// by its logical ID (or its physical name property, when set), a bucket by its
// lowercased logical ID, a queue by its URL under sqsEndpoint; ARNs are built
// in AccountID and the assembly's region. Cross-stack references
// (Fn::GetStackOutput, Fn::ImportValue) are followed into the other stack.
func (a *Assembly) Function(stack, name, sqsEndpoint string) (Function, error) {
	st, id, r, err := a.function(stack, name)
	if err != nil {
		return Function{}, err
	}
	uses := map[string]bool{}
	res := a.resolver(sqsEndpoint, uses)
	f := Function{
		Name:        name,
		Timeout:     intProp(r.Properties["Timeout"], 3),
		MemorySize:  intProp(r.Properties["MemorySize"], 128),
		Environment: map[string]string{},
	}
	f.FunctionName = st.Name + "-" + id
	if n, ok := r.Properties["FunctionName"]; ok {
		if f.FunctionName, err = res.String(st, n); err != nil {
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
		if f.Environment[k], err = res.String(st, v); err != nil {
			return Function{}, fmt.Errorf("function %s: environment variable %s: %w", name, k, err)
		}
	}
	f.Uses = slices.Sorted(maps.Keys(uses))
	return f, nil
}

// function returns function name of stack: the stack, the function's
// logical ID and its resource.
func (a *Assembly) function(stack, name string) (*assembly.Stack, string, assembly.Resource, error) {
	st, err := a.Stack(stack)
	if err != nil {
		return nil, "", assembly.Resource{}, err
	}
	for id, r := range st.Template.Resources {
		if r.Type == TypeFunction && FunctionName(id) == strings.ToLower(name) {
			return st, id, r, nil
		}
	}
	names, _ := a.Functions(stack)
	return nil, "", assembly.Resource{}, fmt.Errorf("no function %q in stack %s (it has %s)", name, st.Name, strings.Join(names, ", "))
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
	st, fnID, _, err := a.function(stack, name)
	if err != nil {
		return nil, err
	}
	var routes []Route
	for _, r := range st.Template.Resources {
		if r.Type != "AWS::ApiGatewayV2::Route" {
			continue
		}
		integ, ok := st.Template.Resources[assembly.RefID(r.Properties["Target"])]
		if !ok || integ.Type != "AWS::ApiGatewayV2::Integration" || assembly.FunctionOf(st.Template, integ.Properties["IntegrationUri"]) != fnID {
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
	var errs []error
	for name, r := range a.resources(TypeTable) {
		t := Table{Name: name}
		raw, _ := json.Marshal(r.Properties)
		if err := json.Unmarshal(raw, &t.Props); err != nil {
			errs = append(errs, fmt.Errorf("table %s: %w", name, err))
		}
		out = append(out, t)
	}
	return out, errors.Join(errs...)
}

// Names returns the local names of the assembly's resources of type typ,
// sorted.
func (a *Assembly) Names(typ string) []string {
	var out []string
	for name := range a.resources(typ) {
		out = append(out, name)
	}
	return out
}

// Buckets returns every S3 bucket of the assembly, sorted by name.
func (a *Assembly) Buckets() []Bucket {
	var out []Bucket
	for name, r := range a.resources(TypeBucket) {
		vc, _ := r.Properties["VersioningConfiguration"].(map[string]any)
		out = append(out, Bucket{Name: name, Versioned: vc["Status"] == "Enabled"})
	}
	return out
}

// resources yields the assembly's resources of type typ by local name, in
// the order of the names.
func (a *Assembly) resources(typ string) iter.Seq2[string, assembly.Resource] {
	byName := map[string]assembly.Resource{}
	for _, st := range a.asm.Stacks {
		for id, r := range st.Template.Resources {
			if r.Type == typ {
				byName[localName(id, r)] = r
			}
		}
	}
	return func(yield func(string, assembly.Resource) bool) {
		for _, name := range slices.Sorted(maps.Keys(byName)) {
			if !yield(name, byName[name]) {
				return
			}
		}
	}
}

// localName is the local physical name of a resource: its name property when
// the template sets one as a plain string, else its logical ID (lowercased
// for a bucket, whose names must be lowercase).
func localName(id string, r assembly.Resource) string {
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

// resolver resolves references to local names: a resource's Ref is its
// local name (a queue's its URL under sqsEndpoint, a topic's its ARN),
// Fn::GetAtt the attribute the local stand-in has. uses collects the types
// referred to.
func (a *Assembly) resolver(sqsEndpoint string, uses map[string]bool) *assembly.Resolver {
	lookup := func(st *assembly.Stack, id string) (assembly.Resource, string, error) {
		res, ok := st.Template.Resources[id]
		if !ok {
			return res, "", fmt.Errorf("%q: no such resource in %s", id, st.Name)
		}
		uses[res.Type] = true
		return res, localName(id, res), nil
	}
	return &assembly.Resolver{Region: a.Region, Account: AccountID, Assembly: a.asm,
		Ref: func(st *assembly.Stack, id string) (any, error) {
			res, name, err := lookup(st, id)
			switch {
			case err != nil:
				return nil, fmt.Errorf("ref to %w", err)
			case res.Type == TypeQueue:
				return QueueURL(sqsEndpoint, name), nil
			case res.Type == TypeTopic: // a topic's Ref is its ARN
				return a.arn(res.Type, name), nil
			}
			return name, nil
		},
		GetAtt: func(st *assembly.Stack, id, attr string) (any, error) {
			res, name, err := lookup(st, id)
			switch {
			case err != nil:
				return nil, fmt.Errorf("Fn::GetAtt of %w", err)
			case res.Type == TypeQueue && attr == "QueueUrl":
				return QueueURL(sqsEndpoint, name), nil
			case res.Type == TypeTable && attr == "StreamArn":
				return a.arn(res.Type, name) + "/stream/local", nil
			case attr == "Arn" || res.Type == TypeTopic && attr == "TopicArn":
				return a.arn(res.Type, name), nil
			case attr == map[string]string{TypeQueue: "QueueName", TypeEventBus: "Name", TypeTopic: "TopicName"}[res.Type]:
				return name, nil
			}
			return nil, fmt.Errorf("Fn::GetAtt %s.%s (%s): unsupported attribute", id, attr, res.Type)
		},
	}
}

// arn is the local ARN of the resource of type typ named name.
func (a *Assembly) arn(typ, name string) string {
	if typ == TypeBucket {
		return "arn:aws:s3:::" + name
	}
	prefix := map[string]string{TypeTable: "table/", TypeEventBus: "event-bus/", "AWS::Events::Rule": "rule/", "AWS::Scheduler::Schedule": "schedule/"}[typ]
	return "arn:aws:" + strings.ToLower(strings.Split(typ, "::")[1]) + ":" + a.Region + ":" + AccountID + ":" + prefix + name
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
	st, _, r, err := a.invoker(stack, name, "AWS::Lambda::EventSourceMapping")
	if err != nil {
		return "", err
	}
	return a.resolver("", map[string]bool{}).String(st, r.Properties["EventSourceArn"])
}

// RuleARN returns the local ARN of the EventBridge rule or schedule in
// stack that invokes function name.
func (a *Assembly) RuleARN(stack, name string) (string, error) {
	st, id, r, err := a.invoker(stack, name, "AWS::Events::Rule", "AWS::Scheduler::Schedule")
	if err != nil || r.Type == "AWS::Events::Rule" {
		return a.arn(r.Type, localName(id, r)), err
	}
	group, err := a.resolver("", map[string]bool{}).String(st, r.Properties["GroupName"])
	return a.arn(r.Type, cmp.Or(group, "default")+"/"+localName(id, r)), err
}

// invokesBy names the property of a resource type that names the function
// it invokes.
var invokesBy = map[string]string{"AWS::Lambda::EventSourceMapping": "FunctionName", "AWS::Events::Rule": "Targets", "AWS::Scheduler::Schedule": "Target"}

// invoker returns the first resource (by logical ID) of one of types in
// stack that invokes function name, itself or through its alias or a
// version.
func (a *Assembly) invoker(stack, name string, types ...string) (*assembly.Stack, string, assembly.Resource, error) {
	st, fnID, _, err := a.function(stack, name)
	if err != nil {
		return nil, "", assembly.Resource{}, err
	}
	for _, id := range st.Template.LogicalIDs() {
		r := st.Template.Resources[id]
		if slices.Contains(types, r.Type) && assembly.FunctionOf(st.Template, r.Properties[invokesBy[r.Type]]) == fnID {
			return st, id, r, nil
		}
	}
	return nil, "", assembly.Resource{}, fmt.Errorf("no %s in %s invokes function %s", strings.Join(types, " or "), st.Name, name)
}
