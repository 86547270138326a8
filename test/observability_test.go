package test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/stacks"
)

// Every function is traced, logs JSON at its stage's level, knows its stage
// (the Stage dimension of its metrics) and has its three alarms, notifying
// the stage's alarm topic.
func TestEveryFunctionIsTracedLoggedAndAlarmed(t *testing.T) {
	for _, stage := range []string{stacks.StageDev, stacks.StageProd} {
		t.Run(stage, func(t *testing.T) {
			s := synth(t, stage)
			cfg, _ := stacks.ConfigFor(stage)
			alarms := resources(s.service, "AWS::CloudWatch::Alarm")
			fnIDs := map[string]string{}
			for name, f := range s.app.Service.Functions {
				fnIDs[name] = logicalID(s.app.Service.Stack, f.Function.Node().DefaultChild())
			}
			for name, f := range resourcesByName(s) {
				p := props(f)
				if got := mustJSON(p["TracingConfig"]); got != `{"Mode":"Active"}` {
					t.Errorf("%s: TracingConfig got %s, want Active", name, got)
				}
				lc, _ := p["LoggingConfig"].(map[string]any)
				if lc["LogFormat"] != "JSON" || lc["ApplicationLogLevel"] != string(cfg.LogLevel) {
					t.Errorf("%s: LoggingConfig got %s, want JSON at %s", name, mustJSON(lc), cfg.LogLevel)
				}
				env, _ := p["Environment"].(map[string]any)["Variables"].(map[string]any)
				if env[ordermetrics.EnvStage] != stage {
					t.Errorf("%s: %s got %v, want %s", name, ordermetrics.EnvStage, env[ordermetrics.EnvStage], stage)
				}
				var got []string
				for _, a := range alarms {
					ap := props(a)
					if ref(dimension(ap, "FunctionName")) == fnIDs[name] && ap["Namespace"] == "AWS/Lambda" {
						got = append(got, ap["MetricName"].(string))
					}
				}
				want := []string{"Duration", "Errors", "Throttles"}
				if name == "publisher" {
					want = append(want, "IteratorAge") // its stream source's alarm
				}
				if name == "importer" || name == "sweeper" || name == "notifier" {
					want = append(want, "DestinationDeliveryFailures") // invoked asynchronously
				}
				if slices.Contains(cfg.Canary, name) {
					// The rollback alarms: the same metrics of the new version.
					want = append(want, "Duration", "Errors", "Throttles")
				}
				if slices.Sort(got); !slices.Equal(got, sorted(want)) {
					t.Errorf("%s: alarms on %v, want %v", name, got, want)
				}
			}
		})
	}
}

// Every alarm of the stack notifies the alarm topic on ALARM and OK, and
// none has a physical name.
func TestEveryAlarmNotifiesTheAlarmTopic(t *testing.T) {
	s := synth(t, stacks.StageDev)
	topic := logicalID(s.app.Service.Stack, s.app.Service.Alarms.Topic.Node().DefaultChild())
	alarms := resources(s.service, "AWS::CloudWatch::Alarm")
	// 3 per function, API 5xx and latency, kitchen queue age, iterator age,
	// one per dead-letter queue (5), the OrderReady and Incoming rules'
	// FailedInvocations, the Orders table's throttles, the destination
	// deliveries of the three functions invoked asynchronously.
	if got, want := len(alarms), 3*len(functionNames)+2+1+1+5+2+1+3; got != want {
		t.Errorf("got %d alarms, want %d", got, want)
	}
	// The composite alarm that tells the topic about the stateful stack's
	// idempotency table alarm (CDK names composite alarms itself).
	composites := resources(s.service, "AWS::CloudWatch::CompositeAlarm")
	if len(composites) != 1 {
		t.Errorf("got %d composite alarms, want 1 (IdempotencyThrottleNotice)", len(composites))
	}
	for id, a := range composites {
		alarms[id] = a
	}
	want := `[{"Ref":"` + topic + `"}]`
	for id, a := range alarms {
		p := props(a)
		if got := mustJSON(p["AlarmActions"]); got != want {
			t.Errorf("%s: AlarmActions got %s, want %s", id, got, want)
		}
		if got := mustJSON(p["OKActions"]); got != want {
			t.Errorf("%s: OKActions got %s, want %s", id, got, want)
		}
		if _, composite := composites[id]; p["AlarmName"] != nil && !composite {
			t.Errorf("%s: AlarmName %v, want none (no physical names)", id, p["AlarmName"])
		}
		if p["AlarmDescription"] == nil {
			t.Errorf("%s: no AlarmDescription", id)
		}
	}
}

// Every queue that is not a work queue (those have a redrive policy) is a
// dead-letter queue, and has an alarm on its first message.
func TestEveryDeadLetterQueueHasAnAlarm(t *testing.T) {
	s := synth(t, stacks.StageDev)
	alarmed := map[string]bool{}
	for _, a := range resources(s.service, "AWS::CloudWatch::Alarm") {
		p := props(a)
		if p["MetricName"] == "ApproximateNumberOfMessagesVisible" && p["Threshold"] == 0.0 &&
			p["ComparisonOperator"] == "GreaterThanThreshold" && p["TreatMissingData"] == "ignore" {
			alarmed[ref(dimension(p, "QueueName"))] = true
		}
	}
	var dlqs int
	for id, q := range resources(s.service, "AWS::SQS::Queue") {
		if props(q)["RedrivePolicy"] != nil {
			continue
		}
		dlqs++
		if !alarmed[id] {
			t.Errorf("dead-letter queue %s has no alarm on its depth", id)
		}
	}
	if dlqs != 5 {
		t.Errorf("got %d dead-letter queues, want 5 (kitchen, publisher, importer, sweeper, notifier)", dlqs)
	}
}

func TestServiceHasAlarmTopicAndDashboard(t *testing.T) {
	s := synth(t, stacks.StageProd)
	stack := s.app.Service.Stack
	s.service.ResourceCountIs(jsii.String("AWS::SNS::Topic"), jsii.Number(2)) // alarms, notifications
	topic := props(resources(s.service, "AWS::SNS::Topic")[logicalID(stack, s.app.Service.Alarms.Topic.Node().DefaultChild())])
	if ref(topic["KmsMasterKeyId"]) != logicalID(stack, s.app.Service.Alarms.Key.Node().DefaultChild()) {
		t.Errorf("alarm topic KmsMasterKeyId got %s, want the topic's own key", mustJSON(topic["KmsMasterKeyId"]))
	}

	dashboards := resources(s.service, "AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("got %d dashboards, want 1", len(dashboards))
	}
	for id, d := range dashboards {
		p := props(d)
		if p["DashboardName"] != nil {
			t.Errorf("%s: DashboardName %v, want none (no physical names)", id, p["DashboardName"])
		}
		body := mustJSON(p["DashboardBody"])
		var want []string
		for _, m := range []string{ordermetrics.OrdersCreated, ordermetrics.OrdersPrepared, ordermetrics.StaleOrdersResent, ordermetrics.ImportRowsRejected} {
			want = append(want, `\"`+ordermetrics.Namespace+`\",\"`+m+`\",\"Service\",`)
		}
		want = append(want, `\"Stage\",\"prod\"`, // this stage's business metrics only
			`\"AWS/ApiGateway\",\"5xx\"`, `\"AWS/ApiGateway\",\"Latency\"`, `\"AWS/Lambda\",\"Invocations\"`,
			`\"AWS/Lambda\",\"Errors\"`, `\"AWS/Lambda\",\"Duration\"`, `\"AWS/Lambda\",\"IteratorAge\"`,
			`\"AWS/SQS\",\"ApproximateAgeOfOldestMessage\"`, `\"AWS/SQS\",\"ApproximateNumberOfMessagesVisible\"`,
			`\"type\":\"alarm\"`)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("dashboard body has no %s", w)
			}
		}
		// One line per dead-letter queue, one alarm-status entry per alarm.
		for _, q := range []string{
			logicalID(stack, s.app.Service.Kitchen.DeadLetterQueue.Node().DefaultChild()),
			logicalID(stack, s.app.Service.Publisher.DeadLetterQueue.Node().DefaultChild()),
			logicalID(stack, s.app.Service.Importer.DeadLetterQueue.Node().DefaultChild()),
			logicalID(stack, s.app.Service.Sweeper.DeadLetterQueue.Node().DefaultChild()),
			logicalID(stack, s.app.Service.Events.DeadLetterQueue.Node().DefaultChild()),
		} {
			if !strings.Contains(body, `"`+q+`","QueueName"`) {
				t.Errorf("dashboard has no line for dead-letter queue %s", q)
			}
		}
		for id := range resources(s.service, "AWS::CloudWatch::Alarm") {
			if !strings.Contains(body, `"`+id+`","Arn"`) {
				t.Errorf("dashboard's alarm widget misses alarm %s", id)
			}
		}
	}
	outputs := (*s.service.ToJSON())["Outputs"].(map[string]any)
	for _, o := range []string{"AlarmTopicArn", "DashboardName"} {
		if outputs[o] == nil {
			t.Errorf("no output %s", o)
		}
	}
}

// dimension returns the value of an alarm's dimension name, or nil.
func dimension(alarmProps map[string]any, name string) any {
	dims, _ := alarmProps["Dimensions"].([]any)
	for _, d := range dims {
		if m, _ := d.(map[string]any); m["Name"] == name {
			return m["Value"]
		}
	}
	return nil
}
