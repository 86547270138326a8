package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/logging"
)

const (
	topicARN = "arn:aws:sns:eu-west-1:111122223333:OrderFlow-dev-Service-Notifications"
	orderID  = "ord_KJZG2YLUMVZXIX3PNRSGK4RAMI" // the fixtures' order
	eventID  = "evt_OSGMDZJ5EQFOLZHHHF3KAI4ZPQ" // orderevents.EventID(orderID)
)

// fakeSNS records each Publish input and answers with err, or a message ID.
type fakeSNS struct {
	inputs []*sns.PublishInput
	err    error
}

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.inputs = append(f.inputs, in)
	if f.err != nil {
		return nil, f.err
	}
	return &sns.PublishOutput{MessageId: aws.String("95df01b4-ee98-5cb9-9903-4c221d41eb5e")}, nil
}

func loadEvent(t testing.TB, name string) Event {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev Event
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

func lambdaCtx() context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-7"})
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name       string
		fixture    string
		publishErr error
		wantErr    string // "": nil; else the error's type name, as Lambda reports it (errorType)
		wantIn     string // in the error message
		wantLog    []string
	}{
		{name: "order ready", fixture: "order-ready.json",
			wantLog: []string{`"level":"INFO","msg":"notification published","orderId":"` + orderID + `","eventId":"` + eventID +
				`","messageId":"95df01b4-ee98-5cb9-9903-4c221d41eb5e","requestId":"req-7"`}},
		{name: "replayed from the archive: published, replay named", fixture: "order-ready-replayed.json",
			wantLog: []string{`"replayName":"orders-replay-2030-01-09"`}},
		{name: "newer detail with more fields: published", fixture: "order-ready-extra-fields.json"},
		{name: "SNS fails: PublishError for Lambda's retries", fixture: "order-ready.json",
			publishErr: errors.New("operation error SNS: Publish, KMSThrottlingException"),
			wantErr:    "PublishError", wantIn: "publish notification of event " + eventID + " (order " + orderID + "): operation error SNS: Publish, KMSThrottlingException",
			wantLog: []string{`"level":"ERROR","msg":"notification not published: Lambda retries, then the DLQ","orderId":"` + orderID + `","eventId":"` + eventID}},
		{name: "orderId not a string", fixture: "order-ready-malformed.json",
			wantErr: "InvalidEventError", wantIn: "invalid OrderReady event 9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d: detail.orderId must be a string",
			wantLog: []string{`"level":"ERROR","msg":"event rejected: not a well-formed OrderReady event; to the DLQ after Lambda's retries","id":"9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"`}},
		{name: "detail not an object", fixture: "order-ready-detail-not-object.json",
			wantErr: "InvalidEventError", wantIn: "detail must be a JSON object"},
		{name: "another detail-type", fixture: "order-placed.json",
			wantErr: "InvalidEventError", wantIn: `detail-type must be "OrderReady", got "OrderPlaced"`},
		{name: "another source", fixture: "scheduled-event.json",
			wantErr: "InvalidEventError", wantIn: `source must be "orderflow.kitchen", got "aws.events"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			topic := &fakeSNS{err: tt.publishErr}
			h := &Handler{Topic: topic, TopicARN: topicARN, Log: logging.New(&log)}
			err := h.Handle(lambdaCtx(), loadEvent(t, tt.fixture))

			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got error %v, want nil", err)
			case tt.wantErr != "" && (err == nil || errorType(err) != tt.wantErr || !strings.Contains(err.Error(), tt.wantIn)):
				t.Fatalf("got error %T %v, want a %s containing %q", err, err, tt.wantErr, tt.wantIn)
			}
			wantCalls := 1
			if tt.wantErr == "InvalidEventError" {
				wantCalls = 0
			}
			if len(topic.inputs) != wantCalls {
				t.Fatalf("got %d Publish calls, want %d", len(topic.inputs), wantCalls)
			}
			if wantCalls == 1 {
				checkPublish(t, topic.inputs[0], orderID, eventID)
			}
			for _, want := range tt.wantLog {
				if !strings.Contains(log.String(), want) {
					t.Errorf("got log %s, want it to contain %s", log.String(), want)
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["requestId"] != "req-7" {
					t.Errorf("log line %s: want JSON with requestId req-7", line)
				}
			}
		})
	}
}

// checkPublish checks one Publish input: the topic, the JSON message
// structure, the subject and the filterable attributes.
func checkPublish(t *testing.T, in *sns.PublishInput, orderID, eventID string) {
	t.Helper()
	if got := aws.ToString(in.TopicArn); got != topicARN {
		t.Errorf("TopicArn: got %q, want %q", got, topicARN)
	}
	if got := aws.ToString(in.MessageStructure); got != "json" {
		t.Errorf("MessageStructure: got %q, want json", got)
	}
	if got := aws.ToString(in.Subject); got != orderevents.NotificationSubject {
		t.Errorf("Subject: got %q, want %q", got, orderevents.NotificationSubject)
	}
	if in.MessageGroupId != nil || in.MessageDeduplicationId != nil || in.TargetArn != nil || in.PhoneNumber != nil {
		t.Errorf("got FIFO or direct-publish fields on %+v, want none (a standard topic)", in)
	}
	var msg map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(in.Message)), &msg); err != nil {
		t.Fatalf("Message %q: not a JSON object of strings: %v", aws.ToString(in.Message), err)
	}
	var n orderevents.Notification
	dec := json.NewDecoder(strings.NewReader(msg["default"]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil {
		t.Fatalf("Message default %q: %v", msg["default"], err)
	}
	if want := (orderevents.Notification{EventID: eventID, EventType: "OrderReady", OrderID: orderID}); n != want {
		t.Errorf("notification: got %+v, want %+v", n, want)
	}
	if !strings.Contains(msg["email"], orderID) || msg["sms"] != msg["email"] {
		t.Errorf("Message email/sms: got %q / %q, want the same sentence naming %s", msg["email"], msg["sms"], orderID)
	}
	attrs := map[string]string{}
	for k, v := range in.MessageAttributes {
		if aws.ToString(v.DataType) != "String" || v.BinaryValue != nil {
			t.Errorf("attribute %s: got DataType %q, want String", k, aws.ToString(v.DataType))
		}
		attrs[k] = aws.ToString(v.StringValue)
	}
	if want := map[string]string{"eventType": "OrderReady", "eventId": eventID}; len(attrs) != 2 || attrs["eventType"] != want["eventType"] || attrs["eventId"] != want["eventId"] {
		t.Errorf("MessageAttributes: got %v, want %v", attrs, want)
	}
}

// errorType is the errorType Lambda reports for err: aws-lambda-go names
// the error's type, without the pointer (lambda/errors.go, getErrorType).
func errorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

// A replayed or redelivered event publishes the same notification (what
// subscribers deduplicate on): same message, same attributes.
func TestSameEventSameNotification(t *testing.T) {
	topic := &fakeSNS{}
	h := &Handler{Topic: topic, TopicARN: topicARN, Log: slog.New(slog.DiscardHandler)}
	for _, f := range []string{"order-ready.json", "order-ready-replayed.json", "order-ready-extra-fields.json", "order-ready.json"} {
		if err := h.Handle(context.Background(), loadEvent(t, f)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	first := topic.inputs[0]
	for i, in := range topic.inputs[1:] {
		if aws.ToString(in.Message) != aws.ToString(first.Message) ||
			aws.ToString(in.MessageAttributes["eventId"].StringValue) != aws.ToString(first.MessageAttributes["eventId"].StringValue) {
			t.Errorf("publish %d: got %s, want the same message as the first: %s", i+2, aws.ToString(in.Message), aws.ToString(first.Message))
		}
	}
}

func TestFixturesDecode(t *testing.T) {
	ev := loadEvent(t, "order-ready-replayed.json")
	if ev.ReplayName != "orders-replay-2030-01-09" || ev.Source != orderevents.Source || ev.DetailType != "OrderReady" ||
		ev.Region != "eu-west-1" || ev.Resources == nil || len(ev.Resources) != 0 || ev.Time.IsZero() {
		t.Errorf("replayed fixture: got %+v, want the envelope with replay-name and empty resources", ev)
	}
	// The kitchen's detail for the fixtures' order is the fixtures' detail.
	if got := orderevents.NewOrderReady(orderID).Detail(); !jsonEqual(t, got, string(loadEvent(t, "order-ready.json").Detail)) {
		t.Errorf("fixture detail differs from the kitchen's: %s", got)
	}
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatal(err)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}

// FuzzHandle sends any JSON the runtime can decode into an Event (what it
// cannot decode fails before the handler, and Lambda retries it and sends
// it to the DLQ too). Whatever it is, the handler does not panic, and either
// publishes exactly one notification whose eventId and orderId are the
// detail's, or publishes nothing and returns an InvalidEventError.
func FuzzHandle(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"source":"orderflow.kitchen","detail-type":"OrderReady","detail":{"eventId":"e","orderId":"o","eventId":"x y"}}`))
	f.Add([]byte(`{"source":"orderflow.kitchen","detail-type":"OrderReady","detail":null}`))
	f.Add([]byte(`{"source":"orderflow.kitchen","detail-type":"OrderReady"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var ev Event
		if json.Unmarshal(raw, &ev) != nil {
			t.Skip("the runtime rejects it before the handler")
		}
		topic := &fakeSNS{}
		h := &Handler{Topic: topic, TopicARN: topicARN, Log: slog.New(slog.DiscardHandler)}
		err := h.Handle(context.Background(), ev)
		if err != nil {
			var inv *InvalidEventError
			if !errors.As(err, &inv) || len(topic.inputs) != 0 {
				t.Fatalf("got %T %v after %d publishes, want an InvalidEventError and none", err, err, len(topic.inputs))
			}
			return
		}
		if len(topic.inputs) != 1 {
			t.Fatalf("got %d publishes, want 1", len(topic.inputs))
		}
		e, perr := orderevents.ParseOrderReady(ev.Detail)
		if perr != nil || !orders.ValidID(e.OrderID) {
			t.Fatalf("published for detail %s that does not parse: %v", ev.Detail, perr)
		}
		checkPublish(t, topic.inputs[0], e.OrderID, e.EventID)
	})
}

// BenchmarkHandle: decode the fixture's event JSON and handle it, SNS
// faked (the per-invocation cost past the runtime). Compare with
// BenchmarkDecodeOnly.
func BenchmarkHandle(b *testing.B) {
	raw, err := os.ReadFile("testdata/order-ready.json")
	if err != nil {
		b.Fatal(err)
	}
	h := &Handler{Topic: okSNS{}, TopicARN: topicARN, Log: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var ev Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			b.Fatal(err)
		}
		if err := h.Handle(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeOnly is the floor: decoding the same event JSON, no handling.
func BenchmarkDecodeOnly(b *testing.B) {
	raw, err := os.ReadFile("testdata/order-ready.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var ev Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			b.Fatal(err)
		}
	}
}

// okSNS accepts every publish, so benchmarks measure the handler.
type okSNS struct{}

func (okSNS) Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error) {
	return &sns.PublishOutput{MessageId: aws.String("m")}, nil
}
