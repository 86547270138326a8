package templatediff

import (
	"strings"
	"testing"
)

func TestDiffPropertyPaths(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     string // Format output
	}{
		{
			name: "scalar property",
			old:  `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 10, "MemorySize": 128}}}}`,
			new:  `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 30, "MemorySize": 128}}}}`,
			want: "[~] AWS::Lambda::Function Fn\n    Properties.Timeout: 10 -> 30\n",
		},
		{
			name: "nested property added and removed",
			old:  `{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy": {"maxReceiveCount": 5}}}}}`,
			new:  `{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60}}}}`,
			want: "[~] AWS::SQS::Queue Q\n    Properties.RedrivePolicy: {\"maxReceiveCount\":5} -> (absent)\n    Properties.VisibilityTimeout: (absent) -> 60\n",
		},
		{
			name: "an inserted array element is one insertion, not a shift",
			old:  `{"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Action": "a:A", "Effect": "Allow", "Resource": "*"}, {"Action": "c:C", "Effect": "Allow", "Resource": "*"}]}, "Roles": [{"Ref": "R"}]}}}}`,
			new:  `{"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Action": "a:A", "Effect": "Allow", "Resource": "*"}, {"Action": "b:B", "Effect": "Allow", "Resource": "*"}, {"Action": "c:C", "Effect": "Allow", "Resource": "*"}]}, "Roles": [{"Ref": "R"}]}}}}`,
			want: "[~] AWS::IAM::Policy P\n    Properties.PolicyDocument.Statement[1]: (absent) -> {\"Action\":\"b:B\",\"Effect\":\"Allow\",\"Resource\":\"*\"}\n",
		},
		{
			name: "a changed array element is compared inside",
			old:  `{"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Action": "a:A", "Effect": "Allow", "Resource": "*"}, {"Action": ["d:Get"], "Effect": "Allow", "Resource": "arn:t"}]}}}}}`,
			new:  `{"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Action": "a:A", "Effect": "Allow", "Resource": "*"}, {"Action": ["d:Delete", "d:Get"], "Effect": "Allow", "Resource": "arn:t"}]}}}}}`,
			want: "[~] AWS::IAM::Policy P\n    Properties.PolicyDocument.Statement[1].Action[0]: (absent) -> \"d:Delete\"\n",
		},
		{
			name: "resources added and removed, keys that need quoting",
			old:  `{"Resources": {"Old": {"Type": "AWS::SQS::Queue"}, "R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]}}}}}`,
			new:  `{"Resources": {"New": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": "alias/k"}}, "R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "x"}}}]}}}}}`,
			want: "[+] AWS::SNS::Topic New\n    Properties.KmsMasterKeyId: (absent) -> \"alias/k\"\n" +
				"[-] AWS::SQS::Queue Old\n" +
				"[~] AWS::IAM::Role R\n    Properties.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals[\"token.actions.githubusercontent.com:aud\"]: \"sts.amazonaws.com\" -> \"x\"\n",
		},
		{
			name: "other sections and top-level values",
			old:  `{"Description": "a", "Outputs": {"Url": {"Value": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}}}, "Resources": {}}`,
			new:  `{"Description": "b", "Outputs": {"Url": {"Value": {"Fn::GetAtt": ["Api2", "ApiEndpoint"]}}}, "Resources": {}}`,
			want: "[~] Description\n    Description: \"a\" -> \"b\"\n[~] Outputs Url\n    Value.Fn::GetAtt[0]: \"Api\" -> \"Api2\"\n",
		},
		{
			name: "replacement of a stateful resource is marked",
			old:  `{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}}}}`,
			new:  `{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}}}}`,
			want: "[~] AWS::DynamoDB::Table T (REPLACED: KeySchema)\n    Properties.KeySchema[0].AttributeName: \"id\" -> \"pk\"\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Diff(tmpl(t, tt.old), tmpl(t, tt.new))
			var b strings.Builder
			d.Format(&b)
			if got := b.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestDiffEqual(t *testing.T) {
	s := `{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}}}}`
	d := Diff(tmpl(t, s), tmpl(t, s))
	if !d.Empty() || len(d.Findings) != 0 || d.String() != "" {
		t.Errorf("equal templates: got %q, want no change", d.String())
	}
}

func TestReplacement(t *testing.T) {
	tests := []struct {
		name     string
		typ      string
		old, new string // Properties
		want     Replacement
		wantBy   string
	}{
		{"table key schema", "AWS::DynamoDB::Table", `{"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}`, `{"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}`, Replaces, "KeySchema"},
		{"table name set", "AWS::DynamoDB::Table", `{}`, `{"TableName": "orders"}`, Replaces, "TableName"},
		{"table billing mode", "AWS::DynamoDB::Table", `{"BillingMode": "PROVISIONED"}`, `{"BillingMode": "PAY_PER_REQUEST"}`, NoReplacement, ""},
		{"table new index", "AWS::DynamoDB::Table", `{}`, `{"GlobalSecondaryIndexes": [{"IndexName": "i"}]}`, NoReplacement, ""},
		{"bucket name", "AWS::S3::Bucket", `{"BucketName": "a"}`, `{"BucketName": "b"}`, Replaces, "BucketName"},
		{"bucket versioning", "AWS::S3::Bucket", `{}`, `{"VersioningConfiguration": {"Status": "Enabled"}}`, NoReplacement, ""},
		{"fifo queue", "AWS::SQS::Queue", `{}`, `{"FifoQueue": true}`, Replaces, "FifoQueue"},
		{"cluster engine", "AWS::RDS::DBCluster", `{"Engine": "aurora-mysql"}`, `{"Engine": "aurora-postgresql"}`, MayReplace, "Engine"},
		{"stateless type: not determined", "AWS::Lambda::Function", `{"FunctionName": "a"}`, `{"FunctionName": "b"}`, NoReplacement, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tmpl(t, `{"Type": "`+tt.typ+`", "Properties": `+tt.old+`}`)
			n := tmpl(t, `{"Type": "`+tt.typ+`", "Properties": `+tt.new+`}`)
			got, by := replacement(o, n)
			if got != tt.want || strings.Join(by, ",") != tt.wantBy {
				t.Errorf("got %v %v, want %v %q", got, by, tt.want, tt.wantBy)
			}
		})
	}
	got, by := replacement(tmpl(t, `{"Type": "AWS::SQS::Queue"}`), tmpl(t, `{"Type": "AWS::SNS::Topic"}`))
	if got != Replaces || strings.Join(by, ",") != "Type" {
		t.Errorf("type change: got %v %v, want Replaces [Type]", got, by)
	}
}

func TestRenderIntrinsic(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"Ref": "Orders"}`, "${Orders}"},
		{`{"Fn::GetAtt": ["Orders", "Arn"]}`, "${Orders.Arn}"},
		{`{"Fn::Join": ["", [{"Fn::GetAtt": ["B", "Arn"]}, "/incoming/*"]]}`, "${B.Arn}/incoming/*"},
		{`{"Fn::Sub": "arn:${AWS::Partition}:s3:::x"}`, "arn:${AWS::Partition}:s3:::x"},
		{`{"Fn::GetStackOutput": {"StackName": "S", "OutputName": "O", "Region": "r"}}`, "${S.O}"},
		{`{"Fn::GetStackOutput": {"StackName": "S", "OutputName": "PublishOutputFnGetAttOrdersA9B65338Arn4AEF841C"}}`, "${S.OrdersA9B65338.Arn}"},
		{`{"Fn::GetStackOutput": {"StackName": "S", "OutputName": "PublishOutputFnGetAttOrdersA9B65338StreamArn0F1D1643"}}`, "${S.OrdersA9B65338.StreamArn}"},
		{`{"Fn::GetStackOutput": {"StackName": "S", "OutputName": "PublishOutputRefOrdersA9B65338CCA8F2B7"}}`, "${S.OrdersA9B65338}"},
		{`{"Fn::GetStackOutput": {"StackName": "S", "OutputName": "PublishOutputRefOrders"}}`, "${S.PublishOutputRefOrders}"},
		{`{"Fn::ImportValue": "Exp"}`, "${Import:Exp}"},
		{`{"Fn::If": ["C", "a", "b"]}`, `{"Fn::If":["C","a","b"]}`},
	}
	for _, tt := range tests {
		v := tmpl(t, `{"v": `+tt.in+`}`)["v"]
		if got := renderIntrinsic(v); got != tt.want {
			t.Errorf("renderIntrinsic(%s): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRenderValueCutsLongValues(t *testing.T) {
	long := strings.Repeat("x", 1000)
	got := renderValue(long)
	if len(got) > maxValueLen+40 || !strings.HasSuffix(got, "(1002 bytes)") {
		t.Errorf("got %d bytes %q..., want the first %d and the length", len(got), got[:20], maxValueLen)
	}
}

func TestRenderPairShowsWhereLongStringsDiffer(t *testing.T) {
	// 30 characters of context on each side of "dev" / "prod".
	body := func(stage string) string {
		return strings.Repeat(`{"type":"metric","width":6},`, 10) + `["OrderFlow","OrdersCreated","Stage","` + stage + `"]` + strings.Repeat(`,{"type":"alarm"}`, 10)
	}
	o, n := renderPair(body("dev"), body("prod"))
	wantO := `"…low\",\"OrdersCreated\",\"Stage\",\"dev\"],{\"type\":\"alarm\"},{\"type\":\"a…"`
	wantN := `"…low\",\"OrdersCreated\",\"Stage\",\"prod\"],{\"type\":\"alarm\"},{\"type\":\"a…"`
	if o != wantO || n != wantN {
		t.Errorf("got\n%s -> %s\nwant\n%s -> %s", o, n, wantO, wantN)
	}
	if o, n := renderPair("a", "b"); o != `"a"` || n != `"b"` {
		t.Errorf("short strings: got %s -> %s, want whole", o, n)
	}
}
