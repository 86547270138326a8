package test

import (
	"strings"
	"testing"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/stacks"
)

// The kitchen's OrderReady events reach the notifier: bus with archive,
// rule with retries and a dead-letter queue, the notifier's asynchronous
// retries into the same queue, the environment that names bus and topic.
func TestOrderEventsWiring(t *testing.T) {
	s := synth(t, stacks.StageDev)
	stack := s.app.Service.Stack
	ev := s.app.Service.Events
	bus := logicalID(stack, ev.Bus.Node().DefaultChild())
	rule := logicalID(stack, ev.Rule.Node().DefaultChild())
	dlq := logicalID(stack, ev.DeadLetterQueue.Node().DefaultChild())
	topic := logicalID(stack, ev.Topic.Node().DefaultChild())
	fns := resourcesByName(s)
	notifier := logicalID(stack, s.app.Service.Functions["notifier"].Function.Node().DefaultChild())
	notifierAlias := logicalID(stack, s.app.Service.Functions["notifier"].Alias)

	if buses := resources(s.service, "AWS::Events::EventBus"); len(buses) != 1 || buses[bus] == nil {
		t.Fatalf("got event buses %v, want one: %s", keys(buses), bus)
	}
	archives := resources(s.service, "AWS::Events::Archive")
	if len(archives) != 1 {
		t.Fatalf("got %d archives, want 1", len(archives))
	}
	for id, a := range archives {
		p := props(a)
		if ref(p["SourceArn"]) != bus || p["RetentionDays"] != float64(stacks.OrderEventsArchiveRetentionDays) {
			t.Errorf("archive %s: SourceArn %s, RetentionDays %v; want the bus, %d", id, mustJSON(p["SourceArn"]), p["RetentionDays"], stacks.OrderEventsArchiveRetentionDays)
		}
		if _, ok := p["KmsKeyIdentifier"]; ok {
			t.Errorf("archive %s: KmsKeyIdentifier %s, want none (aws/aws-cdk#37847: \"\" fails in some regions)", id, mustJSON(p["KmsKeyIdentifier"]))
		}
		if got, want := mustJSON(p["EventPattern"]), `{"source":[{"prefix":""}]}`; got != want {
			t.Errorf("archive %s: EventPattern %s, want %s (every event)", id, got, want)
		}
	}

	r := props(resources(s.service, "AWS::Events::Rule")[rule])
	if ref(r["EventBusName"]) != bus {
		t.Errorf("rule EventBusName: got %s, want the orders bus %s", mustJSON(r["EventBusName"]), bus)
	}
	if got, want := mustJSON(r["EventPattern"]), `{"detail-type":["`+orderevents.DetailTypeOrderReady+`"],"source":["`+orderevents.Source+`"]}`; got != want {
		t.Errorf("rule EventPattern: got %s, want %s", got, want)
	}
	targets, _ := r["Targets"].([]any)
	if len(targets) != 1 {
		t.Fatalf("rule targets: got %d, want 1", len(targets))
	}
	tg := targets[0].(map[string]any)
	if ref(tg["Arn"]) != notifierAlias || ref(tg["DeadLetterConfig"].(map[string]any)["Arn"]) != dlq ||
		mustJSON(tg["RetryPolicy"]) != `{"MaximumEventAgeInSeconds":86400,"MaximumRetryAttempts":185}` {
		t.Errorf("rule target: got %s, want the notifier's live alias %s, DLQ %s, 185 retries over 24 h", mustJSON(tg), notifierAlias, dlq)
	}

	var invokeConfigs int
	for _, c := range resources(s.service, "AWS::Lambda::EventInvokeConfig") {
		p := props(c)
		if ref(p["FunctionName"]) != notifier {
			continue
		}
		invokeConfigs++
		dest, _ := p["DestinationConfig"].(map[string]any)
		onFailure, _ := dest["OnFailure"].(map[string]any)
		if p["MaximumRetryAttempts"] != 2.0 || p["MaximumEventAgeInSeconds"] != 21600.0 || ref(onFailure["Destination"]) != dlq {
			t.Errorf("notifier's async config: got %s, want 2 retries, 6 h, on failure to %s", mustJSON(p), dlq)
		}
		// The rule invokes the live alias, whose own configuration applies.
		if !strings.Contains(mustJSON(p["Qualifier"]), `"Ref":"`+notifierAlias+`"`) {
			t.Errorf("notifier's async config Qualifier: got %s, want the live alias %s", mustJSON(p["Qualifier"]), notifierAlias)
		}
	}
	if invokeConfigs != 1 {
		t.Errorf("got %d EventInvokeConfig for the notifier, want 1", invokeConfigs)
	}

	// EventBridge may send to the DLQ for this rule only.
	var eventsMaySend bool
	for _, qp := range resources(s.service, "AWS::SQS::QueuePolicy") {
		p := props(qp)
		if !strings.Contains(mustJSON(p["Queues"]), `"`+dlq+`"`) {
			continue
		}
		for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			stmt := mustJSON(st)
			if strings.Contains(stmt, `"Service":"events.amazonaws.com"`) && strings.Contains(stmt, `"sqs:SendMessage"`) &&
				strings.Contains(stmt, `"aws:SourceArn":{"Fn::GetAtt":["`+rule+`","Arn"]}`) {
				eventsMaySend = true
			}
		}
	}
	if !eventsMaySend {
		t.Error("the DLQ's policy does not let EventBridge send to it for the OrderReady rule")
	}

	env := func(fn, name string) any {
		e, _ := props(fns[fn])["Environment"].(map[string]any)
		vars, _ := e["Variables"].(map[string]any)
		return vars[name]
	}
	if got := ref(env("kitchen", orderevents.EnvBusName)); got != bus {
		t.Errorf("kitchen %s: got %s, want Ref %s", orderevents.EnvBusName, mustJSON(env("kitchen", orderevents.EnvBusName)), bus)
	}
	if got := ref(env("notifier", orderevents.EnvNotificationTopicARN)); got != topic {
		t.Errorf("notifier %s: got %s, want Ref %s (a topic's Ref is its ARN)", orderevents.EnvNotificationTopicARN, mustJSON(env("notifier", orderevents.EnvNotificationTopicARN)), topic)
	}
}

// Least privilege both ways on exactly the bus and the topic: the kitchen
// may put events on the orders bus and nowhere else; the notifier may
// publish to the notifications topic and nothing else, with no KMS grant
// (the AWS managed key needs none).
func TestOrderEventsGrants(t *testing.T) {
	s := synth(t, stacks.StageDev)
	stack := s.app.Service.Stack
	ev := s.app.Service.Events
	bus := logicalID(stack, ev.Bus.Node().DefaultChild())
	topic := logicalID(stack, ev.Topic.Node().DefaultChild())

	statements := func(fn string) []map[string]any {
		role := logicalID(stack, s.app.Service.Functions[fn].Role.Node().DefaultChild())
		var out []map[string]any
		for _, pol := range resources(s.service, "AWS::IAM::Policy") {
			p := props(pol)
			if !strings.Contains(mustJSON(p["Roles"]), `{"Ref":"`+role+`"}`) {
				continue
			}
			for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				out = append(out, st.(map[string]any))
			}
		}
		return out
	}
	grants := func(fn, prefix string) []string {
		var out []string
		for _, st := range statements(fn) {
			for _, a := range asStrings(st["Action"]) {
				if strings.HasPrefix(a, prefix) {
					out = append(out, a+" on "+mustJSON(st["Resource"]))
				}
			}
		}
		return out
	}
	wantPut := `events:PutEvents on {"Fn::GetAtt":["` + bus + `","Arn"]}`
	if got := grants("kitchen", "events:"); len(got) != 1 || got[0] != wantPut {
		t.Errorf("kitchen events grants: got %q, want only %s", got, wantPut)
	}
	wantPublish := `sns:Publish on {"Ref":"` + topic + `"}`
	if got := grants("notifier", "sns:"); len(got) != 1 || got[0] != wantPublish {
		t.Errorf("notifier sns grants: got %q, want only %s", got, wantPublish)
	}
	for fn := range s.app.Service.Functions {
		if got := grants(fn, "kms:"); len(got) != 0 {
			t.Errorf("%s kms grants: got %q, want none", fn, got)
		}
		if fn != "kitchen" && len(grants(fn, "events:")) != 0 {
			t.Errorf("%s may put events: %q, want only the kitchen", fn, grants(fn, "events:"))
		}
		if fn != "notifier" && len(grants(fn, "sns:")) != 0 {
			t.Errorf("%s may publish to SNS: %q, want only the notifier", fn, grants(fn, "sns:"))
		}
	}
}

// Every topic of the service stack is encrypted at rest and refuses
// requests without TLS.
func TestEveryTopicIsEncryptedAndTLSOnly(t *testing.T) {
	s := synth(t, stacks.StageDev)
	policies := resources(s.service, "AWS::SNS::TopicPolicy")
	topics := resources(s.service, "AWS::SNS::Topic")
	if len(topics) == 0 {
		t.Fatal("no topics")
	}
	for id, tp := range topics {
		if props(tp)["KmsMasterKeyId"] == nil {
			t.Errorf("topic %s: no KmsMasterKeyId", id)
		}
		if !deniesInsecureTransport(policies, "Topics", id) {
			t.Errorf("topic %s: no policy denying aws:SecureTransport false", id)
		}
	}
	notifications := props(topics[logicalID(s.app.Service.Stack, s.app.Service.Events.Topic.Node().DefaultChild())])
	if got := mustJSON(notifications["KmsMasterKeyId"]); !strings.Contains(got, "alias/aws/sns") || notifications["SignatureVersion"] != "2" {
		t.Errorf("notifications topic: KmsMasterKeyId %s, SignatureVersion %v; want alias/aws/sns and 2", got, notifications["SignatureVersion"])
	}
}

func asStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

func keys(m map[string]map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return sorted(out)
}
