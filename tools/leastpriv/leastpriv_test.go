package leastpriv

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestAction(t *testing.T) {
	tests := []struct {
		name, svc, op, want string
	}{
		{"same name", "dynamodb", "PutItem", "dynamodb:PutItem"},
		{"paginated query", "dynamodb", "Query", "dynamodb:Query"},
		{"sqs batch send", "sqs", "SendMessageBatch", "sqs:SendMessage"},
		{"sqs batch delete", "sqs", "DeleteMessageBatch", "sqs:DeleteMessage"},
		{"sqs batch visibility", "sqs", "ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility"},
		{"sqs single send", "sqs", "SendMessage", "sqs:SendMessage"},
		{"s3 head", "s3", "HeadObject", "s3:GetObject"},
		{"s3 list v2", "s3", "ListObjectsV2", "s3:ListBucket"},
		{"s3 get", "s3", "GetObject", "s3:GetObject"},
		{"eventbridge prefix", "eventbridge", "PutEvents", "events:PutEvents"},
		{"dynamodb streams prefix", "dynamodbstreams", "GetRecords", "dynamodb:GetRecords"},
		{"logs prefix", "cloudwatchlogs", "PutLogEvents", "logs:PutLogEvents"},
		{"unknown service keeps its name", "sns", "Publish", "sns:Publish"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Action(tt.svc, tt.op); got != tt.want {
				t.Errorf("Action(%q, %q): got %q, want %q", tt.svc, tt.op, got, tt.want)
			}
		})
	}
}

func TestNeeds(t *testing.T) {
	tests := []struct {
		name string
		code Code
		want map[string][]string
	}{
		{
			name: "batch send and its single-entry action",
			code: Code{Calls: []Call{
				{Service: "sqs", Operation: "SendMessageBatch", Site: "a.go:2"},
				{Service: "sqs", Operation: "SendMessage", Site: "a.go:1"},
			}},
			want: map[string][]string{"sqs:SendMessage": {"a.go:1", "a.go:2"}},
		},
		{
			name: "VersionId set on a GetObject input",
			code: Code{
				Calls:  []Call{{Service: "s3", Operation: "GetObject", Site: "a.go:5"}},
				Fields: []FieldSet{{Service: "s3", Input: "GetObjectInput", Field: "VersionId", Site: "a.go:4"}},
			},
			want: map[string][]string{"s3:GetObject": {"a.go:5"}, "s3:GetObjectVersion": {"a.go:4"}},
		},
		{
			name: "VersionId set but GetObject never called",
			code: Code{
				Calls:  []Call{{Service: "s3", Operation: "PutObject", Site: "a.go:5"}},
				Fields: []FieldSet{{Service: "s3", Input: "GetObjectInput", Field: "VersionId", Site: "a.go:4"}},
			},
			want: map[string][]string{"s3:PutObject": {"a.go:5"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.code.Needs(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// fixtureTemplate is a service stack cut down to one function with a queue
// event source, an async on-failure destination, and a role whose policy
// mixes platform grants, code grants and two defects.
const fixtureTemplate = `{"Resources": {
  "Role": {"Type": "AWS::IAM::Role", "Properties": {
    "Policies": [{"PolicyName": "inline", "PolicyDocument": {"Statement": [
      {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": {"Fn::GetAtt": ["Table", "Arn"]}}]}}]}},
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
    "LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": "LogGroup"}},
    "TracingConfig": {"Mode": "Active"}}},
  "LogGroup": {"Type": "AWS::Logs::LogGroup"},
  "Table": {"Type": "AWS::DynamoDB::Table"},
  "Source": {"Type": "AWS::SQS::Queue"},
  "Work": {"Type": "AWS::SQS::Queue"},
  "Dlq": {"Type": "AWS::SQS::Queue"},
  "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
    "FunctionName": {"Ref": "Fn"}, "EventSourceArn": {"Fn::GetAtt": ["Source", "Arn"]}}},
  "Invoke": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {
    "FunctionName": {"Ref": "Fn"}, "Qualifier": "$LATEST",
    "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Dlq", "Arn"]}}}}},
  "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {"Statement": [
    {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": {"Fn::GetAtt": ["LogGroup", "Arn"]}},
    {"Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], "Resource": {"Fn::GetAtt": ["Source", "Arn"]}},
    {"Effect": "Allow", "Action": ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"], "Resource": {"Fn::GetAtt": ["Dlq", "Arn"]}},
    {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": {"Fn::GetAtt": ["Work", "Arn"]}},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"}]}}},
  "OtherPolicy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "OtherRole"}], "PolicyDocument": {"Statement": [
    {"Effect": "Allow", "Action": "dynamodb:DeleteItem", "Resource": {"Fn::GetAtt": ["Table", "Arn"]}}]}}}
}}`

func TestRoleGrantsAndCheck(t *testing.T) {
	var tmpl map[string]any
	if err := json.Unmarshal([]byte(fixtureTemplate), &tmpl); err != nil {
		t.Fatal(err)
	}
	g, err := RoleGrants(tmpl, "Role", "Fn")
	if err != nil {
		t.Fatal(err)
	}
	platform := map[string]string{}
	for _, gr := range g.Grants {
		if gr.Platform != "" {
			platform[gr.Action+" on "+Render(gr.Resource)] = gr.Platform
		}
	}
	wantPlatform := map[string]string{
		"logs:CreateLogStream on LogGroup.Arn":      "own log group LogGroup",
		"logs:PutLogEvents on LogGroup.Arn":         "own log group LogGroup",
		"xray:PutTelemetryRecords on *":             "active tracing",
		"xray:PutTraceSegments on *":                "active tracing",
		"sqs:ChangeMessageVisibility on Source.Arn": "event source Source.Arn",
		"sqs:DeleteMessage on Source.Arn":           "event source Source.Arn",
		"sqs:GetQueueAttributes on Source.Arn":      "event source Source.Arn",
		"sqs:GetQueueUrl on Source.Arn":             "event source Source.Arn",
		"sqs:ReceiveMessage on Source.Arn":          "event source Source.Arn",
		"sqs:GetQueueAttributes on Dlq.Arn":         "async on-failure destination Dlq.Arn",
		"sqs:GetQueueUrl on Dlq.Arn":                "async on-failure destination Dlq.Arn",
		"sqs:SendMessage on Dlq.Arn":                "async on-failure destination Dlq.Arn",
	}
	if !reflect.DeepEqual(platform, wantPlatform) {
		t.Errorf("platform grants: got %v, want %v", platform, wantPlatform)
	}
	if got, want := len(g.Problems), 1; got != want || !strings.Contains(g.Problems[0], `s3:GetObject on "*"`) {
		t.Errorf("problems: got %q, want 1 about s3:GetObject on \"*\"", g.Problems)
	}

	// The code sends to the work queue: sqs:SendMessage on the DLQ (a
	// platform grant) must not count for it.
	code := &Code{Package: "example/fn", Calls: []Call{
		{Service: "dynamodb", Operation: "GetItem", Site: "main.go:1"},
		{Service: "sqs", Operation: "SendMessageBatch", Site: "main.go:2"},
	}}
	r := Check(code, g)
	if want := []string{"sqs:SendMessage"}; !reflect.DeepEqual(r.Missing, want) {
		t.Errorf("missing: got %q, want %q", r.Missing, want)
	}
	// sqs:ReceiveMessage on the work queue is not the event source's: the
	// code's, and no code receives.
	if want := []string{"s3:GetObject", "sqs:ReceiveMessage"}; !reflect.DeepEqual(r.Unused, want) {
		t.Errorf("unused: got %q, want %q", r.Unused, want)
	}
	if r.OK() {
		t.Error("OK: got true, want false")
	}
	if got, want := r.Granted["dynamodb:GetItem"], []string{"Table.Arn"}; !reflect.DeepEqual(got, want) {
		t.Errorf("granted dynamodb:GetItem (inline policy): got %q, want %q", got, want)
	}
	if _, ok := r.Granted["dynamodb:DeleteItem"]; ok {
		t.Error("granted dynamodb:DeleteItem: it is another role's")
	}
}

// With a live alias, the mapping and the asynchronous-invoke configuration
// name the alias (its name taken out of the alias's ARN, its qualifier):
// their grants are still the platform's.
func TestRoleGrantsThroughAnAlias(t *testing.T) {
	aliased := strings.NewReplacer(
		`"Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
    "FunctionName": {"Ref": "Fn"}`, `"Version": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
  "Alias": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"}, "FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]}, "Name": "live"}},
  "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
    "FunctionName": {"Fn::Join": ["", [{"Fn::Select": [6, {"Fn::Split": [":", {"Ref": "Alias"}]}]}, ":live"]]}`,
		`"Qualifier": "$LATEST"`, `"Qualifier": {"Fn::Select": [7, {"Fn::Split": [":", {"Ref": "Alias"}]}]}`,
	).Replace(fixtureTemplate)
	if aliased == fixtureTemplate || strings.Count(aliased, `"Ref": "Alias"`) != 2 {
		t.Fatal("the fixture changed: the alias was not put in")
	}
	var tmpl map[string]any
	if err := json.Unmarshal([]byte(aliased), &tmpl); err != nil {
		t.Fatal(err)
	}
	g, err := RoleGrants(tmpl, "Role", "Fn")
	if err != nil {
		t.Fatal(err)
	}
	platform := map[string]string{}
	for _, gr := range g.Grants {
		if gr.Platform != "" {
			platform[gr.Action+" on "+Render(gr.Resource)] = gr.Platform
		}
	}
	for grant, why := range map[string]string{
		"sqs:ReceiveMessage on Source.Arn": "event source Source.Arn",
		"sqs:SendMessage on Dlq.Arn":       "async on-failure destination Dlq.Arn",
	} {
		if platform[grant] != why {
			t.Errorf("%s: got platform grant %q, want %q", grant, platform[grant], why)
		}
	}
}

func TestRoleGrantsStreamSourceAndProblems(t *testing.T) {
	stream := map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": "Data", "OutputName": "OrdersStreamArn"}}
	tmpl := map[string]any{"Resources": map[string]any{
		"Role": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{
			"ManagedPolicyArns": []any{"arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"}}},
		"Fn":  map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{}},
		"Dlq": map[string]any{"Type": "AWS::SQS::Queue"},
		"Mapping": map[string]any{"Type": "AWS::Lambda::EventSourceMapping", "Properties": map[string]any{
			"FunctionName": map[string]any{"Ref": "Fn"}, "EventSourceArn": stream, "StartingPosition": "TRIM_HORIZON",
			"DestinationConfig": map[string]any{"OnFailure": map[string]any{"Destination": map[string]any{"Fn::GetAtt": []any{"Dlq", "Arn"}}}}}},
		"Policy": map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{
			"Roles": []any{map[string]any{"Ref": "Role"}},
			"PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Effect": "Allow", "Action": []any{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}, "Resource": stream},
				map[string]any{"Effect": "Allow", "Action": "dynamodb:ListStreams", "Resource": "*"},
				map[string]any{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": map[string]any{"Fn::GetAtt": []any{"Dlq", "Arn"}}},
				map[string]any{"Effect": "Allow", "Action": "dynamodb:Get*", "Resource": "arn:aws:dynamodb:::table/t"},
				map[string]any{"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:dynamodb:::table/t"},
				// No logging config and no tracing: these are the code's.
				map[string]any{"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"},
			}}}},
	}}
	g, err := RoleGrants(tmpl, "Role", "Fn")
	if err != nil {
		t.Fatal(err)
	}
	var platform []string
	for _, gr := range g.Grants {
		if gr.Platform != "" {
			platform = append(platform, gr.Action)
		}
	}
	wantPlatform := []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams", "sqs:SendMessage"}
	if !reflect.DeepEqual(platform, wantPlatform) {
		t.Errorf("platform actions: got %q, want %q", platform, wantPlatform)
	}
	for _, want := range []string{"AmazonDynamoDBFullAccess", `wildcard action "dynamodb:Get*"`, "NotAction"} {
		found := false
		for _, p := range g.Problems {
			found = found || strings.Contains(p, want)
		}
		if !found {
			t.Errorf("problems %q: want one about %s", g.Problems, want)
		}
	}
	// The wildcard grant allows GetItem (no missing), and xray without
	// active tracing is the code's: unused.
	r := Check(&Code{Calls: []Call{{Service: "dynamodb", Operation: "GetItem", Site: "main.go:1"}}}, g)
	if len(r.Missing) != 0 {
		t.Errorf("missing: got %q, want none", r.Missing)
	}
	if want := []string{"xray:PutTraceSegments"}; !reflect.DeepEqual(r.Unused, want) {
		t.Errorf("unused: got %q, want %q", r.Unused, want)
	}
}

func TestRoleGrantsRejectsWrongIDs(t *testing.T) {
	tmpl := map[string]any{"Resources": map[string]any{
		"Role": map[string]any{"Type": "AWS::IAM::Role"},
		"Fn":   map[string]any{"Type": "AWS::Lambda::Function"},
	}}
	for _, tt := range []struct{ name, role, fn string }{
		{"function as role", "Fn", "Fn"},
		{"role as function", "Role", "Role"},
		{"unknown", "Nope", "Fn"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := RoleGrants(tmpl, tt.role, tt.fn); err == nil {
				t.Errorf("RoleGrants(%q, %q): got no error, want one", tt.role, tt.fn)
			}
		})
	}
}
