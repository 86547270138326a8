// Package stacks defines the order flow's two stacks: Stateful (the Orders
// table and the Uploads bucket, protected and retained) and Service (the
// functions, the API, the queues and the schedule), and the per-stage Config
// that decides what differs between a dev and a prod deployment.
package stacks

import (
	"fmt"
	"regexp"
	"slices"
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
	// LogRetention of every function's and the API's log group: 2 weeks in
	// dev, 1 year in prod (at least 365 days, a common audit baseline).
	LogRetention awslogs.RetentionDays
	// StaleAfter: how long an order may stay PENDING before the sweeper
	// sends it to the kitchen again.
	StaleAfter time.Duration
	// ApiRateLimit and ApiBurstLimit throttle the HTTP API stage (requests
	// per second, and burst: requests at the same moment). Why these
	// values: docs/capacity.md (the account's default for all its APIs in a
	// Region is 10,000 per second with a burst of 5,000). The burst stays
	// at or under ApiReservedConcurrency, when set: a burst the api's
	// reservation cannot run at once would be throttled by Lambda (the
	// caller gets a 5xx) instead of by the stage (a 429 it can retry).
	ApiRateLimit, ApiBurstLimit float64
	// DestroyData makes the Orders table, the buckets and the log groups go
	// with their stack (removal policy DESTROY) instead of staying behind
	// (RETAIN, the default in every stage). Only for throwaway stages; never
	// prod.
	DestroyData bool
	// LogLevel of every function's application logs: Lambda filters at it
	// and the handlers read it as AWS_LAMBDA_LOG_LEVEL. Keep it INFO or
	// below: Lambda takes the business metrics' lines (EMF) as INFO.
	LogLevel awslambda.ApplicationLogLevel
	// LegacyStatusIndex keeps the Orders table's old status index
	// (orders.LegacyStatusIndexName) next to the pending index: only for the
	// one release that moves a deployment from one to the other
	// (CloudFormation adds or deletes one index per update; README, "Moving
	// to the pending index"). Context -c legacyStatusIndex=true. Default:
	// false (the pending index only).
	LegacyStatusIndex bool

	// Capacity settings; docs/capacity.md (make capacity) derives what
	// each allows from the measured durations, and its tests fail when a
	// setting no longer fits the others.

	// ApiReservedConcurrency reserves concurrency for the api function (0:
	// none, the account's unreserved pool). The api answers callers
	// synchronously: a reservation keeps its share when the queue and
	// stream consumers scale out (a kitchen catching up), which would
	// otherwise throttle POST /orders. It must cover ApiRateLimit x the
	// api's duration with room for slower calls; it also caps the api.
	ApiReservedConcurrency float64
	// KitchenMaxConcurrency caps the concurrent invocations the kitchen
	// queue's event source starts (2-1,000). It bounds how fast a kitchen
	// catching up on a backlog writes: each order it prepares is two
	// table writes and one delete on its pending-index shard, and both the
	// table (40,000 write units per second by default) and each shard
	// (1,000) have a ceiling. The simulation proves the shards safe up to
	// flowsim.CatchUpFactor x the order rate; this cap keeps the kitchen
	// under that at ApiRateLimit.
	KitchenMaxConcurrency float64
	// PublisherParallelization is the stream consumer's parallelization
	// factor (1-10): concurrent batches per stream shard. At 10,000 orders
	// per second each shard carries a few hundred new orders a second; 2
	// keeps each shard's publisher under half busy, so the iterator age
	// stays at the polling interval.
	PublisherParallelization float64

	// Canary names the functions whose new versions take traffic gradually:
	// CodeDeploy moves 10% of the live alias to the new version, waits 5
	// minutes, then moves the rest, and rolls the alias back to the old
	// version when the new version's errors, throttles or p99 duration
	// alarm (gofunction.DeploymentProps: measured on the new version only)
	// in that time. The others move all at once when CloudFormation updates
	// their alias. Every function of every stage has a live alias, which
	// every source invokes (never $LATEST), so a rollback covers every path
	// into the function. docs/operations.md says how to watch a deployment
	// and what a rollback looks like.
	Canary []string
}

// StatefulRemovalPolicy is RETAIN unless the stage opted in to DestroyData:
// the removal policy of the table, the buckets and the log groups.
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
			StaleAfter: 15 * time.Minute, ApiRateLimit: 20, ApiBurstLimit: 40, LogLevel: awslambda.ApplicationLogLevel_DEBUG,
			// dev: a cost guard on the API, no reservation (it would take from
			// the account's pool); the same caps as prod downstream.
			KitchenMaxConcurrency: 110, PublisherParallelization: 3}, nil
	case StageProd:
		return Config{Stage: stage, DeletionProtection: true, LogRetention: awslogs.RetentionDays_ONE_YEAR,
			// Half the account's regional API quota, which every API of the
			// account shares; raise it with a quota increase (docs/capacity.md).
			StaleAfter: 15 * time.Minute, ApiRateLimit: 5000, ApiBurstLimit: 100, LogLevel: awslambda.ApplicationLogLevel_INFO,
			// Three concurrent batches per stream shard keep the publisher
			// under half busy at 10,000 orders/s (TestSettingsFit; two
			// measured 58% against the local DynamoDB).
			ApiReservedConcurrency: 100, PublisherParallelization: 3,
			// The kitchen's measured duration against the local DynamoDB
			// (12-20 ms a warm invocation over the bench runs) puts its
			// capacity at about 50-86 orders/s per concurrent invocation, so
			// 110 keeps a catching-up kitchen between ApiRateLimit and 2.5x it
			// (TestSettingsFit) whichever run's figure holds.
			KitchenMaxConcurrency: 110,
			// The synchronous api and the kitchen and notifier, whose failures
			// customers see first; the publisher, importer and sweeper are
			// retried by their sources and move all at once.
			Canary: []string{"api", "kitchen", "notifier"}}, nil
	}
	return Config{}, fmt.Errorf("stacks: stage %q is not one of %q, %q", stage, StageDev, StageProd)
}

// ParseLegacyStatusIndex reads the legacyStatusIndex context value: "" or
// "false" (the pending index only) or "true" (Config.LegacyStatusIndex).
// FunctionNames are the service's functions in the order of the flow, the
// order of the dashboard's lines.
var FunctionNames = []string{"api", "publisher", "kitchen", "importer", "sweeper", "notifier"}

// ParseCanary reads the context value canary: the functions to deploy by
// canary in place of the stage's Config.Canary, comma-separated ("api,kitchen"),
// or "none" for all at once (`-c canary=none`, `-c canary=api`). Unknown
// function names are an error naming them.
func ParseCanary(v string) ([]string, error) {
	if v == "none" {
		return nil, nil
	}
	var names []string
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(FunctionNames, name) {
			return nil, fmt.Errorf("stacks: canary %q names %q, which is not a function (%s, or none)", v, name, strings.Join(FunctionNames, ", "))
		}
		names = append(names, name)
	}
	return names, nil
}

func ParseLegacyStatusIndex(v string) (bool, error) {
	switch v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, fmt.Errorf("stacks: legacyStatusIndex %q is not true or false", v)
}
