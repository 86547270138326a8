package templatediff

import (
	"strings"
	"testing"
)

// Small hand-made templates: each case changes one thing and lists every
// finding it must produce, as FormatSecurity prints them.

const kitchenPolicy = `"KitchenPolicy": {"Type": "AWS::IAM::Policy", "Properties": {
  "PolicyDocument": {"Statement": [
    {"Action": "dynamodb:UpdateItem", "Effect": "Allow", "Resource": {"Fn::GetAtt": ["Orders", "Arn"]}},
    {"Action": ["sqs:DeleteMessage", "sqs:ReceiveMessage"], "Effect": "Allow", "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}}
  ], "Version": "2012-10-17"},
  "PolicyName": "KitchenPolicy", "Roles": [{"Ref": "KitchenRole"}]}}`

const ordersTable = `"Orders": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {
  "KeySchema": [{"AttributeName": "orderId", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "orderId", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST", "DeletionProtectionEnabled": true, "SSESpecification": {"SSEEnabled": true}}}`

const uploadsBucket = `"Uploads": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {
  "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
  "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}}}`

const uploadsPolicy = `"UploadsPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Uploads"}, "PolicyDocument": {"Statement": [
  {"Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny", "Principal": {"AWS": "*"},
   "Resource": [{"Fn::GetAtt": ["Uploads", "Arn"]}, {"Fn::Join": ["", [{"Fn::GetAtt": ["Uploads", "Arn"]}, "/*"]]}]}]}}}`

func resources(rs ...string) string { return `{"Resources": {` + strings.Join(rs, ",") + `}}` }

func TestFindings(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string // the findings, as FormatSecurity prints them
		// rows of the library's security report (securityRows)
		rows []string
		// broadening: "widens" or "not" (Result.Broadening), "" unchecked
		broadening string
	}{
		// IAM identity policies.
		{
			name: "action added to a grant",
			old:  resources(kitchenPolicy),
			new:  resources(strings.Replace(kitchenPolicy, `"Action": "dynamodb:UpdateItem"`, `"Action": ["dynamodb:DeleteItem", "dynamodb:UpdateItem"]`, 1)),
			want: nil,
			rows: []string{
				"IAM Statement Changes | + | ${Orders.Arn} | Allow | dynamodb:DeleteItem dynamodb:UpdateItem | AWS:${KitchenRole} | ",
				"IAM Statement Changes | - | ${Orders.Arn} | Allow | dynamodb:UpdateItem | AWS:${KitchenRole} | ",
			},
			broadening: "widens",
		},
		{
			name: "resource widened to a wildcard",
			old:  resources(kitchenPolicy),
			new:  resources(strings.Replace(kitchenPolicy, `"Resource": {"Fn::GetAtt": ["Orders", "Arn"]}`, `"Resource": "*"`, 1)),
			want: nil,
			rows: []string{
				"IAM Statement Changes | - | ${Orders.Arn} | Allow | dynamodb:UpdateItem | AWS:${KitchenRole} | ",
				"IAM Statement Changes | + | * | Allow | dynamodb:UpdateItem | AWS:${KitchenRole} | ",
			},
			broadening: "widens",
		},
		{
			name: "policy attached to another role",
			old:  resources(kitchenPolicy),
			new:  resources(strings.Replace(kitchenPolicy, `"Roles": [{"Ref": "KitchenRole"}]`, `"Roles": [{"Ref": "KitchenRole"}, {"Ref": "ApiRole"}]`, 1)),
			want: nil,
			rows: []string{
				"IAM Statement Changes | + | ${Orders.Arn} | Allow | dynamodb:UpdateItem | AWS:${ApiRole} | ",
				"IAM Statement Changes | + | ${Queue.Arn} | Allow | sqs:DeleteMessage sqs:ReceiveMessage | AWS:${ApiRole} | ",
			},
			broadening: "widens",
		},
		{
			name: "grant removed",
			old:  resources(kitchenPolicy),
			new:  resources(strings.Replace(kitchenPolicy, `"sqs:DeleteMessage", `, ``, 1)),
			want: nil,
			rows: []string{
				"IAM Statement Changes | + | ${Queue.Arn} | Allow | sqs:ReceiveMessage | AWS:${KitchenRole} | ",
				"IAM Statement Changes | - | ${Queue.Arn} | Allow | sqs:DeleteMessage sqs:ReceiveMessage | AWS:${KitchenRole} | ",
			},
			broadening: "",
		},
		{
			name: "statements reordered and moved to another policy: no change in access",
			old:  resources(kitchenPolicy),
			new: resources(`"KitchenPolicy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [
			    {"Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"], "Effect": "Allow", "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}}]}, "Roles": [{"Ref": "KitchenRole"}]}},
			  "KitchenPolicy2": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [
			    {"Action": "dynamodb:UpdateItem", "Effect": "Allow", "Resource": {"Fn::GetAtt": ["Orders", "Arn"]}}]}, "Roles": [{"Ref": "KitchenRole"}]}}`),
			want:       nil,
			broadening: "not",
		},
		{
			name: "new policy resource, with a condition",
			old:  resources(),
			new: resources(`"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [
			    {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::b/*", "Condition": {"StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}}}]}, "Roles": [{"Ref": "R"}]}}`),
			want: nil,
			rows: []string{
				`IAM Statement Changes | + | arn:aws:s3:::b/* | Allow | s3:GetObject | AWS:${R} | "StringEquals": { "aws:ResourceAccount": "${AWS::AccountId}" }`,
			},
			broadening: "widens",
		},
		{
			name: "deny statement removed widens access",
			old: resources(`"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [
			    {"Action": "s3:*", "Effect": "Allow", "Resource": "*"}, {"Action": "s3:DeleteBucket", "Effect": "Deny", "Resource": "*"}]}, "Users": ["alice"]}}`),
			new: resources(`"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [
			    {"Action": "s3:*", "Effect": "Allow", "Resource": "*"}]}, "Users": ["alice"]}}`),
			want: nil,
			rows: []string{
				"IAM Statement Changes | - | * | Deny | s3:DeleteBucket | AWS:alice | ",
			},
			broadening: "widens",
		},
		{
			name: "inline role policy and managed policy",
			old:  resources(`"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]}}}`),
			new: resources(`"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]},
			    "ManagedPolicyArns": [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AdministratorAccess"]]}],
			    "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [{"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": "arn:q"}]}}]}}`),
			want: nil,
			rows: []string{
				"IAM Statement Changes | + | arn:q | Allow | sqs:SendMessage | AWS:${R} | ",
				"IAM Policy Changes | + | ${R} | arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess",
			},
			broadening: "widens",
		},
		// Resource policies.
		{
			name: "role trust widened to another principal",
			old:  resources(`"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]}}}`),
			new:  resources(`"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com", "AWS": "arn:aws:iam::111122223333:root"}}]}}}`),
			want: nil,
			rows: []string{
				"IAM Statement Changes | + | ${R.Arn} | Allow | sts:AssumeRole | AWS:arn:aws:iam::111122223333:root Service:lambda.amazonaws.com | ",
				"IAM Statement Changes | - | ${R.Arn} | Allow | sts:AssumeRole | Service:lambda.amazonaws.com | ",
			},
			broadening: "widens",
		},
		{
			name: "TLS-only deny removed from a bucket policy",
			old:  resources(uploadsPolicy),
			new:  resources(`"UploadsPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Uploads"}, "PolicyDocument": {"Statement": []}}}`),
			want: nil,
			rows: []string{
				`IAM Statement Changes | - | ${Uploads.Arn} ${Uploads.Arn}/* | Deny | s3:* | AWS:* | "Bool": { "aws:SecureTransport": "false" }`,
			},
			broadening: "widens",
		},
		{
			name: "queue policy open to anyone",
			old:  resources(),
			new: resources(`"QP": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": [{"Ref": "Q"}], "PolicyDocument": {"Statement": [
			    {"Action": "sqs:SendMessage", "Effect": "Allow", "Principal": "*", "Resource": {"Fn::GetAtt": ["Q", "Arn"]}}]}}}`),
			want: []string{"[public access] + anyone (principal *, no condition) may sqs:SendMessage on ${Q.Arn}"},
			rows: []string{
				"IAM Statement Changes | + | ${Q.Arn} | Allow | sqs:SendMessage | * | ",
			},
			broadening: "widens",
		},
		{
			name: "topic policy for a service with a source condition is not public",
			old:  resources(),
			new: resources(`"TP": {"Type": "AWS::SNS::TopicPolicy", "Properties": {"Topics": [{"Ref": "T"}], "PolicyDocument": {"Statement": [
			    {"Action": "sns:Publish", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Resource": {"Ref": "T"}, "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["Rule", "Arn"]}}}}]}}}`),
			want: nil,
			rows: []string{
				`IAM Statement Changes | + | ${T} | Allow | sns:Publish | Service:events.amazonaws.com | "ArnEquals": { "aws:SourceArn": "${Rule.Arn}" }`,
			},
			broadening: "widens",
		},
		{
			name: "lambda permission source widened",
			old:  resources(`"Perm": {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]}, "Principal": "apigateway.amazonaws.com", "SourceArn": "arn:api/*/*/orders"}}`),
			new:  resources(`"Perm": {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]}, "Principal": "apigateway.amazonaws.com", "SourceArn": "arn:api/*"}}`),
			want: nil,
			rows: []string{
				`IAM Statement Changes | + | ${Fn.Arn} | Allow | lambda:InvokeFunction | Service:apigateway.amazonaws.com | "ArnLike": { "AWS:SourceArn": "arn:api/*" }`,
				`IAM Statement Changes | - | ${Fn.Arn} | Allow | lambda:InvokeFunction | Service:apigateway.amazonaws.com | "ArnLike": { "AWS:SourceArn": "arn:api/*/*/orders" }`,
			},
			broadening: "widens",
		},
		{
			name: "lambda permission for anyone",
			old:  resources(),
			new:  resources(`"Perm": {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunctionUrl", "FunctionName": {"Ref": "Fn"}, "Principal": "*"}}`),
			want: []string{"[public access] + anyone (principal *, no condition) may lambda:InvokeFunctionUrl on ${Fn}"},
			rows: []string{
				"IAM Statement Changes | + | ${Fn} | Allow | lambda:InvokeFunctionUrl | * | ",
			},
			broadening: "widens",
		},
		{
			name: "key policy",
			old:  resources(`"Key": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": true, "KeyPolicy": {"Statement": [{"Action": "kms:*", "Effect": "Allow", "Principal": {"AWS": {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":root"]]}}, "Resource": "*"}]}}}`),
			new:  resources(`"Key": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": true, "KeyPolicy": {"Statement": [{"Action": "kms:*", "Effect": "Allow", "Principal": {"AWS": {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":root"]]}}, "Resource": "*"}, {"Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Resource": "*"}]}}}`),
			want: nil,
			rows: []string{
				"IAM Statement Changes | + | ${Key.Arn} | Allow | kms:Decrypt kms:GenerateDataKey* | Service:cloudwatch.amazonaws.com | ",
			},
			broadening: "widens",
		},
		{
			name: "event bus policy (inline resource policy)",
			old:  resources(`"Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "b"}}`),
			new:  resources(`"Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "b", "Policy": {"Statement": [{"Action": "events:PutEvents", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Resource": "arn:bus"}]}}}`),
			want: nil,
			rows: []string{
				"IAM Statement Changes | + | arn:bus | Allow | events:PutEvents | AWS:arn:aws:iam::111122223333:root | ",
			},
			broadening: "widens",
		},
		{
			name: "security group opened to the internet",
			old:  resources(`"SG": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "d", "SecurityGroupIngress": []}}`),
			new:  resources(`"SG": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "d", "SecurityGroupIngress": [{"CidrIp": "0.0.0.0/0", "FromPort": 22, "ToPort": 22, "IpProtocol": "tcp"}]}}`),
			want: nil,
			rows: []string{
				"Security Group Changes | + | ${SG.GroupId} | In | TCP 22 | Everyone (IPv4)",
			},
			broadening: "widens",
		},
		// Encryption.
		{
			name:       "bucket encryption removed",
			old:        resources(uploadsBucket),
			new:        resources(strings.Replace(uploadsBucket, `"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},`, ``, 1)),
			want:       []string{`[encryption] + AWS::S3::Bucket Uploads BucketEncryption: {"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]} -> (absent) (encryption turned off)`},
			broadening: "widens",
		},
		{
			name: "queue managed encryption turned off, topic key removed, table SSE removed",
			old: resources(`"Q": {"Type": "AWS::SQS::Queue", "Properties": {"SqsManagedSseEnabled": true}}`,
				`"T": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}}`, ordersTable),
			new: resources(`"Q": {"Type": "AWS::SQS::Queue", "Properties": {"SqsManagedSseEnabled": false}}`,
				`"T": {"Type": "AWS::SNS::Topic", "Properties": {}}`, strings.Replace(ordersTable, `, "SSESpecification": {"SSEEnabled": true}`, ``, 1)),
			want: []string{
				`[encryption] + AWS::DynamoDB::Table Orders SSESpecification: {"SSEEnabled":true} -> (absent) (encryption turned off)`,
				`[encryption] + AWS::SNS::Topic T KmsMasterKeyId: {"Fn::GetAtt":["Key","Arn"]} -> (absent) (encryption turned off)`,
				`[encryption] + AWS::SQS::Queue Q SqsManagedSseEnabled: true -> false (encryption turned off)`,
			},
			broadening: "widens",
		},
		{
			name:       "encryption turned on or its key changed",
			old:        resources(`"Q": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": "alias/aws/sqs"}}`, `"T": {"Type": "AWS::SNS::Topic", "Properties": {}}`),
			new:        resources(`"Q": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": {"Ref": "Key"}}}`, `"T": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": "alias/aws/sns"}}`),
			want:       []string{`[encryption] ~ AWS::SQS::Queue Q KmsMasterKeyId: "alias/aws/sqs" -> {"Ref":"Key"}`},
			broadening: "not",
		},
		// Public access.
		{
			name:       "public access block relaxed",
			old:        resources(uploadsBucket),
			new:        resources(strings.Replace(uploadsBucket, `"BlockPublicPolicy": true`, `"BlockPublicPolicy": false`, 1)),
			want:       []string{"[public access] + AWS::S3::Bucket Uploads PublicAccessBlockConfiguration.BlockPublicPolicy: true -> false"},
			broadening: "widens",
		},
		{
			name: "API route loses IAM authorization; a new route has none",
			old:  resources(`"Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "ANY /orders", "AuthorizationType": "AWS_IAM"}}`),
			new: resources(`"Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "ANY /orders", "AuthorizationType": "NONE"}}`,
				`"Route2": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "GET /health"}}`),
			want: []string{
				"[public access] + AWS::ApiGatewayV2::Route Route has no authorization (AuthorizationType NONE, was AWS_IAM): anyone can call it",
				"[public access] + AWS::ApiGatewayV2::Route Route2 has no authorization (AuthorizationType NONE, new): anyone can call it",
			},
			broadening: "widens",
		},
		{
			name:       "function URL without auth",
			old:        resources(),
			new:        resources(`"Url": {"Type": "AWS::Lambda::Url", "Properties": {"AuthType": "NONE", "TargetFunctionArn": {"Ref": "Fn"}}}`),
			want:       []string{"[public access] + AWS::Lambda::Url Url AuthType NONE: anyone can invoke the function through its URL"},
			broadening: "widens",
		},
		// Stateful resources.
		{
			name:       "table key schema changed: replaced",
			old:        resources(ordersTable),
			new:        resources(strings.Replace(ordersTable, `"KeySchema": [{"AttributeName": "orderId", "KeyType": "HASH"}]`, `"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]`, 1)),
			want:       []string{"[stateful] ! AWS::DynamoDB::Table Orders is replaced (KeySchema changed): CloudFormation creates a new, empty one, then leaves the old one, with its data, outside the stack (UpdateReplacePolicy Retain)"},
			broadening: "widens",
		},
		{
			name:       "bucket named: replaced, and deleted after",
			old:        resources(strings.Replace(uploadsBucket, `"UpdateReplacePolicy": "Retain", `, ``, 1)),
			new:        resources(strings.Replace(uploadsBucket, `"UpdateReplacePolicy": "Retain", "Properties": {`, `"Properties": {"BucketName": "uploads", `, 1)),
			want:       []string{"[stateful] ! AWS::S3::Bucket Uploads is replaced (BucketName changed): CloudFormation creates a new, empty one, then deletes the old one and its data (UpdateReplacePolicy Delete)"},
			broadening: "widens",
		},
		{
			name:       "table logical ID changed",
			old:        resources(ordersTable),
			new:        resources(strings.Replace(ordersTable, `"Orders":`, `"OrdersV2":`, 1)),
			want:       []string{"[stateful] ! AWS::DynamoDB::Table Orders is removed from the template: CloudFormation leaves it in the account, outside the stack (DeletionPolicy Retain); nothing in the stack uses its data any more; added in the same change: OrdersV2 (a logical ID change creates a new, empty resource)"},
			broadening: "widens",
		},
		{
			name:       "queue removed without retention",
			old:        resources(`"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}`),
			new:        resources(),
			want:       []string{"[stateful] ! AWS::SQS::Queue Q is removed from the template: CloudFormation deletes it and its data (DeletionPolicy Delete)"},
			broadening: "widens",
		},
		{
			name: "protection weakened without replacement",
			old:  resources(ordersTable),
			new:  resources(strings.Replace(strings.Replace(ordersTable, `"DeletionProtectionEnabled": true`, `"DeletionProtectionEnabled": false`, 1), `"DeletionPolicy": "Retain"`, `"DeletionPolicy": "Delete"`, 1)),
			want: []string{
				`[stateful] + AWS::DynamoDB::Table Orders DeletionPolicy: Retain -> "Delete" (its data is deleted with it)`,
				"[stateful] + AWS::DynamoDB::Table Orders DeletionProtectionEnabled: true -> false (deletion protection turned off)",
			},
			broadening: "widens",
		},
		{
			name: "retention shortened; lengthened or removed (kept forever) is no finding",
			old: resources(`"LG": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain", "Properties": {"RetentionInDays": 365}}`,
				`"LG2": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 14}}`, `"LG3": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 14}}`,
				`"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}`),
			new: resources(`"LG": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain", "Properties": {"RetentionInDays": 90}}`,
				`"LG2": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 365}}`, `"LG3": {"Type": "AWS::Logs::LogGroup", "Properties": {}}`,
				`"Q": {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 3600}}`),
			want: []string{
				"[stateful] + AWS::Logs::LogGroup LG RetentionInDays: 365 -> 90 (retention shortened: older data is deleted)",
				"[stateful] + AWS::SQS::Queue Q MessageRetentionPeriod: (absent) -> 3600 (retention shortened: older data is deleted)",
			},
			broadening: "widens",
		},
		{
			name:       "table gains an index: no finding",
			old:        resources(ordersTable),
			new:        resources(strings.Replace(ordersTable, `"BillingMode"`, `"GlobalSecondaryIndexes": [{"IndexName": "byStatus", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}], "BillingMode"`, 1)),
			want:       nil,
			broadening: "not",
		},
		// Suppressions.
		{
			name:       "cdk-nag suppression added",
			old:        resources(kitchenPolicy),
			new:        resources(strings.Replace(kitchenPolicy, `"Type": "AWS::IAM::Policy",`, `"Type": "AWS::IAM::Policy", "Metadata": {"cdk_nag": {"rules_to_suppress": [{"id": "AwsSolutions-IAM5", "reason": "X-Ray needs *", "applies_to": ["Resource::*"]}]}},`, 1)),
			want:       []string{`[suppression] + cdk-nag AwsSolutions-IAM5 for ["Resource::*"] suppressed on AWS::IAM::Policy KitchenPolicy: X-Ray needs *`},
			broadening: "widens",
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
			var got []string
			for _, f := range d.Findings {
				got = append(got, "["+string(f.Class)+"] "+f.mark()+" "+f.Message)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("findings: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if rows := securityRows(d.Security); strings.Join(rows, "\n") != strings.Join(tt.rows, "\n") {
				t.Errorf("security report rows: got\n%s\nwant\n%s\n%s", strings.Join(rows, "\n"), strings.Join(tt.rows, "\n"), d.Security)
			}
			var b strings.Builder
			d.FormatSecurity(&b)
			for _, line := range got {
				if !strings.Contains(b.String(), line+"\n") {
					t.Errorf("FormatSecurity lacks %q:\n%s", line, b.String())
				}
			}
			wantLoss := strings.Contains(strings.Join(tt.want, "\n"), "] ! ")
			if got := len(d.DataLoss()) > 0; got != wantLoss {
				t.Errorf("DataLoss: got %v, want %v", got, wantLoss)
			}
			if tt.broadening != "" && d.Broadening() != (tt.broadening == "widens") {
				t.Errorf("Broadening: got %v, want %s", d.Broadening(), tt.broadening)
			}
		})
	}
}

// securityRows reads the rows of the library's security tables, one
// string a row: its cells joined by " | ", a cell's lines by " ", and the
// table's title first ("IAM Statement Changes | + | ${Orders.Arn} | Allow | ...").
func securityRows(report string) []string {
	var rows []string
	var title string
	var cells []string
	flush := func() {
		if cells != nil {
			rows = append(rows, title+" | "+strings.Join(cells, " | "))
			cells = nil
		}
	}
	header := false
	for _, line := range strings.Split(report, "\n") {
		switch {
		case strings.HasPrefix(line, "┌"):
			header = true
		case strings.HasPrefix(line, "├") || strings.HasPrefix(line, "└"):
			flush()
			header = false
		case strings.HasPrefix(line, "│"):
			if header {
				continue
			}
			parts := strings.Split(strings.Trim(line, "│"), "│")
			if strings.TrimSpace(parts[0]) != "" {
				flush()
				cells = make([]string, len(parts))
			}
			for i, p := range parts {
				if p = strings.TrimSpace(p); p != "" && i < len(cells) {
					cells[i] = strings.TrimSpace(cells[i] + " " + p)
				}
			}
		case line != "" && !strings.HasPrefix(line, "("):
			title = line
		}
	}
	flush()
	return rows
}

func TestStackRemovedLosesItsStatefulResources(t *testing.T) {
	old := tmpl(t, resources(ordersTable, uploadsBucket, kitchenPolicy))
	rs, err := Diff(Pair{Old: old})
	if err != nil {
		t.Fatal(err)
	}
	d := rs[0]
	var ids []string
	for _, f := range d.DataLoss() {
		ids = append(ids, f.LogicalIDs...)
	}
	if strings.Join(ids, ",") != "Orders,Uploads" {
		t.Errorf("data loss for %v, want Orders,Uploads", ids)
	}
	if d.Removed != 3 {
		t.Errorf("got %d removed, want 3 removed resources", d.Removed)
	}
	if !d.Broadening() {
		t.Error("Broadening: got false, want true")
	}
}

func TestStatefulTypes(t *testing.T) {
	stateful := map[string]bool{"AWS::DynamoDB::Table": true, "AWS::S3::Bucket": true, "AWS::SQS::Queue": true, "AWS::KMS::Key": true,
		"AWS::Logs::LogGroup": true, "AWS::Kinesis::Stream": true, "AWS::Lambda::Function": false, "AWS::IAM::Role": false, "AWS::SNS::Topic": false}
	var rs []string
	for typ := range stateful {
		rs = append(rs, `"`+strings.ReplaceAll(typ, ":", "")+`": {"Type": "`+typ+`"}`)
	}
	d := diff(t, resources(rs...), resources())
	for _, r := range d.Resources {
		if r.Stateful != stateful[r.Type] {
			t.Errorf("%s: stateful %v, want %v", r.Type, r.Stateful, stateful[r.Type])
		}
	}
	if len(d.Resources) != len(stateful) {
		t.Errorf("got %d resources, want %d", len(d.Resources), len(stateful))
	}
}
