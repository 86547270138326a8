package localrun

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/orderflow/internal/orderevents"
)

// eventsAssembly writes a cloud assembly whose service stack has the event
// wiring as the stacks synthesize it (bus with a Name, topic without one, a
// rule targeting the notifier) and returns it loaded.
func eventsAssembly(t *testing.T) *Assembly {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("manifest.json", map[string]any{"version": "55.0.0", "artifacts": map[string]any{
		"App-test-Service": map[string]any{"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/eu-west-1",
			"properties": map[string]any{"templateFile": "App-test-Service.template.json"}},
	}})
	env := func(vars map[string]any) map[string]any {
		return map[string]any{"Type": TypeFunction, "Properties": map[string]any{"Environment": map[string]any{"Variables": vars}}}
	}
	write("App-test-Service.template.json", map[string]any{"Resources": map[string]any{
		"OrderEventsBusE5170980": map[string]any{"Type": TypeEventBus, "Properties": map[string]any{"Name": "AppOrderEventsBusDBBB9087"}},
		"OrderEventsNotificationsFDC47A85": map[string]any{"Type": TypeTopic, "Properties": map[string]any{
			"KmsMasterKeyId": map[string]any{"Fn::Join": []any{"", []any{"arn:aws:kms:eu-west-1:", map[string]any{"Ref": "AWS::AccountId"}, ":alias/aws/sns"}}}}},
		"KitchenFunctionC623ED9C": env(map[string]any{
			orderevents.EnvBusName: map[string]any{"Ref": "OrderEventsBusE5170980"},
			"BUS_ARN":              map[string]any{"Fn::GetAtt": []any{"OrderEventsBusE5170980", "Arn"}},
		}),
		"NotifierFunctionAF3DBB87": env(map[string]any{
			orderevents.EnvNotificationTopicARN: map[string]any{"Ref": "OrderEventsNotificationsFDC47A85"},
			"TOPIC_NAME":                        map[string]any{"Fn::GetAtt": []any{"OrderEventsNotificationsFDC47A85", "TopicName"}},
		}),
		// The kitchen and the sweeper are invoked through their live aliases,
		// as the app's sources invoke them.
		"KitchenQueueF2CE4A9C": map[string]any{"Type": TypeQueue},
		"KitchenAlias1439BBD6": map[string]any{"Type": "AWS::Lambda::Alias", "Properties": map[string]any{
			"FunctionName": map[string]any{"Ref": "KitchenFunctionC623ED9C"}, "Name": "live"}},
		"KitchenEventSource94FAD2E5": map[string]any{"Type": "AWS::Lambda::EventSourceMapping", "Properties": map[string]any{
			"EventSourceArn": map[string]any{"Fn::GetAtt": []any{"KitchenQueueF2CE4A9C", "Arn"}},
			"FunctionName": map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::Select": []any{6.0,
				map[string]any{"Fn::Split": []any{":", map[string]any{"Ref": "KitchenAlias1439BBD6"}}}}}, ":live"}}}}},
		"SweeperFunction15FDF226": env(map[string]any{}),
		"SweeperAlias877318D5": map[string]any{"Type": "AWS::Lambda::Alias", "Properties": map[string]any{
			"FunctionName": map[string]any{"Ref": "SweeperFunction15FDF226"}, "Name": "live"}},
		"SweepSchedule608B5E34": map[string]any{"Type": "AWS::Scheduler::Schedule", "Properties": map[string]any{
			"GroupName": "sweeps", "Target": map[string]any{"Arn": map[string]any{"Ref": "SweeperAlias877318D5"}}}},
		"OrderEventsOrderReady7A1B2C3D": map[string]any{"Type": "AWS::Events::Rule", "Properties": map[string]any{
			"EventBusName": map[string]any{"Ref": "OrderEventsBusE5170980"},
			"Targets":      []any{map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{"NotifierFunctionAF3DBB87", "Arn"}}, "Id": "Target0"}},
		}},
	}})
	a, err := LoadAssembly(dir)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The bus's Ref is its name, the topic's Ref its ARN (as in CloudFormation),
// and each function's Uses name the fakes it needs.
func TestFunctionResolvesBusAndTopic(t *testing.T) {
	a := eventsAssembly(t)
	tests := []struct {
		fn       string
		wantEnv  map[string]string
		wantUses []string
	}{
		{fn: "kitchen", wantEnv: map[string]string{
			orderevents.EnvBusName: "AppOrderEventsBusDBBB9087",
			"BUS_ARN":              "arn:aws:events:eu-west-1:123456789012:event-bus/AppOrderEventsBusDBBB9087",
		}, wantUses: []string{TypeEventBus}},
		{fn: "notifier", wantEnv: map[string]string{
			orderevents.EnvNotificationTopicARN: "arn:aws:sns:eu-west-1:123456789012:OrderEventsNotificationsFDC47A85",
			"TOPIC_NAME":                        "OrderEventsNotificationsFDC47A85",
		}, wantUses: []string{TypeTopic}},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			f, err := a.Function("App-test-Service", tt.fn, "")
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(f.Environment, tt.wantEnv) {
				t.Errorf("environment:\n got %v\nwant %v", f.Environment, tt.wantEnv)
			}
			if !slices.Equal(f.Uses, tt.wantUses) {
				t.Errorf("uses: got %v, want %v", f.Uses, tt.wantUses)
			}
		})
	}
	if arn, err := a.RuleARN("App-test-Service", "notifier"); err != nil || arn != "arn:aws:events:eu-west-1:123456789012:rule/OrderEventsOrderReady7A1B2C3D" {
		t.Errorf("rule of the notifier: got %q, %v", arn, err)
	}
}

// A source that invokes a function's alias is the function's: the queue of
// an event source mapping named by the alias's ARN, a schedule.
func TestSourcesThroughAnAlias(t *testing.T) {
	a := eventsAssembly(t)
	if arn, err := a.EventSourceARN("App-test-Service", "kitchen"); err != nil || arn != "arn:aws:sqs:eu-west-1:123456789012:KitchenQueueF2CE4A9C" {
		t.Errorf("event source of the kitchen: got %q, %v", arn, err)
	}
	if arn, err := a.RuleARN("App-test-Service", "sweeper"); err != nil || arn != "arn:aws:scheduler:eu-west-1:123456789012:schedule/sweeps/SweepSchedule608B5E34" {
		t.Errorf("schedule of the sweeper: got %q, %v", arn, err)
	}
	if _, err := a.EventSourceARN("App-test-Service", "notifier"); err == nil || !strings.Contains(err.Error(), "no AWS::Lambda::EventSourceMapping in App-test-Service invokes function notifier") {
		t.Errorf("the notifier has no event source mapping: got %v", err)
	}
}

// sampleTime is a fixed time for sample events.
var sampleTime = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// The notifier's sample event is what the rule delivers for the seeded
// order: the kitchen's detail, from the kitchen's source.
func TestOrderReadySampleEvent(t *testing.T) {
	raw, err := json.Marshal(OrderReady("eu-west-1", SampleOrderID, sampleTime))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	got, err := orderevents.ParseOrderReady(ev.Detail)
	if err != nil || got != orderevents.NewOrderReady(SampleOrderID) {
		t.Errorf("detail: got %+v, %v; want the kitchen's event of %s", got, err, SampleOrderID)
	}
	if ev.Source != orderevents.Source || ev.DetailType != orderevents.DetailTypeOrderReady || ev.AccountID != AccountID ||
		ev.Region != "eu-west-1" || ev.ID == "" || !ev.Time.Equal(sampleTime) || ev.Resources == nil {
		t.Errorf("envelope: got %+v", ev)
	}
	if !strings.Contains(string(raw), `"resources":[]`) {
		t.Errorf("got %s, want resources as an empty list, as EventBridge sends", raw)
	}
}
