package templatediff

import (
	"strings"
	"testing"
)

// diff compares two hand-made templates; t fails on an error.
func diff(t *testing.T, old, new string) *Result {
	t.Helper()
	return diffAll(t, [2]string{old, new})[0]
}

// diffAll compares pairs of hand-made templates in one run of Node ("" is
// no template).
func diffAll(t *testing.T, pairs ...[2]string) []*Result {
	t.Helper()
	ps := make([]Pair, len(pairs))
	for i, p := range pairs {
		if p[0] != "" {
			ps[i].Old = tmpl(t, p[0])
		}
		if p[1] != "" {
			ps[i].New = tmpl(t, p[1])
		}
	}
	rs, err := Diff(ps...)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// The library's diff text, on the cases the hand-written diff had: each
// shows the changed value at its path, old and new.
func TestDiffText(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string // in this order in the text
		wantNot  []string
	}{
		{
			name:    "scalar property",
			old:     `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 10, "MemorySize": 128}}}}`,
			new:     `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 30, "MemorySize": 128}}}}`,
			want:    []string{"[~] AWS::Lambda::Function Fn\n", " └─ [~] Timeout\n", "[-] 10\n", "[+] 30\n"},
			wantNot: []string{"MemorySize"},
		},
		{
			name: "nested property added and removed",
			old:  `{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy": {"maxReceiveCount": 5}}}}}`,
			new:  `{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60}}}}`,
			want: []string{"[~] AWS::SQS::Queue Q\n", "[-] RedrivePolicy\n", `{"maxReceiveCount":5}`, "[+] VisibilityTimeout\n", "60\n"},
		},
		{
			name:    "an inserted array element is one insertion, not a shift",
			old:     `{"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Action": "a:A", "Effect": "Allow", "Resource": "*"}, {"Action": "c:C", "Effect": "Allow", "Resource": "*"}]}, "Roles": [{"Ref": "R"}]}}}}`,
			new:     `{"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Action": "a:A", "Effect": "Allow", "Resource": "*"}, {"Action": "b:B", "Effect": "Allow", "Resource": "*"}, {"Action": "c:C", "Effect": "Allow", "Resource": "*"}]}, "Roles": [{"Ref": "R"}]}}}}`,
			want:    []string{"[~] AWS::IAM::Policy P\n", `[+]   "Action": "b:B",`, `[ ]   "Action": "c:C",`},
			wantNot: []string{`[-]   "Action"`, `[+]   "Action": "c:C"`},
		},
		{
			name:    "a changed array element is compared inside",
			old:     `{"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Action": "a:A", "Effect": "Allow", "Resource": "*"}, {"Action": ["d:Get"], "Effect": "Allow", "Resource": "arn:t"}]}}}}}`,
			new:     `{"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Action": "a:A", "Effect": "Allow", "Resource": "*"}, {"Action": ["d:Delete", "d:Get"], "Effect": "Allow", "Resource": "arn:t"}]}}}}}`,
			want:    []string{"[~] AWS::IAM::Policy P\n", `[+]     "d:Delete",`, `[ ]     "d:Get"`},
			wantNot: []string{`[-] `},
		},
		{
			name: "resources added and removed, keys with dots and colons",
			old:  `{"Resources": {"Old": {"Type": "AWS::SQS::Queue"}, "R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]}}}}}`,
			new:  `{"Resources": {"New": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": "alias/k"}}, "R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "x"}}}]}}}}}`,
			want: []string{"[-] AWS::SQS::Queue Old destroy\n", "[+] AWS::SNS::Topic New\n", "[~] AWS::IAM::Role R\n",
				`[-]       "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"`, `[+]       "token.actions.githubusercontent.com:aud": "x"`},
		},
		{
			name: "other sections and top-level values",
			old:  `{"Description": "a", "Outputs": {"Url": {"Value": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}}}, "Resources": {}}`,
			new:  `{"Description": "b", "Outputs": {"Url": {"Value": {"Fn::GetAtt": ["Api2", "ApiEndpoint"]}}}, "Resources": {}}`,
			want: []string{"[~] Description Description: a to b\n", `[~] Output Url: {"Value":{"Fn::GetAtt":["Api","ApiEndpoint"]}} to {"Value":{"Fn::GetAtt":["Api2","ApiEndpoint"]}}`},
		},
		{
			name: "replacement of a stateful resource is marked",
			old:  `{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}}}}`,
			new:  `{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}}}}`,
			want: []string{"[~] AWS::DynamoDB::Table T replace\n", "[~] KeySchema (requires replacement)\n", `[-]     "AttributeName": "id",`, `[+]     "AttributeName": "pk",`},
		},
	}
	var pairs [][2]string
	for _, tt := range tests {
		pairs = append(pairs, [2]string{tt.old, tt.new})
	}
	results := diffAll(t, pairs...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := results[i]
			var b strings.Builder
			d.Format(&b)
			got, rest := b.String(), b.String()
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("lacks %q (or not in order):\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tt.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("holds %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestDiffCounts(t *testing.T) {
	d := diff(t, `{"Description": "a", "Resources": {"Old": {"Type": "AWS::SQS::Queue"}, "Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 1}}}}`,
		`{"Description": "b", "Resources": {"New": {"Type": "AWS::SNS::Topic"}, "Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 2}}}, "Outputs": {"O": {"Value": "v"}}}`)
	if d.Added != 2 || d.Removed != 1 || d.Changed != 2 {
		t.Errorf("got %d added, %d removed, %d changed, want 2, 1, 2", d.Added, d.Removed, d.Changed)
	}
}

func TestDiffEqual(t *testing.T) {
	s := `{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}}}}`
	d := diff(t, s, s)
	if !d.Empty || len(d.Findings) != 0 || d.Text != "" || d.HasSecurity() {
		t.Errorf("equal templates: got %+v, want no change", d)
	}
}

// The library decides replacement from the CDK's resource database, for
// every type; a change is data loss only for a stateful one.
func TestReplacement(t *testing.T) {
	tests := []struct {
		name     string
		typ      string
		old, new string // Properties
		want     string // impact
		wantBy   string
	}{
		{"table key schema", "AWS::DynamoDB::Table", `{"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}`, `{"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}`, "WILL_REPLACE", "KeySchema"},
		{"table name set", "AWS::DynamoDB::Table", `{}`, `{"TableName": "orders"}`, "WILL_REPLACE", "TableName"},
		{"table billing mode", "AWS::DynamoDB::Table", `{"BillingMode": "PROVISIONED"}`, `{"BillingMode": "PAY_PER_REQUEST"}`, "WILL_UPDATE", ""},
		{"table new index", "AWS::DynamoDB::Table", `{}`, `{"GlobalSecondaryIndexes": [{"IndexName": "i"}]}`, "WILL_UPDATE", ""},
		{"bucket name", "AWS::S3::Bucket", `{"BucketName": "a"}`, `{"BucketName": "b"}`, "WILL_REPLACE", "BucketName"},
		{"bucket versioning", "AWS::S3::Bucket", `{}`, `{"VersioningConfiguration": {"Status": "Enabled"}}`, "WILL_UPDATE", ""},
		{"fifo queue", "AWS::SQS::Queue", `{}`, `{"FifoQueue": true}`, "WILL_REPLACE", "FifoQueue"},
		{"cluster engine", "AWS::RDS::DBCluster", `{"Engine": "aurora-mysql"}`, `{"Engine": "aurora-postgresql"}`, "MAY_REPLACE", "Engine"},
		{"stateless type replaced: no data loss", "AWS::Lambda::Function", `{"FunctionName": "a"}`, `{"FunctionName": "b"}`, "WILL_REPLACE", "FunctionName"},
	}
	var pairs [][2]string
	for _, tt := range tests {
		pairs = append(pairs, [2]string{`{"Resources": {"R": {"Type": "` + tt.typ + `", "Properties": ` + tt.old + `}}}`,
			`{"Resources": {"R": {"Type": "` + tt.typ + `", "Properties": ` + tt.new + `}}}`})
	}
	results := diffAll(t, pairs...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := results[i]
			if len(d.Resources) != 1 {
				t.Fatalf("got %d resources, want 1", len(d.Resources))
			}
			r := d.Resources[0]
			if r.Impact != tt.want || strings.Join(r.ReplacedBy, ",") != tt.wantBy {
				t.Errorf("got %s %v, want %s %q", r.Impact, r.ReplacedBy, tt.want, tt.wantBy)
			}
			wantLoss := r.Stateful && strings.HasSuffix(tt.want, "REPLACE")
			if got := len(d.DataLoss()) > 0; got != wantLoss {
				t.Errorf("data loss: got %v, want %v", got, wantLoss)
			}
		})
	}
	d := diff(t, `{"Resources": {"R": {"Type": "AWS::SQS::Queue"}}}`, `{"Resources": {"R": {"Type": "AWS::SNS::Topic"}}}`)
	if r := d.Resources[0]; r.Impact != "WILL_REPLACE" || strings.Join(r.ReplacedBy, ",") != "Type" || len(d.DataLoss()) != 1 {
		t.Errorf("type change: got %+v, %d data loss, want WILL_REPLACE by Type, a queue lost", r, len(d.DataLoss()))
	}
}

// A reference across stacks reads as ${Stack.LogicalId.Attribute} in the
// security report (the library alone prints the JSON).
func TestStackOutputsRendered(t *testing.T) {
	policy := func(resource string) string {
		return `{"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [
		  {"Action": "dynamodb:GetItem", "Effect": "Allow", "Resource": ` + resource + `}]}, "Roles": [{"Ref": "R"}]}}}}`
	}
	tests := []struct{ in, want string }{
		{`{"Fn::GetStackOutput": {"StackName": "S", "OutputName": "PublishOutputFnGetAttOrdersA9B65338Arn4AEF841C", "Region": "r"}}`, "${S.OrdersA9B65338.Arn}"},
		{`{"Fn::GetStackOutput": {"StackName": "S", "OutputName": "PublishOutputFnGetAttOrdersA9B65338StreamArn0F1D1643"}}`, "${S.OrdersA9B65338.StreamArn}"},
		{`{"Fn::GetStackOutput": {"StackName": "S", "OutputName": "PublishOutputRefOrdersA9B65338CCA8F2B7"}}`, "${S.OrdersA9B65338}"},
		{`{"Fn::GetStackOutput": {"StackName": "S", "OutputName": "PublishOutputRefOrders"}}`, "${S.PublishOutputRefOrders}"},
		{`{"Fn::Join": ["", [{"Fn::GetAtt": ["B", "Arn"]}, "/incoming/*"]]}`, "${B.Arn}/incoming/*"},
	}
	for _, tt := range tests {
		d := diff(t, `{"Resources": {}}`, policy(tt.in))
		if len(d.Statements) != 1 || strings.Join(d.Statements[0].Resources, ",") != tt.want || !strings.Contains(d.Security, tt.want) {
			t.Errorf("%s: got %+v\n%s\nwant %s", tt.in, d.Statements, d.Security, tt.want)
		}
	}
}

func TestRenderValueCutsLongValues(t *testing.T) {
	long := strings.Repeat("x", 1000)
	got := renderValue(long)
	if len(got) > 400+40 || !strings.HasSuffix(got, "(1002 bytes)") {
		t.Errorf("got %d bytes %q..., want the first 400 and the length", len(got), got[:20])
	}
}

func TestDiffShowsWhereLongStringsDiffer(t *testing.T) {
	// 30 characters of context on each side of "dev" / "prod".
	dashboard := func(stage string) string {
		body := strings.Repeat(`{\"type\":\"metric\",\"width\":6},`, 10) + `[\"OrderFlow\",\"OrdersCreated\",\"Stage\",\"` + stage + `\"]` + strings.Repeat(`,{\"type\":\"alarm\"}`, 10)
		return `{"Resources": {"D": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {"DashboardBody": "` + body + `"}}}}`
	}
	d := diff(t, dashboard("dev"), dashboard("prod"))
	for _, want := range []string{
		`[-] …low","OrdersCreated","Stage","dev"],{"type":"alarm"},{"type":"a…` + "\n",
		`[+] …low","OrdersCreated","Stage","prod"],{"type":"alarm"},{"type":"a…` + "\n",
	} {
		if !strings.Contains(d.Text, want) {
			t.Errorf("lacks %q:\n%s", want, d.Text)
		}
	}
	if d := diff(t, `{"Description": "a"}`, `{"Description": "b"}`); !strings.Contains(d.Text, "a to b") {
		t.Errorf("short strings: got %s, want whole", d.Text)
	}
}
