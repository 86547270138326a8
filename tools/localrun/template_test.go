package localrun

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func loadTestAssembly(t *testing.T) *Assembly {
	t.Helper()
	a, err := LoadAssembly("testdata/assembly")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestFunctionResolvesEnvironmentToLocalNames(t *testing.T) {
	a := loadTestAssembly(t)
	if a.Region != "eu-west-1" {
		t.Errorf("region: got %q, want eu-west-1 (from the manifest's environment)", a.Region)
	}
	f, err := a.Function("App-test-Service", "api", "http://127.0.0.1:9999")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"TABLE":     "OrdersA9B65338",                                   // Fn::GetStackOutput -> Ref of a table
		"BUCKET":    "uploads4f6eb0fd",                                  // Fn::ImportValue -> Ref of a bucket, lowercased
		"QUEUE_URL": "http://127.0.0.1:9999/123456789012/QueueF2CE4A9C", // Ref of a queue is its URL
		"QUEUE_ARN": "arn:aws:sqs:eu-west-1:123456789012:QueueF2CE4A9C",
		"PLAIN":     "15m0s",
		"SUB":       "eu-west-1/123456789012/QueueF2CE4A9C/${Literal}",
		"SUB_VARS":  "App-test-Service-aws",
	}
	if !maps.Equal(f.Environment, want) {
		t.Errorf("environment:\n got %v\nwant %v", f.Environment, want)
	}
	if f.Timeout != 10 || f.MemorySize != 256 || f.LogLevel != "INFO" || f.LogFormat != "JSON" {
		t.Errorf("settings: got timeout %d, memory %d, log %s/%s; want 10, 256, INFO/JSON", f.Timeout, f.MemorySize, f.LogLevel, f.LogFormat)
	}
	if f.FunctionName != "App-test-Service-ApiFunction6BF808ED" {
		t.Errorf("function name: got %q", f.FunctionName)
	}
	if want := []string{TypeTable, TypeBucket, TypeQueue}; !slices.Equal(f.Uses, want) {
		t.Errorf("uses: got %v, want %v", f.Uses, want)
	}
}

func TestFunctionErrors(t *testing.T) {
	a := loadTestAssembly(t)
	tests := []struct {
		name, stack, fn, want string
	}{
		{"unknown function lists the known ones", "App-test-Service", "nope", `no function "nope" in stack App-test-Service (it has api, worker)`},
		{"unknown stack lists the known ones", "App-prod-Service", "api", `no stack "App-prod-Service" in the cloud assembly (it has App-test-Service, App-test-Stateful)`},
		{"unsupported attribute names it", "App-test-Service", "worker", "Fn::GetAtt QueueF2CE4A9C.Nope (AWS::SQS::Queue): unsupported attribute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Function(tt.stack, tt.fn, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRoutesOfFunction(t *testing.T) {
	a := loadTestAssembly(t)
	got, err := a.Routes("App-test-Service", "api")
	if err != nil {
		t.Fatal(err)
	}
	if want := []Route{{"ANY /orders", "AWS_IAM"}, {"GET /orders/{id}", "NONE"}}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v (the $default route targets another function)", got, want)
	}
	if _, err := a.Routes("App-test-Service", "worker"); err == nil || !strings.Contains(err.Error(), `payload format "1.0", want 2.0`) {
		t.Errorf("worker's 1.0 route: got %v, want a payload format error", err)
	}
}

func TestTablesAndBuckets(t *testing.T) {
	a := loadTestAssembly(t)
	tables, err := a.Tables()
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || tables[0].Name != "OrdersA9B65338" {
		t.Fatalf("got %+v, want the one table OrdersA9B65338", tables)
	}
	p := tables[0].Props
	if len(p.KeySchema) != 1 || aws.ToString(p.KeySchema[0].AttributeName) != "orderId" || p.KeySchema[0].KeyType != "HASH" {
		t.Errorf("key schema: got %+v, want orderId HASH", p.KeySchema)
	}
	if len(p.AttributeDefinitions) != 3 {
		t.Errorf("attribute definitions: got %d, want 3", len(p.AttributeDefinitions))
	}
	if len(p.GlobalSecondaryIndexes) != 1 {
		t.Fatalf("GSIs: got %d, want 1", len(p.GlobalSecondaryIndexes))
	}
	gsi := p.GlobalSecondaryIndexes[0]
	if aws.ToString(gsi.IndexName) != "byStatus" || len(gsi.KeySchema) != 2 || aws.ToString(gsi.KeySchema[1].AttributeName) != "createdAt" ||
		gsi.KeySchema[1].KeyType != "RANGE" || gsi.Projection == nil || gsi.Projection.ProjectionType != "KEYS_ONLY" {
		t.Errorf("GSI: got %+v", gsi)
	}
	want := []Bucket{{Name: "my-named-bucket"}, {Name: "uploads4f6eb0fd", Versioned: true}}
	if got := a.Buckets(); !slices.Equal(got, want) {
		t.Errorf("buckets: got %+v, want %+v", got, want)
	}
}

func TestEventSourceAndRuleARNs(t *testing.T) {
	a := loadTestAssembly(t)
	got, err := a.EventSourceARN("App-test-Service", "worker")
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:dynamodb:eu-west-1:123456789012:table/OrdersA9B65338/stream/local"; got != want {
		t.Errorf("event source: got %q, want %q", got, want)
	}
	if got, err = a.RuleARN("App-test-Service", "worker"); err != nil || got != "arn:aws:events:eu-west-1:123456789012:rule/ScheduleRuleF62C9E7D" {
		t.Errorf("rule: got %q, %v", got, err)
	}
	if _, err := a.EventSourceARN("App-test-Service", "api"); err == nil {
		t.Error("api has no event source mapping: got no error")
	}
}

func TestFnName(t *testing.T) {
	for id, want := range map[string]string{"ApiFunction6BF808ED": "api", "KitchenFunctionC623ED9C": "kitchen", "Sweeper": "sweeper"} {
		if got := FunctionName(id); got != want {
			t.Errorf("FunctionName(%q): got %q, want %q", id, got, want)
		}
	}
}
