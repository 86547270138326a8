// Package stacks defines the order flow's two stacks: Stateful (the Orders
// table and the Uploads bucket, protected and retained) and Service (the
// functions, the API, the queues and the schedule), and the per-stage Config
// that decides what differs between a dev and a prod deployment.
package stacks

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Stage names accepted by ConfigFor.
const (
	StageDev  = "dev"
	StageProd = "prod"
)

// Config is what differs between stages. Build it with ConfigFor.
type Config struct {
	// Stage is "dev" or "prod"; it prefixes stack names so stages can share
	// an account.
	Stage string
	// DeletionProtection on the Orders table (prod only). Stateful resources
	// are RETAIN in every stage regardless.
	DeletionProtection bool
	// LogRetention of every function's and the API's log group.
	LogRetention awslogs.RetentionDays
	// StaleAfter: how long an order may stay PENDING before the sweeper
	// sends it to the kitchen again.
	StaleAfter time.Duration
	// ApiRateLimit and ApiBurstLimit throttle the HTTP API stage (requests
	// per second, and burst).
	ApiRateLimit, ApiBurstLimit float64
	// DestroyData makes the Orders table and the Uploads bucket go with their
	// stack (removal policy DESTROY) instead of staying behind (RETAIN, the
	// default in every stage). Only for throwaway stages; never prod.
	DestroyData bool
	// LogLevel of every function's application logs: Lambda filters at it
	// and the handlers read it as AWS_LAMBDA_LOG_LEVEL. Keep it INFO or
	// below: Lambda takes the business metrics' lines (EMF) as INFO.
	LogLevel awslambda.ApplicationLogLevel
}

// StatefulRemovalPolicy is RETAIN unless the stage opted in to DestroyData.
func (c Config) StatefulRemovalPolicy() awscdk.RemovalPolicy {
	if c.DestroyData {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_RETAIN
}

var stageName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)

// ConfigForContext returns the configuration of a stage given the app's
// context values: stage ("dev", "prod", or any other name of 1-20 lowercase
// letters, digits and dashes for a throwaway stage configured like dev) and
// destroyData ("true" to opt in to DestroyData; refused for prod).
func ConfigForContext(stage, destroyData string) (Config, error) {
	base := stage
	if stage != StageProd && stage != StageDev {
		if rule := stageNameRule(stage); rule != "" {
			return Config{}, fmt.Errorf("stacks: stage %q is not a valid stage name: %s (a stage is %q, %q, or a throwaway "+
				"name of 1-20 lowercase letters, digits and dashes that starts with a letter, e.g. \"pr-42\")", stage, rule, StageDev, StageProd)
		}
		base = StageDev // a throwaway stage, e.g. "pr-42"
	}
	cfg, err := ConfigFor(base)
	if err != nil {
		return Config{}, err
	}
	cfg.Stage = stage
	switch destroyData {
	case "", "false":
	case "true":
		if stage == StageProd {
			return Config{}, fmt.Errorf("stacks: destroyData=true is refused for stage %q: its data is retained", stage)
		}
		cfg.DestroyData = true
	default:
		return Config{}, fmt.Errorf("stacks: destroyData %q is not true or false", destroyData)
	}
	return cfg, nil
}

// stageNameRule returns the rule of stage names that name breaks, or "" when
// it is a valid throwaway stage name (stageName).
func stageNameRule(name string) string {
	switch {
	case name == "":
		return "it is empty"
	case len(name) > 20:
		return fmt.Sprintf("it has %d characters, more than 20", len(name))
	case strings.ToLower(name) != name:
		return "it has uppercase letters (stage names are lowercase: they name stacks and resources)"
	case name[0] < 'a' || name[0] > 'z':
		return fmt.Sprintf("it starts with %q, not a letter", name[0])
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Sprintf("it has %q, which is not a lowercase letter, a digit or a dash", r)
		}
	}
	if !stageName.MatchString(name) {
		return "it does not match " + stageName.String()
	}
	return ""
}

// ConfigFor returns the configuration of a stage ("dev" or "prod"); any other
// name is an error naming it.
func ConfigFor(stage string) (Config, error) {
	switch stage {
	case StageDev:
		return Config{Stage: stage, LogRetention: awslogs.RetentionDays_TWO_WEEKS,
			StaleAfter: 15 * time.Minute, ApiRateLimit: 20, ApiBurstLimit: 40, LogLevel: awslambda.ApplicationLogLevel_DEBUG}, nil
	case StageProd:
		return Config{Stage: stage, DeletionProtection: true, LogRetention: awslogs.RetentionDays_THREE_MONTHS,
			StaleAfter: 15 * time.Minute, ApiRateLimit: 200, ApiBurstLimit: 400, LogLevel: awslambda.ApplicationLogLevel_INFO}, nil
	}
	return Config{}, fmt.Errorf("stacks: stage %q is not one of %q, %q", stage, StageDev, StageProd)
}
