package orderevents

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/example/orderflow/internal/orders"
)

// The detail of one order's event, pinned: a change here changes the event
// every consumer already deduplicates on, so it must be deliberate.
const (
	pinnedOrderID = "ord_KJZG2YLUMVZXIX3PNRSGK4RAMI"
	pinnedDetail  = `{"eventId":"evt_OSGMDZJ5EQFOLZHHHF3KAI4ZPQ","orderId":"ord_KJZG2YLUMVZXIX3PNRSGK4RAMI"}`
)

func TestDetailIsStable(t *testing.T) {
	if got := NewOrderReady(pinnedOrderID).Detail(); got != pinnedDetail {
		t.Errorf("got detail %s, want %s (pinned: consumers deduplicate on it)", got, pinnedDetail)
	}
	for i := range 3 {
		if got := NewOrderReady(pinnedOrderID).Detail(); got != pinnedDetail {
			t.Fatalf("call %d: got %s, want the same bytes as before", i, got)
		}
	}
}

func TestEventID(t *testing.T) {
	a, b := EventID("ord_A"), EventID("ord_B")
	switch {
	case a == b:
		t.Errorf("EventID of two orders: both %s, want different", a)
	case !strings.HasPrefix(a, "evt_") || len(a) != 4+26:
		t.Errorf("EventID: got %q, want evt_ and 26 base32 characters", a)
	case a != EventID("ord_A"):
		t.Error("EventID: got two IDs for one order, want one")
	case !validEventID(a):
		t.Errorf("EventID %q is not a valid event ID by ParseOrderReady's rule", a)
	}
}

func TestParseOrderReady(t *testing.T) {
	long := strings.Repeat("x", 200)
	tests := []struct {
		name      string
		detail    string
		want      OrderReady
		wantField string // "" when valid
		wantIn    string // in the error message
	}{
		{name: "as the kitchen puts it", detail: pinnedDetail,
			want: OrderReady{EventID: "evt_OSGMDZJ5EQFOLZHHHF3KAI4ZPQ", OrderID: pinnedOrderID}},
		{name: "unknown fields ignored", detail: `{"orderId":"ord_1","eventId":"e-1","readyAt":"2030-01-01T00:00:00Z","v":2}`,
			want: OrderReady{EventID: "e-1", OrderID: "ord_1"}},
		{name: "not JSON", detail: `{"orderId":`, wantField: "detail", wantIn: "must be a JSON object"},
		{name: "an array", detail: `[{"orderId":"ord_1"}]`, wantField: "detail", wantIn: "must be a JSON object"},
		{name: "null", detail: `null`, wantField: "detail", wantIn: "must be a JSON object"},
		{name: "empty", detail: ``, wantField: "detail"},
		{name: "no eventId", detail: `{"orderId":"ord_1"}`, wantField: "detail.eventId", wantIn: "is missing"},
		{name: "eventId null", detail: `{"eventId":null,"orderId":"ord_1"}`, wantField: "detail.eventId", wantIn: "must be a string"},
		{name: "eventId a number", detail: `{"eventId":7,"orderId":"ord_1"}`, wantField: "detail.eventId", wantIn: "must be a string"},
		{name: "eventId empty", detail: `{"eventId":"","orderId":"ord_1"}`, wantField: "detail.eventId", wantIn: `got ""`},
		{name: "eventId with a space", detail: `{"eventId":"e 1","orderId":"ord_1"}`, wantField: "detail.eventId"},
		{name: "eventId too long", detail: `{"eventId":"` + long + `","orderId":"ord_1"}`, wantField: "detail.eventId", wantIn: `"...`},
		{name: "names are case-sensitive", detail: `{"EventId":"e-1","OrderID":"ord_1"}`, wantField: "detail.eventId", wantIn: "is missing"},
		{name: "no orderId", detail: `{"eventId":"e-1"}`, wantField: "detail.orderId", wantIn: "is missing"},
		{name: "orderId an object", detail: `{"eventId":"e-1","orderId":{"id":"ord_1"}}`, wantField: "detail.orderId", wantIn: "must be a string"},
		{name: "orderId with a slash", detail: `{"eventId":"e-1","orderId":"ord/1"}`, wantField: "detail.orderId", wantIn: `got "ord/1"`},
		{name: "orderId too long", detail: `{"eventId":"e-1","orderId":"` + long + `"}`, wantField: "detail.orderId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOrderReady([]byte(tt.detail))
			if tt.wantField == "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %+v, %v; want %+v, nil", got, err, tt.want)
				}
				return
			}
			var de *DetailError
			if !errors.As(err, &de) || de.Field != tt.wantField {
				t.Fatalf("got %+v, %v; want a DetailError on %s", got, err, tt.wantField)
			}
			if !strings.Contains(err.Error(), tt.wantIn) || !strings.HasPrefix(err.Error(), tt.wantField+" ") {
				t.Errorf("got error %q, want it to start with %s and contain %q", err, tt.wantField, tt.wantIn)
			}
			if len(err.Error()) > 200 {
				t.Errorf("got an error of %d bytes, want it short: %q", len(err.Error()), err)
			}
			if got != (OrderReady{}) {
				t.Errorf("got %+v with the error, want the zero value", got)
			}
		})
	}
}

func TestNotification(t *testing.T) {
	n := NewNotification(NewOrderReady(pinnedOrderID))
	const wantJSON = `{"eventId":"evt_OSGMDZJ5EQFOLZHHHF3KAI4ZPQ","eventType":"OrderReady","orderId":"ord_KJZG2YLUMVZXIX3PNRSGK4RAMI"}`
	if got := n.JSON(); got != wantJSON {
		t.Errorf("JSON: got %s, want %s", got, wantJSON)
	}
	var msg map[string]string
	if err := json.Unmarshal([]byte(n.Message()), &msg); err != nil {
		t.Fatalf("Message is not a JSON object of strings: %v", err)
	}
	text := "Your order " + pinnedOrderID + " is ready."
	want := map[string]string{"default": wantJSON, "email": text, "sms": text}
	if len(msg) != len(want) {
		t.Errorf("Message: got keys %v, want default, email, sms", msg)
	}
	for k, v := range want {
		if msg[k] != v {
			t.Errorf("Message[%q]: got %q, want %q", k, msg[k], v)
		}
	}
	if len(NotificationSubject) > 100 {
		t.Errorf("subject of %d characters: SNS takes at most 100", len(NotificationSubject))
	}
}

// FuzzParseOrderReady: whatever the detail, ParseOrderReady returns either a
// valid event or a *DetailError, and a valid event's detail parses back to
// itself.
func FuzzParseOrderReady(f *testing.F) {
	f.Add([]byte(pinnedDetail))
	f.Add([]byte(`{"eventId":"e","orderId":"o","x":[1,{"y":null}]}`))
	f.Add([]byte(`{"eventId":"\u0065","orderId":"ord_\u00e9"}`))
	f.Add([]byte(`{"orderId":"ord_1","orderId":"ord 2","eventId":"e"}`))
	f.Add([]byte(`"detail"`))
	f.Fuzz(func(t *testing.T, detail []byte) {
		e, err := ParseOrderReady(detail)
		if err != nil {
			var de *DetailError
			if !errors.As(err, &de) {
				t.Fatalf("got error %T %v, want a *DetailError", err, err)
			}
			return
		}
		if !validEventID(e.EventID) || !orders.ValidID(e.OrderID) {
			t.Fatalf("accepted %+v from %q: want a valid event ID and order ID", e, detail)
		}
		back, err := ParseOrderReady([]byte(e.Detail()))
		if err != nil || back != e {
			t.Fatalf("round trip of %+v: got %+v, %v", e, back, err)
		}
	})
}
