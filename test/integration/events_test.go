package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/idempotency"
	"github.com/example/orderflow/tools/localrun"
)

const (
	idempotencyTable = "Idempotency"
	busName          = "orders"
	topicARN         = "arn:aws:sns:" + region + ":" + localrun.AccountID + ":notifications"
)

// startEventBridge starts the recording fake EventBridge (sends are checked
// at the SDK boundary: nothing routes them).
func startEventBridge(t *testing.T, fake *localrun.FakeEventBridge) string {
	t.Helper()
	srv, err := localrun.Serve(0, fake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Endpoint
}

// startSNS starts the recording fake SNS, which knows one topic: topicARN.
func startSNS(t *testing.T) (*localrun.FakeSNS, string) {
	t.Helper()
	fake := &localrun.FakeSNS{Topics: []string{topicARN}}
	srv, err := localrun.Serve(0, fake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return fake, srv.Endpoint
}

// TestKitchenPutsOrderReadyOnTheBus: a kitchen batch makes two orders READY
// and their OrderReady events reach EventBridge (the fake at the SDK
// boundary) with the kitchen's source, detail-type and detail. A
// redelivered batch puts the same events again, byte for byte. An entry
// EventBridge rejects (FailedEntryCount 1) fails only its message, and the
// redelivery of that message puts the event.
func TestKitchenPutsOrderReadyOnTheBus(t *testing.T) {
	d, db := startDynamo(t)
	reject := map[string]bool{}
	fake := &localrun.FakeEventBridge{Reject: func(e localrun.PutEvent) string {
		if reject[e.Detail] {
			return "InternalFailure"
		}
		return ""
	}}
	ebURL := startEventBridge(t, fake)
	emu := startFunction(t, "kitchen", map[string]string{orders.EnvTableName: table, orderevents.EnvBusName: busName},
		localrun.Endpoints{DynamoDB: d.Endpoint, EventBridge: ebURL})
	now := time.Now()
	for _, id := range []string{"ord_E1", "ord_E2", "ord_E3"} {
		storeOrder(t, db, id, now)
	}
	queueARN := "arn:aws:sqs:" + region + ":" + localrun.AccountID + ":kitchen"
	body := func(id string) string {
		b, _ := json.Marshal(orders.KitchenMessage{OrderID: id})
		return string(b)
	}
	deliver := func(batch events.SQSEvent) []string {
		t.Helper()
		var resp events.SQSEventResponse
		if err := json.Unmarshal(invoke(t, emu, batch), &resp); err != nil {
			t.Fatal(err)
		}
		failed := []string{}
		for _, f := range resp.BatchItemFailures {
			failed = append(failed, f.ItemIdentifier)
		}
		return failed
	}
	details := func(evs []localrun.PutEvent) []string {
		out := []string{}
		for _, e := range evs {
			if e.EventBusName != busName || e.Source != orderevents.Source || e.DetailType != orderevents.DetailTypeOrderReady {
				t.Errorf("event %+v: want bus %s, source %s, detail-type %s", e, busName, orderevents.Source, orderevents.DetailTypeOrderReady)
			}
			out = append(out, e.Detail)
		}
		return out
	}
	want := []string{orderevents.NewOrderReady("ord_E1").Detail(), orderevents.NewOrderReady("ord_E2").Detail()}

	batch := localrun.SQSMessages(region, queueARN, now, body("ord_E1"), body("ord_E2"))
	if failed := deliver(batch); len(failed) != 0 {
		t.Fatalf("first delivery: got failures %v, want none", failed)
	}
	if got := details(fake.Events()); !reflect.DeepEqual(got, want) {
		t.Fatalf("events put: got %q, want %q", got, want)
	}
	for _, id := range []string{"ord_E1", "ord_E2"} {
		if st := stringAttr(getItem(t, db, id), orders.AttrStatus); st != string(orders.StatusReady) {
			t.Errorf("%s: got status %q, want READY", id, st)
		}
	}

	// Redelivery (SQS is at least once; the first delivery may have died
	// after its writes): the same events again, the same bytes.
	if failed := deliver(batch); len(failed) != 0 {
		t.Fatalf("redelivery: got failures %v, want none", failed)
	}
	if got := details(fake.Events()); !reflect.DeepEqual(got, append(want, want...)) {
		t.Errorf("events after redelivery: got %q, want the first two twice", got)
	}

	// EventBridge rejects ord_E3's entry: its message fails, the order is
	// READY all the same; redelivered, the event goes out.
	e3 := orderevents.NewOrderReady("ord_E3").Detail()
	reject[e3] = true
	mixed := localrun.SQSMessages(region, queueARN, now, body("ord_E1"), body("ord_E3"))
	if failed, want := deliver(mixed), []string{mixed.Records[1].MessageId}; !reflect.DeepEqual(failed, want) {
		t.Errorf("rejected entry: got failures %v, want only ord_E3's message %v", failed, want)
	}
	if st := stringAttr(getItem(t, db, "ord_E3"), orders.AttrStatus); st != string(orders.StatusReady) {
		t.Errorf("ord_E3: got status %q, want READY (the write stays; the event is retried)", st)
	}
	reject[e3] = false
	before := len(fake.Events())
	if failed := deliver(events.SQSEvent{Records: mixed.Records[1:]}); len(failed) != 0 {
		t.Errorf("redelivered ord_E3: got failures %v, want none", failed)
	}
	if got := details(fake.Events()[before:]); !reflect.DeepEqual(got, []string{e3}) {
		t.Errorf("redelivered ord_E3: got events %q, want %q", got, e3)
	}
}

// TestOrderReadyReachesTheNotificationsTopic runs the flow past the bus:
// the kitchen puts OrderReady (fake EventBridge), the event is delivered as
// the rule delivers it to the notifier, and the notifier's notification is
// seen at SNS (the fake at the SDK boundary); so is the notification of the
// real-shaped fixture of a replayed event; delivered again, neither is
// published twice (the idempotency guard on the local DynamoDB). A
// malformed event is rejected
// with errorType InvalidEventError and publishes nothing; a publish SNS
// refuses is a PublishError.
func TestOrderReadyReachesTheNotificationsTopic(t *testing.T) {
	d, db := startDynamo(t)
	eb := &localrun.FakeEventBridge{}
	ebURL := startEventBridge(t, eb)
	sns, snsURL := startSNS(t)
	kitchen := startFunction(t, "kitchen", map[string]string{orders.EnvTableName: table, orderevents.EnvBusName: busName},
		localrun.Endpoints{DynamoDB: d.Endpoint, EventBridge: ebURL})
	// The notifier's idempotency table, as the idempotencytable construct
	// makes it (key id).
	if err := localrun.CreateTable(testContext(t), db, idempotencyTable, localrun.TableProps{
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(idempotency.AttrID), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(idempotency.AttrID), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	notifierEnv := func(topic string) map[string]string {
		return map[string]string{orderevents.EnvNotificationTopicARN: topic, orderevents.EnvIdempotencyTableName: idempotencyTable}
	}
	notifier := startFunction(t, "notifier", notifierEnv(topicARN), localrun.Endpoints{SNS: snsURL, DynamoDB: d.Endpoint})
	now := time.Now()
	storeOrder(t, db, "ord_N1", now)

	b, _ := json.Marshal(orders.KitchenMessage{OrderID: "ord_N1"})
	invoke(t, kitchen, localrun.SQSMessages(region, "arn:aws:sqs:"+region+":"+localrun.AccountID+":kitchen", now, string(b)))
	put := eb.Events()
	if len(put) != 1 {
		t.Fatalf("kitchen: got %d events put, want 1", len(put))
	}
	if got := invoke(t, notifier, put[0].Delivery(region, now)); string(got) != "null" {
		t.Errorf("notifier response: got %s, want null", got)
	}
	fixture, err := os.ReadFile(filepath.Join(root, "functions", "notifier", "testdata", "order-ready-replayed.json"))
	if err != nil {
		t.Fatal(err)
	}
	invoke(t, notifier, json.RawMessage(fixture))
	// Redelivered and replayed again: the idempotency guard finds both
	// events notified, nothing more is published.
	invoke(t, notifier, put[0].Delivery(region, now))
	invoke(t, notifier, json.RawMessage(fixture))

	msgs := sns.Messages()
	if len(msgs) != 2 {
		t.Fatalf("SNS: got %d messages, want 2", len(msgs))
	}
	for i, want := range []orderevents.OrderReady{orderevents.NewOrderReady("ord_N1"), orderevents.NewOrderReady("ord_KJZG2YLUMVZXIX3PNRSGK4RAMI")} {
		m := msgs[i]
		var structure map[string]string
		if err := json.Unmarshal([]byte(m.Message), &structure); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		n := orderevents.NewNotification(want)
		if m.TopicARN != topicARN || m.MessageStructure != "json" || structure["default"] != n.JSON() ||
			structure["email"] != n.Text() || m.Attributes[orderevents.AttrEventType] != "OrderReady" ||
			m.Attributes[orderevents.AttrEventID] != want.EventID || m.Subject != orderevents.NotificationSubject {
			t.Errorf("message %d: got %+v, want the notification of %+v on %s", i, m, want, topicARN)
		}
	}

	// A malformed event: a function error naming the field, nothing published.
	bad := localrun.OrderReady(region, "ord_N1", now)
	bad.Detail = json.RawMessage(`{"eventId":"evt_1"}`)
	payload, _ := json.Marshal(bad)
	inv, err := notifier.Invoke(testContext(t), "", payload)
	if err != nil {
		t.Fatal(err)
	}
	var fe struct{ ErrorType, ErrorMessage string }
	_ = json.Unmarshal(inv.Body, &fe)
	if !inv.FunctionError() || fe.ErrorType != "InvalidEventError" || !strings.Contains(fe.ErrorMessage, "detail.orderId is missing") {
		t.Errorf("malformed event: got %s, want errorType InvalidEventError naming detail.orderId", inv.Body)
	}

	// SNS refuses (a topic it does not know): PublishError, for Lambda's retries.
	// (Another order: ord_N1's event was notified, the guard would answer it.)
	other := startFunction(t, "notifier", notifierEnv(topicARN+"-gone"), localrun.Endpoints{SNS: snsURL, DynamoDB: d.Endpoint})
	payload, _ = json.Marshal(localrun.OrderReady(region, "ord_N2", now))
	if inv, err = other.Invoke(testContext(t), "", payload); err != nil {
		t.Fatal(err)
	}
	fe.ErrorType, fe.ErrorMessage = "", ""
	_ = json.Unmarshal(inv.Body, &fe)
	if !inv.FunctionError() || fe.ErrorType != "PublishError" || !strings.Contains(fe.ErrorMessage, "NotFound") {
		t.Errorf("refused publish: got %s, want errorType PublishError with SNS's NotFound", inv.Body)
	}
	if n := len(sns.Messages()); n != 2 {
		t.Errorf("SNS: got %d messages after the failures, want still 2", n)
	}
}
