package orderevents

import (
	"encoding/json"
)

// SNS message attributes of a notification (String), for subscription
// filter policies such as {"eventType": ["OrderReady"]}, and for
// subscribers that read attributes without parsing the message.
const (
	// AttrEventType holds Notification.EventType.
	AttrEventType = "eventType"
	// AttrEventID holds Notification.EventID.
	AttrEventID = "eventId"
)

// NotificationSubject is the subject of a notification: the subject line of
// email subscriptions (SNS: ASCII, at most 100 characters).
const NotificationSubject = "Your order is ready"

// Notification is the message the notifier publishes to the notifications
// topic for an OrderReady event. Its JSON, which machine subscribers (SQS,
// Lambda, HTTP/S, email-json, Firehose) receive, is
// {"eventId":"evt_...","eventType":"OrderReady","orderId":"ord_..."}.
// Subscribers deduplicate on EventID: the notifier may publish the same
// notification more than once, never two different ones for one event.
type Notification struct {
	// EventID is the OrderReady event's ID.
	EventID string `json:"eventId"`
	// EventType is the event's detail-type: DetailTypeOrderReady.
	EventType string `json:"eventType"`
	// OrderID is the order that is ready.
	OrderID string `json:"orderId"`
}

// NewNotification returns the notification of e.
func NewNotification(e OrderReady) Notification {
	return Notification{EventID: e.EventID, EventType: DetailTypeOrderReady, OrderID: e.OrderID}
}

// JSON returns the notification's JSON, fields in declaration order.
func (n Notification) JSON() string {
	b, _ := json.Marshal(n) // cannot fail: strings only
	return string(b)
}

// Text returns the notification for people: "Your order ord_... is ready."
func (n Notification) Text() string {
	return "Your order " + n.OrderID + " is ready."
}

// Message returns the SNS message for a publish with MessageStructure
// "json": a JSON object of one message per protocol. Email and SMS
// subscribers get Text; every other protocol gets "default", the JSON of
// the notification (SNS's "Publish" API reference, MessageStructure).
func (n Notification) Message() string {
	b, _ := json.Marshal(struct {
		Default string `json:"default"`
		Email   string `json:"email"`
		SMS     string `json:"sms"`
	}{n.JSON(), n.Text(), n.Text()})
	return string(b)
}
