package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/runtime/idempotency"
	"github.com/example/orderflow/runtime/metrics"
)

// topicPublisher publishes one message to an SNS topic (sns.Client.Publish).
type topicPublisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// InvalidEventError is Handle's answer to an event that is not an
// OrderReady event (another source or detail-type) or whose detail is
// malformed (orderevents.ParseOrderReady). Retrying cannot help: after
// Lambda's retries the event lands in the on-failure destination, whose
// record holds the event and this error (errorType "InvalidEventError").
type InvalidEventError struct {
	// ID is the EventBridge envelope's id.
	ID string
	// Err says what is wrong: a *orderevents.DetailError.
	Err error
}

// Error is `invalid OrderReady event <id>: detail.orderId is missing`.
func (e *InvalidEventError) Error() string {
	return fmt.Sprintf("invalid OrderReady event %s: %v", e.ID, e.Err)
}

// Unwrap returns Err.
func (e *InvalidEventError) Unwrap() error { return e.Err }

// PublishError is Handle's answer when SNS did not take the notification
// (throttled, unavailable, access or key denied): Lambda retries the event,
// then sends it to the on-failure destination (errorType "PublishError").
type PublishError struct {
	// EventID and OrderID are the OrderReady event's.
	EventID, OrderID string
	// Err is the SNS client's error.
	Err error
}

// Error names the event, the order and SNS's error.
func (e *PublishError) Error() string {
	return fmt.Sprintf("publish notification of event %s (order %s): %v", e.EventID, e.OrderID, e.Err)
}

// Unwrap returns Err.
func (e *PublishError) Unwrap() error { return e.Err }

// Event is what the rule delivers: an EventBridge event and, on an event
// replayed from the bus's archive, the name of the replay (EventBridge adds
// "replay-name" to the envelope).
type Event struct {
	events.EventBridgeEvent
	// ReplayName names the replay; "" for an event as first put.
	ReplayName string `json:"replay-name,omitempty"`
}

// Handler consumes OrderReady events (source orderevents.Source,
// detail-type orderevents.DetailTypeOrderReady), delivered asynchronously by
// an EventBridge rule on the orders bus, and publishes one customer
// notification per event to the notifications topic:
//
//   - Message: orderevents.Notification.Message with MessageStructure
//     "json": the notification's JSON (eventId, eventType, orderId) for
//     machine subscribers, a sentence for email and SMS;
//   - Subject: orderevents.NotificationSubject (email);
//   - message attributes eventType ("OrderReady") and eventId (String), for
//     subscription filter policies.
//
// One notification per order and event kind: the publish runs under the
// runtime's idempotency guard, keyed on the event's kind and detail eventId
// (IdempotencyKey), with the detail as the payload. A redelivered event
// (EventBridge and the kitchen may deliver one twice) or one replayed from
// the bus's archive (with "replay-name") finds the COMPLETED record and
// publishes nothing: the stored SNS message ID is logged instead. A copy
// arriving while the first is still publishing fails with the guard's
// in-progress error and is retried by Lambda, then finds the record. A
// failed publish deletes the record, so the retry publishes. Records live
// for the guard's TTL (1 hour by default); the bus archive keeps events 14
// days, so a replay older than the TTL notifies again: subscribers still
// deduplicate on eventId, the same for every copy. Within the TTL, a
// publish whose answer was lost (SNS took it, the call failed) is the one
// case that can still publish twice.
//
// Errors go back to Lambda, never a panic and never a dropped event: an
// event that is not a well-formed OrderReady is an *InvalidEventError, a
// failed publish a *PublishError. Either way Lambda's asynchronous
// invocation retries it and then sends it, with the error, to the
// on-failure destination (a dead-letter queue) to be inspected and redriven.
type Handler struct {
	// Topic publishes to SNS (sns.Client). Required.
	Topic topicPublisher
	// TopicARN is the notifications topic's ARN. Required.
	TopicARN string
	// Log receives one line per event: INFO with the orderId, eventId and
	// SNS messageId once published (or found published), ERROR with the
	// reason otherwise. Required.
	Log *slog.Logger
	// Guard runs the publish once per IdempotencyKey (its table: the
	// idempotencytable construct's). Required in a function; nil (tests of
	// the publish itself) publishes every delivery.
	Guard *idempotency.Guard
	// Metrics receives ordermetrics.NotificationsSent (1 per notification
	// published, none for a repeat). Default (nil): no metrics.
	Metrics *metrics.Emitter
}

// IdempotencyKey is the guard's key of an event: its kind (detail-type)
// and its detail's eventId, the same for every copy of one event.
func IdempotencyKey(e orderevents.OrderReady) string {
	return orderevents.DetailTypeOrderReady + "#" + e.EventID
}

// published is what the guard stores for a notification published.
type published struct {
	// MessageID is SNS's message ID of the notification.
	MessageID string `json:"messageId"`
}

// Handle publishes the notification of one OrderReady event. See Handler.
func (h *Handler) Handle(ctx context.Context, ev Event) error {
	e, err := check(ev)
	if err != nil {
		h.Log.ErrorContext(ctx, "event rejected: not a well-formed OrderReady event; to the DLQ after Lambda's retries",
			"id", ev.ID, "source", clip(ev.Source), "detailType", clip(ev.DetailType), "error", err.Error())
		return err
	}
	log := h.Log.With("orderId", e.OrderID, "eventId", e.EventID)
	if ev.ReplayName != "" {
		log = log.With("replayName", clip(ev.ReplayName))
	}
	ran := false
	publish := func(ctx context.Context) (published, error) {
		ran = true
		return h.publish(ctx, log, e)
	}
	var res published
	if h.Guard == nil {
		res, err = publish(ctx)
	} else {
		res, err = idempotency.Do(ctx, h.Guard, IdempotencyKey(e), e, publish)
	}
	switch {
	case errors.Is(err, idempotency.ErrPayloadMismatch):
		// The same eventId with another order: not an event the kitchen
		// put (its eventId derives from the order ID). Retrying cannot help.
		log.ErrorContext(ctx, "event rejected: its eventId was seen with another order; to the DLQ after Lambda's retries", "error", err.Error())
		return &InvalidEventError{ID: ev.ID, Err: err}
	case errors.Is(err, idempotency.ErrInProgress):
		log.WarnContext(ctx, "the same event is being published by another invocation: Lambda retries this one", "error", err.Error())
		return err
	case err != nil:
		if !ran || !errorsAsPublish(err) {
			log.ErrorContext(ctx, "idempotency record not read or written: Lambda retries", "error", err.Error())
		}
		return err
	case !ran:
		log.InfoContext(ctx, "notification already published: repeated event skipped", "messageId", res.MessageID)
		return nil
	}
	h.Metrics.Emit(ctx, metrics.Count(ordermetrics.NotificationsSent, 1))
	return nil
}

// publish publishes the notification of e.
func (h *Handler) publish(ctx context.Context, log *slog.Logger, e orderevents.OrderReady) (published, error) {
	n := orderevents.NewNotification(e)
	out, err := h.Topic.Publish(ctx, &sns.PublishInput{
		TopicArn:         aws.String(h.TopicARN),
		Message:          aws.String(n.Message()),
		MessageStructure: aws.String("json"),
		Subject:          aws.String(orderevents.NotificationSubject),
		MessageAttributes: map[string]types.MessageAttributeValue{
			orderevents.AttrEventType: {DataType: aws.String("String"), StringValue: aws.String(n.EventType)},
			orderevents.AttrEventID:   {DataType: aws.String("String"), StringValue: aws.String(n.EventID)},
		},
	})
	if err != nil {
		log.ErrorContext(ctx, "notification not published: Lambda retries, then the DLQ", "error", err.Error())
		return published{}, &PublishError{EventID: e.EventID, OrderID: e.OrderID, Err: err}
	}
	log.InfoContext(ctx, "notification published", "messageId", aws.ToString(out.MessageId))
	return published{MessageID: aws.ToString(out.MessageId)}, nil
}

// errorsAsPublish reports whether err holds a *PublishError (logged where
// it happened).
func errorsAsPublish(err error) bool {
	var pe *PublishError
	return errors.As(err, &pe)
}

// check returns the OrderReady event ev carries, or an *InvalidEventError.
func check(ev Event) (orderevents.OrderReady, error) {
	invalid := func(err error) (orderevents.OrderReady, error) {
		return orderevents.OrderReady{}, &InvalidEventError{ID: ev.ID, Err: err}
	}
	switch {
	case ev.Source != orderevents.Source:
		return invalid(&orderevents.DetailError{Field: "source", Problem: fmt.Sprintf("must be %q, got %q", orderevents.Source, clip(ev.Source))})
	case ev.DetailType != orderevents.DetailTypeOrderReady:
		return invalid(&orderevents.DetailError{Field: "detail-type", Problem: fmt.Sprintf("must be %q, got %q", orderevents.DetailTypeOrderReady, clip(ev.DetailType))})
	}
	e, err := orderevents.ParseOrderReady(ev.Detail)
	if err != nil {
		return invalid(err)
	}
	return e, nil
}

// clip cuts s to 64 bytes for a log line or an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
