package test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/constructstest"
	"github.com/example/orderflow/stacks"
)

// Every function of every stage has a live alias, and every path into a
// function (the API's routes, the queue's and the stream's mappings, the
// rules and the schedule, their invoke permissions and asynchronous-invoke
// settings) invokes that alias, never $LATEST: a rollback moves every path.
func TestEveryInvocationPathTargetsTheAlias(t *testing.T) {
	for _, stage := range []string{stacks.StageDev, stacks.StageProd} {
		t.Run(stage, func(t *testing.T) {
			s := synth(t, stage)
			constructstest.NoUnqualifiedInvocations(t, s.app.Service.Stack, true)
			if got := len(resources(s.service, "AWS::Lambda::Alias")); got != len(s.app.Service.Functions) {
				t.Errorf("got %d aliases, want one per function (%d)", got, len(s.app.Service.Functions))
			}
		})
	}
}

// prod shifts the api, the kitchen and the notifier by canary, each through
// a deployment group of its own that rolls back on the new version's
// errors, throttles and p99 duration alarms; dev moves every alias at once
// (no CodeDeploy).
func TestCanaryDeploymentsWithRollbackAlarms(t *testing.T) {
	dev := synth(t, stacks.StageDev)
	if got := resources(dev.service, "AWS::CodeDeploy::DeploymentGroup"); len(got) != 0 {
		t.Errorf("dev: got %d deployment groups, want none (all at once)", len(got))
	}
	prod := synth(t, stacks.StageProd)
	cfg, _ := stacks.ConfigFor(stacks.StageProd)
	if want := []string{"api", "kitchen", "notifier"}; !slices.Equal(cfg.Canary, want) {
		t.Fatalf("prod Canary: got %v, want %v", cfg.Canary, want)
	}
	groups := resources(prod.service, "AWS::CodeDeploy::DeploymentGroup")
	if len(groups) != len(cfg.Canary) {
		t.Errorf("prod: got %d deployment groups, want one per canary function (%d)", len(groups), len(cfg.Canary))
	}
	for _, name := range cfg.Canary {
		f := prod.app.Service.Functions[name]
		if f.DeploymentGroup == nil {
			t.Errorf("%s: no deployment group", name)
			continue
		}
		var wantAlarms []any
		for _, a := range []awscloudwatch.Alarm{f.NewVersionErrorsAlarm, f.NewVersionThrottlesAlarm, f.NewVersionDurationAlarm} {
			wantAlarms = append(wantAlarms, map[string]any{"Name": map[string]any{"Ref": logicalID(prod.app.Service.Stack, a)}})
		}
		prod.service.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentGroup"), &map[string]any{
			"DeploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
			"AutoRollbackConfiguration": map[string]any{
				"Enabled": true,
				"Events":  assertions.Match_ArrayWith(&[]any{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}),
			},
			"AlarmConfiguration": map[string]any{"Enabled": true, "Alarms": assertions.Match_ArrayWith(&wantAlarms)},
		})
		// The rollback alarms measure the new version only (ExecutedVersion
		// of the live alias), so the old version's traffic during the canary
		// never rolls a deployment back.
		for _, a := range []awscloudwatch.Alarm{f.NewVersionErrorsAlarm, f.NewVersionThrottlesAlarm} {
			r := prod.service.ToJSON()
			res := (*r)["Resources"].(map[string]any)[logicalID(prod.app.Service.Stack, a)].(map[string]any)
			dims := mustJSON(props(res)["Dimensions"])
			if !strings.Contains(dims, `"ExecutedVersion"`) || !strings.Contains(dims, `"Resource"`) {
				t.Errorf("%s rollback alarm %s: dimensions %s, want FunctionName, Resource (the alias) and ExecutedVersion", name, *a.Node().Path(), dims)
			}
		}
	}
	for _, name := range []string{"publisher", "importer", "sweeper"} {
		if prod.app.Service.Functions[name].DeploymentGroup != nil {
			t.Errorf("prod %s: got a deployment group, want all at once", name)
		}
	}
}
