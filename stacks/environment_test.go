package stacks

import (
	"strings"
	"testing"
)

func TestEnvironmentFor(t *testing.T) {
	tests := []struct {
		name        string
		stage       string
		context     map[string]any
		wantNil     bool
		wantAccount string // "" = unset
		wantRegion  string
		wantErr     string
	}{
		{name: "no keys: environment-agnostic", stage: "prod", context: map[string]any{"stage": "prod"}, wantNil: true},
		{name: "empty values: environment-agnostic", stage: "prod",
			context: map[string]any{"stages.prod.account": "", "stages.prod.region": ""}, wantNil: true},
		{name: "account and region", stage: "prod",
			context:     map[string]any{"stages.prod.account": "123456789012", "stages.prod.region": "eu-west-3"},
			wantAccount: "123456789012", wantRegion: "eu-west-3"},
		{name: "region only", stage: "dev", context: map[string]any{"stages.dev.region": "us-gov-west-1"}, wantRegion: "us-gov-west-1"},
		{name: "account only", stage: "dev", context: map[string]any{"stages.dev.account": "000000000001"}, wantAccount: "000000000001"},
		{name: "another stage's keys do not apply", stage: "dev",
			context: map[string]any{"stages.prod.account": "123456789012", "stages.prod.region": "eu-west-3", "stages.prod.typo": "x"}, wantNil: true},
		{name: "prefix of another stage name does not apply", stage: "pr",
			context: map[string]any{"stages.pr-42.region": "eu-west-3"}, wantNil: true},
		{name: "short account", stage: "prod", context: map[string]any{"stages.prod.account": "12345"},
			wantErr: `stages.prod.account: "12345" is not a 12-digit AWS account ID`},
		{name: "bad region", stage: "prod", context: map[string]any{"stages.prod.region": "Europe"},
			wantErr: `stages.prod.region: "Europe" is not an AWS region`},
		{name: "number from cdk.json", stage: "prod", context: map[string]any{"stages.prod.account": float64(123456789012)},
			wantErr: `stages.prod.account: 1.23456789012e+11 (float64) is not a string`},
		{name: "typo in a field", stage: "prod", context: map[string]any{"stages.prod.regoin": "eu-west-3"},
			wantErr: `stages.prod.regoin: unknown field "regoin"`},
		{name: "every problem at once", stage: "prod", context: map[string]any{"stages.prod.account": "x", "stages.prod.region": "y"},
			wantErr: `stages.prod.account: "x" is not a 12-digit AWS account ID; stages.prod.region: "y" is not an AWS region`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := EnvironmentFor(tt.stage, tt.context)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantNil {
				if env != nil {
					t.Fatalf("got environment %+v, want nil (environment-agnostic)", env)
				}
				return
			}
			if env == nil {
				t.Fatal("got nil environment")
			}
			if got := deref(env.Account); got != tt.wantAccount {
				t.Errorf("Account: got %q, want %q", got, tt.wantAccount)
			}
			if got := deref(env.Region); got != tt.wantRegion {
				t.Errorf("Region: got %q, want %q", got, tt.wantRegion)
			}
		})
	}
}

func TestContextKey(t *testing.T) {
	if got, want := ContextKey("prod", ContextRegionField), "stages.prod.region"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
