package deploylocal

import (
	"net/url"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:eu-west-3:123456789012:q"}]}`
	tests := []struct {
		name     string
		want     any
		got      any
		ok       bool
		wantDiff string
	}{
		{name: "equal scalars", want: "provided.al2023", got: "provided.al2023", ok: true},
		{name: "different scalars", want: "provided.al2023", got: "go1.x", wantDiff: `value: want "provided.al2023", got "go1.x"`},
		{name: "number and its text", want: 10.0, got: "10", ok: true},
		{name: "boolean and its text", want: true, got: "true", ok: true},
		{name: "got more keys", want: map[string]any{"Mode": "Active"}, got: map[string]any{"Mode": "Active", "Extra": 1.0}, ok: true},
		{name: "missing key", want: map[string]any{"StreamViewType": "NEW_AND_OLD_IMAGES"}, got: map[string]any{},
			wantDiff: `StreamViewType: want "NEW_AND_OLD_IMAGES", got nothing`},
		{name: "nested difference names the path", want: map[string]any{"A": map[string]any{"B": 1.0}}, got: map[string]any{"A": map[string]any{"B": 2.0}},
			wantDiff: "A.B: want 1, got 2"},
		{name: "list in another order", want: []any{"a", "b"}, got: []any{"b", "a"}, ok: true},
		{name: "list of objects matched by content", want: []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}},
			got: []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}}, ok: true},
		{name: "list with an extra element", want: []any{"a"}, got: []any{"a", "b"}, wantDiff: `want ["a"], got ["a","b"]`},
		{name: "a list element twice matches twice only", want: []any{"a", "a"}, got: []any{"a", "b"}, wantDiff: `value[1]: want "a"`},
		{name: "template object, JSON string deployed", want: map[string]any{"deadLetterTargetArn": "arn:dlq", "maxReceiveCount": 5.0},
			got: `{"deadLetterTargetArn":"arn:dlq","maxReceiveCount":5}`, ok: true},
		{name: "JSON strings on both sides", want: `{"eventName":["INSERT"]}`, got: `{ "eventName": [ "INSERT" ] }`, ok: true},
		{name: "policy with a single action equals a list of one", want: map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Effect": "Allow", "Action": []any{"sqs:SendMessage"}, "Resource": "arn:aws:sqs:eu-west-3:123456789012:q"}}},
			got: policy, ok: true},
		{name: "URL-encoded policy, as IAM returns it", want: policy, got: url.QueryEscape(policy), ok: true},
		{name: "policy with another resource", want: policy, got: strings.Replace(policy, ":q\"", ":other\"", 1), wantDiff: "Statement[0]"},
		{name: "nothing deployed", want: "x", got: nil, wantDiff: `value: want "x", got nothing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, diff := compare(tt.want, tt.got)
			if ok != tt.ok {
				t.Fatalf("compare: got %v (%s), want %v", ok, diff, tt.ok)
			}
			if !ok && !strings.Contains(diff, tt.wantDiff) {
				t.Errorf("difference: got %q, want it to contain %q", diff, tt.wantDiff)
			}
		})
	}
}

func TestNormalizeSDKValues(t *testing.T) {
	type config struct {
		Size *int32
		Mode string
	}
	size := int32(512)
	got := normalize(&config{Size: &size, Mode: "Active"})
	if ok, diff := compare(map[string]any{"Size": 512.0, "Mode": "Active"}, got); !ok {
		t.Errorf("an SDK-like struct: %s", diff)
	}
}

func TestCheckString(t *testing.T) {
	c := Check{Stack: "S", LogicalID: "Fn", Type: "AWS::Lambda::Function", Property: "Runtime", Want: strings.Repeat("w", 500), Got: "go1.x", Status: Mismatch}
	s := c.String()
	if !strings.HasPrefix(s, "MISMATCH S Fn (AWS::Lambda::Function) Runtime: want ") || len(s) > 400 || !strings.HasSuffix(s, "got go1.x") {
		t.Errorf("got %q", s)
	}
	if s := (Check{Stack: "S", LogicalID: "Fn", Type: "T", Property: "P", Want: "x", Got: "x"}).String(); strings.Contains(s, "want") {
		t.Errorf("an OK check: got %q, want no values", s)
	}
}
