package leastpriv

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// keyTemplate is a function whose role publishes to a topic (encryption
// given by kms), sends to a queue (sqs), and whose async on-failure
// destination is a dead-letter queue encrypted with its own key; extra are
// more statements of the role's policy.
func keyTemplate(t *testing.T, kms, sqs string, extra ...string) map[string]any {
	t.Helper()
	statements := append([]string{
		`{"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "Topic"}}`,
		`{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Work", "Arn"]}}`,
		`{"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"], "Resource": {"Fn::GetAtt": ["Dlq", "Arn"]}}`,
		`{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": {"Fn::GetAtt": ["DlqKey", "Arn"]}}`,
	}, extra...)
	src := `{"Resources": {
  "Role": {"Type": "AWS::IAM::Role"},
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
  "TopicKey": {"Type": "AWS::KMS::Key"},
  "DlqKey": {"Type": "AWS::KMS::Key"},
  "Topic": {"Type": "AWS::SNS::Topic", "Properties": {` + kms + `}},
  "Work": {"Type": "AWS::SQS::Queue", "Properties": {` + sqs + `}},
  "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": {"Fn::GetAtt": ["DlqKey", "Arn"]}}},
  "Invoke": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {"FunctionName": {"Ref": "Fn"},
    "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Dlq", "Arn"]}}}}},
  "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {"Statement": [` +
		strings.Join(statements, ",\n") + `]}}}
}}`
	var tmpl map[string]any
	if err := json.Unmarshal([]byte(src), &tmpl); err != nil {
		t.Fatalf("template: %v\n%s", err, src)
	}
	return tmpl
}

const (
	cmk           = `"KmsMasterKeyId": {"Fn::GetAtt": ["TopicKey", "Arn"]}`
	managedSNS    = `"KmsMasterKeyId": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":kms:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, ":alias/aws/sns"]]}`
	topicKeyGrant = `{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": {"Fn::GetAtt": ["TopicKey", "Arn"]}}`
)

func TestKeyNeeds(t *testing.T) {
	code := &Code{Package: "example/fn", Calls: []Call{
		{Service: "sns", Operation: "Publish", Site: "main.go:1"},
		{Service: "sqs", Operation: "SendMessage", Site: "main.go:2"},
	}}
	tests := []struct {
		name         string
		kms, sqs     string
		extra        []string
		wantMissing  []string
		wantUnused   []string
		wantProblems []string // substrings, one per problem
		wantKeyNeeds int      // code and platform
	}{
		{name: "customer managed key granted as CDK's grantPublish does", kms: cmk, extra: []string{topicKeyGrant}, wantKeyNeeds: 2},
		{name: "customer managed key not granted", kms: cmk,
			wantMissing: []string{"kms:Decrypt", "kms:GenerateDataKey"}, wantKeyNeeds: 2},
		{name: "customer managed key granted exactly", kms: cmk, wantKeyNeeds: 2,
			extra: []string{`{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": {"Fn::GetAtt": ["TopicKey", "Arn"]}}`}},
		{name: "AWS managed key: no key grant needed, one is unused", kms: managedSNS, extra: []string{topicKeyGrant},
			wantUnused: []string{"kms:Decrypt", "kms:GenerateDataKey*"}, wantKeyNeeds: 1,
			wantProblems: []string{`wildcard action "kms:GenerateDataKey*"`}},
		{name: "unencrypted topic: no key need", kms: `"TopicName": "t"`, wantKeyNeeds: 1},
		{name: "imported key ARN: a customer key", kms: `"KmsMasterKeyId": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"`,
			wantMissing: []string{"kms:Decrypt", "kms:GenerateDataKey"}, wantKeyNeeds: 2},
		{name: "queue the code sends to with a customer key", kms: managedSNS, sqs: `"KmsMasterKeyId": {"Fn::GetAtt": ["TopicKey", "Arn"]}`,
			wantMissing: []string{"kms:Decrypt", "kms:GenerateDataKey"}, wantKeyNeeds: 2},
		{name: "GenerateDataKey* on a key nothing needs is a problem", kms: managedSNS,
			extra:        []string{`{"Effect": "Allow", "Action": "kms:GenerateDataKey*", "Resource": "arn:aws:kms:eu-west-1:111122223333:key/other"}`},
			wantUnused:   []string{"kms:GenerateDataKey*"},
			wantProblems: []string{`wildcard action "kms:GenerateDataKey*"`}, wantKeyNeeds: 1},
		{name: "another wildcard on a needed key is a problem", kms: cmk, wantKeyNeeds: 2,
			extra:        []string{`{"Effect": "Allow", "Action": "kms:*", "Resource": {"Fn::GetAtt": ["TopicKey", "Arn"]}}`},
			wantProblems: []string{`wildcard action "kms:*"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := RoleGrants(keyTemplate(t, tt.kms, tt.sqs, tt.extra...), "Role", "Fn")
			if err != nil {
				t.Fatal(err)
			}
			if len(g.KeyNeeds) != tt.wantKeyNeeds {
				t.Errorf("key needs: got %d %+v, want %d", len(g.KeyNeeds), g.KeyNeeds, tt.wantKeyNeeds)
			}
			r := Check(code, g)
			t.Log("\n" + r.Report(code))
			if !reflect.DeepEqual(r.Missing, tt.wantMissing) {
				t.Errorf("missing: got %q, want %q", r.Missing, tt.wantMissing)
			}
			if !reflect.DeepEqual(r.Unused, tt.wantUnused) {
				t.Errorf("unused: got %q, want %q", r.Unused, tt.wantUnused)
			}
			if len(r.Problems) != len(tt.wantProblems) {
				t.Errorf("problems: got %q, want %d", r.Problems, len(tt.wantProblems))
			}
			for i, want := range tt.wantProblems {
				if i < len(r.Problems) && !strings.Contains(r.Problems[i], want) {
					t.Errorf("problem %d: got %q, want it to contain %q", i, r.Problems[i], want)
				}
			}
			// The dead-letter queue's key is the platform's: the on-failure
			// destination needs it, the code does not.
			var platform []string
			for _, gr := range r.Platform {
				if strings.HasPrefix(gr.Action, "kms:") {
					platform = append(platform, gr.Action+" "+gr.Platform)
				}
			}
			sort.Strings(platform)
			want := []string{"kms:Decrypt key of async on-failure destination Dlq.Arn", "kms:GenerateDataKey* key of async on-failure destination Dlq.Arn"}
			if !reflect.DeepEqual(platform, want) {
				t.Errorf("platform kms grants: got %q, want %q", platform, want)
			}
			if sites := r.Needs["kms:Decrypt"]; len(tt.wantMissing) > 0 && tt.kms == cmk && (len(sites) != 1 || sites[0] != "key TopicKey.Arn of Topic (sns:Publish)") {
				t.Errorf("kms:Decrypt sites: got %q, want the topic's key", sites)
			}
		})
	}
}

// A key need counts only when the code writes: a role that may publish to a
// CMK topic, with the key, but whose code never publishes, has both unused.
func TestKeyNeedsOnlyForWritesTheCodeMakes(t *testing.T) {
	g, err := RoleGrants(keyTemplate(t, cmk, "", topicKeyGrant), "Role", "Fn")
	if err != nil {
		t.Fatal(err)
	}
	r := Check(&Code{Calls: []Call{{Service: "sqs", Operation: "SendMessage", Site: "main.go:2"}}}, g)
	if want := []string{"kms:Decrypt", "kms:GenerateDataKey*", "sns:Publish"}; !reflect.DeepEqual(r.Unused, want) {
		t.Errorf("unused: got %q, want %q", r.Unused, want)
	}
	if len(r.Missing) != 0 || len(r.Problems) != 0 {
		t.Errorf("missing %q, problems %q: want none", r.Missing, r.Problems)
	}
}
