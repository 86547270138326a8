package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/idempotency"
	"github.com/example/orderflow/tools/localrun"
	"github.com/example/orderflow/tools/moto"
)

const (
	idempotencyTable = "Idempotency"
	busName          = "orders"
	topicARN         = "arn:aws:sns:" + region + ":" + localrun.AccountID + ":notifications"
)

// busProxy stands between a function and moto's EventBridge: it records
// every PutEvents entry EventBridge takes as the function sent it (the
// bytes of its detail), and answers an entry whose detail is in reject with a failed entry, as
// EventBridge does for an entry it could not take (FailedEntryCount),
// instead of passing it on. Everything else reaches moto unchanged.
type busProxy struct {
	URL    string
	moto   string
	mu     sync.Mutex
	put    []putEntry
	reject map[string]bool
}

type putEntry struct {
	EventBusName, Source, DetailType, Detail string
}

func (p *busProxy) entries() []putEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.put)
}

func (p *busProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var in struct{ Entries []putEntry }
	var failed []int
	if r.Header.Get("X-Amz-Target") == "AWSEvents.PutEvents" && json.Unmarshal(body, &in) == nil {
		p.mu.Lock()
		var keep []putEntry
		for i, e := range in.Entries {
			if p.reject[e.Detail] {
				failed = append(failed, i)
			} else {
				keep = append(keep, e)
			}
		}
		p.put = append(p.put, keep...)
		p.mu.Unlock()
		if len(failed) > 0 {
			body, _ = json.Marshal(map[string]any{"Entries": keep})
		}
	}
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, p.moto+r.URL.RequestURI(), bytes.NewReader(body))
	for k, v := range r.Header {
		if k != "Content-Length" {
			req.Header[k] = v
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if len(failed) > 0 && resp.StatusCode == http.StatusOK {
		var res struct {
			FailedEntryCount int
			Entries          []map[string]string
		}
		_ = json.Unmarshal(out, &res)
		for _, i := range failed {
			res.Entries = slices.Insert(res.Entries, i, map[string]string{"ErrorCode": "InternalFailure", "ErrorMessage": "rejected by the test"})
		}
		res.FailedEntryCount += len(failed)
		out, _ = json.Marshal(res)
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out)
}

// startBus makes the orders bus on moto with a rule that delivers every
// event to the queue it returns, as the stack's rule delivers OrderReady to
// the notifier, and a busProxy in front of moto's EventBridge.
func startBus(t *testing.T) (*busProxy, string) {
	t.Helper()
	ep := local(t)
	ctx := testContext(t)
	eb := eventbridge.NewFromConfig(moto.Config(region, ep))
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(busName)}); err != nil {
		t.Fatal(err)
	}
	queueURL := startSQS(t, "delivered")
	_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("all"), EventBusName: aws.String(busName),
		EventPattern: aws.String(`{"source": [{"prefix": ""}]}`)})
	if err == nil {
		_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("all"), EventBusName: aws.String(busName),
			Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String("arn:aws:sqs:" + region + ":" + localrun.AccountID + ":delivered")}}})
	}
	if err != nil {
		t.Fatal(err)
	}
	p := &busProxy{moto: ep, reject: map[string]bool{}}
	srv, err := localrun.Serve(0, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	p.URL = srv.Endpoint
	return p, queueURL
}

// published is one message moto's SNS took, as it keeps it.
type published struct {
	Message, Subject string
	Attributes       map[string]string
}

// startSNS makes the notifications topic (topicARN) with a queue subscribed
// to it, which it returns.
func startSNS(t *testing.T) string {
	t.Helper()
	ep := local(t)
	ctx := testContext(t)
	c := sns.NewFromConfig(moto.Config(region, ep))
	if _, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("notifications")}); err != nil {
		t.Fatal(err)
	}
	queueURL := startSQS(t, "subscriber")
	if _, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topicARN), Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:" + region + ":" + localrun.AccountID + ":subscriber")}); err != nil {
		t.Fatal(err)
	}
	return queueURL
}

// publishedTo returns what was published to topic, in order, from moto's
// own record of its topics (GET /moto-api/data.json).
func publishedTo(t *testing.T, topic string) []published {
	t.Helper()
	resp, err := http.Get(local(t) + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var data struct {
		SNS struct {
			Topic []struct {
				ARN  string              `json:"arn"`
				Sent [][]json.RawMessage `json:"sent_notifications"` // [id, message, subject, attributes, group]
			}
		} `json:"sns"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		t.Fatal(err)
	}
	var out []published
	for _, tp := range data.SNS.Topic {
		for _, n := range tp.Sent {
			if tp.ARN != topic || len(n) < 4 {
				continue
			}
			var p published
			var attrs map[string]struct{ Value string }
			_ = json.Unmarshal(n[1], &p.Message)
			_ = json.Unmarshal(n[2], &p.Subject)
			_ = json.Unmarshal(n[3], &attrs)
			p.Attributes = map[string]string{}
			for k, v := range attrs {
				p.Attributes[k] = v.Value
			}
			out = append(out, p)
		}
	}
	return out
}

// TestKitchenPutsOrderReadyOnTheBus: a kitchen batch makes two orders READY
// and their OrderReady events reach EventBridge (the fake at the SDK
// boundary, between the kitchen and moto) with the kitchen's source, detail-type and detail. A
// redelivered batch puts the same events again, byte for byte. An entry
// EventBridge rejects (FailedEntryCount 1) fails only its message, and the
// redelivery of that message puts the event.
func TestKitchenPutsOrderReadyOnTheBus(t *testing.T) {
	_, db := startDynamo(t)
	bus, _ := startBus(t)
	reject := func(detail string, on bool) {
		bus.mu.Lock()
		bus.reject[detail] = on
		bus.mu.Unlock()
	}
	emu := startFunction(t, "kitchen", map[string]string{orders.EnvTableName: table, orderevents.EnvBusName: busName,
		"AWS_ENDPOINT_URL_EVENTBRIDGE": bus.URL})
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
	details := func(evs []putEntry) []string {
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
	if got := details(bus.entries()); !reflect.DeepEqual(got, want) {
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
	if got := details(bus.entries()); !reflect.DeepEqual(got, append(want, want...)) {
		t.Errorf("events after redelivery: got %q, want the first two twice", got)
	}

	// EventBridge rejects ord_E3's entry: its message fails, the order is
	// READY all the same; redelivered, the event goes out.
	e3 := orderevents.NewOrderReady("ord_E3").Detail()
	reject(e3, true)
	mixed := localrun.SQSMessages(region, queueARN, now, body("ord_E1"), body("ord_E3"))
	if failed, want := deliver(mixed), []string{mixed.Records[1].MessageId}; !reflect.DeepEqual(failed, want) {
		t.Errorf("rejected entry: got failures %v, want only ord_E3's message %v", failed, want)
	}
	if st := stringAttr(getItem(t, db, "ord_E3"), orders.AttrStatus); st != string(orders.StatusReady) {
		t.Errorf("ord_E3: got status %q, want READY (the write stays; the event is retried)", st)
	}
	reject(e3, false)
	before := len(bus.entries())
	if failed := deliver(events.SQSEvent{Records: mixed.Records[1:]}); len(failed) != 0 {
		t.Errorf("redelivered ord_E3: got failures %v, want none", failed)
	}
	if got := details(bus.entries()[before:]); !reflect.DeepEqual(got, []string{e3}) {
		t.Errorf("redelivered ord_E3: got events %q, want %q", got, e3)
	}
}

// TestOrderReadyReachesTheNotificationsTopic runs the flow past the bus:
// the kitchen puts OrderReady on the orders bus, whose rule delivers it (to
// a queue here; the notifier in the stack), the notifier gets the event as
// delivered, and its notification is published to the topic; so is the
// notification of the real-shaped fixture of a replayed event; delivered
// again, neither is published twice (the idempotency guard on the local
// DynamoDB). A malformed event is rejected with errorType InvalidEventError
// and publishes nothing; a publish SNS refuses is a PublishError.
func TestOrderReadyReachesTheNotificationsTopic(t *testing.T) {
	_, db := startDynamo(t)
	_, delivered := startBus(t)
	subscriber := startSNS(t)
	kitchen := startFunction(t, "kitchen", map[string]string{orders.EnvTableName: table, orderevents.EnvBusName: busName})
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
	notifier := startFunction(t, "notifier", notifierEnv(topicARN))
	now := time.Now()
	storeOrder(t, db, "ord_N1", now)

	b, _ := json.Marshal(orders.KitchenMessage{OrderID: "ord_N1"})
	invoke(t, kitchen, localrun.SQSMessages(region, "arn:aws:sqs:"+region+":"+localrun.AccountID+":kitchen", now, string(b)))
	got := received(t, delivered)
	if len(got) != 1 {
		t.Fatalf("kitchen: got %d events delivered by the bus's rule, want 1", len(got))
	}
	if resp := invoke(t, notifier, json.RawMessage(aws.ToString(got[0].Body))); string(resp) != "null" {
		t.Errorf("notifier response: got %s, want null", resp)
	}
	fixture, err := os.ReadFile(filepath.Join(root, "functions", "notifier", "testdata", "order-ready-replayed.json"))
	if err != nil {
		t.Fatal(err)
	}
	invoke(t, notifier, json.RawMessage(fixture))
	// Redelivered and replayed again: the idempotency guard finds both
	// events notified, nothing more is published.
	invoke(t, notifier, json.RawMessage(aws.ToString(got[0].Body)))
	invoke(t, notifier, json.RawMessage(fixture))

	msgs := publishedTo(t, topicARN)
	subs := received(t, subscriber)
	if len(msgs) != 2 || len(subs) != 2 {
		t.Fatalf("SNS: got %d messages published, %d delivered to the subscribed queue, want 2 and 2", len(msgs), len(subs))
	}
	for i, want := range []orderevents.OrderReady{orderevents.NewOrderReady("ord_N1"), orderevents.NewOrderReady("ord_KJZG2YLUMVZXIX3PNRSGK4RAMI")} {
		m := msgs[i]
		var structure map[string]string
		if err := json.Unmarshal([]byte(m.Message), &structure); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		// Delivered to a queue, a JSON message structure (MessageStructure
		// json) gives its default text; a plain message would come whole.
		var envelope struct{ TopicArn, Message, Subject string }
		if err := json.Unmarshal([]byte(aws.ToString(subs[i].Body)), &envelope); err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
		n := orderevents.NewNotification(want)
		if structure["default"] != n.JSON() || structure["email"] != n.Text() || m.Attributes[orderevents.AttrEventType] != "OrderReady" ||
			m.Attributes[orderevents.AttrEventID] != want.EventID || m.Subject != orderevents.NotificationSubject {
			t.Errorf("message %d: got %+v, want the notification of %+v", i, m, want)
		}
		if envelope.TopicArn != topicARN || envelope.Message != n.JSON() || envelope.Subject != orderevents.NotificationSubject {
			t.Errorf("delivery %d: got %+v, want the default text of the notification from %s", i, envelope, topicARN)
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
	other := startFunction(t, "notifier", notifierEnv(topicARN+"-gone"))
	payload, _ = json.Marshal(localrun.OrderReady(region, "ord_N2", now))
	if inv, err = other.Invoke(testContext(t), "", payload); err != nil {
		t.Fatal(err)
	}
	fe.ErrorType, fe.ErrorMessage = "", ""
	_ = json.Unmarshal(inv.Body, &fe)
	if !inv.FunctionError() || fe.ErrorType != "PublishError" || !strings.Contains(fe.ErrorMessage, "NotFound") {
		t.Errorf("refused publish: got %s, want errorType PublishError with SNS's NotFound", inv.Body)
	}
	if n := len(publishedTo(t, topicARN)); n != 2 {
		t.Errorf("SNS: got %d messages after the failures, want still 2", n)
	}
}
