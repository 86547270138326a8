package stacks

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

func TestConfigForContext(t *testing.T) {
	tests := []struct {
		name, stage, destroyData string
		wantProtection           bool
		wantRemoval              awscdk.RemovalPolicy
		wantErr                  string
	}{
		{name: "dev", stage: "dev", wantRemoval: awscdk.RemovalPolicy_RETAIN},
		{name: "prod", stage: "prod", wantProtection: true, wantRemoval: awscdk.RemovalPolicy_RETAIN},
		{name: "throwaway retains by default", stage: "pr-42", wantRemoval: awscdk.RemovalPolicy_RETAIN},
		{name: "throwaway opts in", stage: "pr-42", destroyData: "true", wantRemoval: awscdk.RemovalPolicy_DESTROY},
		{name: "dev opts out explicitly", stage: "dev", destroyData: "false", wantRemoval: awscdk.RemovalPolicy_RETAIN},
		{name: "prod refuses destroy", stage: "prod", destroyData: "true", wantErr: `destroyData=true is refused for stage "prod"`},
		{name: "bad destroy value", stage: "dev", destroyData: "yes", wantErr: `destroyData "yes" is not true or false`},
		{name: "uppercase stage name names the lowercase rule", stage: "Prod", wantErr: `stage "Prod" is not a valid stage name: it has uppercase letters`},
		{name: "stage name with a bad character", stage: "pr_42", wantErr: `it has '_', which is not a lowercase letter, a digit or a dash`},
		{name: "stage name starting with a digit", stage: "42", wantErr: `it starts with '4', not a letter`},
		{name: "empty stage name", stage: "", wantErr: "it is empty"},
		{name: "stage name too long", stage: strings.Repeat("a", 21), wantErr: "it has 21 characters, more than 20"},
		{name: "the message says what is allowed", stage: "Prod!", wantErr: `a stage is "dev", "prod", or a throwaway name of 1-20 lowercase letters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ConfigForContext(tt.stage, tt.destroyData)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Stage != tt.stage {
				t.Errorf("Stage: got %q, want %q", cfg.Stage, tt.stage)
			}
			if cfg.DeletionProtection != tt.wantProtection {
				t.Errorf("DeletionProtection: got %v, want %v", cfg.DeletionProtection, tt.wantProtection)
			}
			if got := cfg.StatefulRemovalPolicy(); got != tt.wantRemoval {
				t.Errorf("StatefulRemovalPolicy: got %v, want %v", got, tt.wantRemoval)
			}
		})
	}
}

func TestParseCanary(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		err      string
	}{
		{"none", "none", nil, ""},
		{"one", "api", []string{"api"}, ""},
		{"several, spaces", "api, kitchen", []string{"api", "kitchen"}, ""},
		{"unknown", "api,chef", nil, `stacks: canary "api,chef" names "chef", which is not a function (api, publisher, kitchen, importer, sweeper, notifier, or none)`},
		{"empty", "", nil, `stacks: canary "" names "", which is not a function (api, publisher, kitchen, importer, sweeper, notifier, or none)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCanary(tt.in)
			if gotErr := fmt.Sprint(err); (tt.err == "" && err != nil) || (tt.err != "" && gotErr != tt.err) {
				t.Fatalf("got error %v, want %q", err, tt.err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
