package idempotency

import (
	"context"
	"errors"
	"fmt"
)

// A notification published once per event, however often the event comes.
// In a function the Guard's Client is dynamodb.NewFromConfig(cfg) and its
// Table the idempotencytable construct's table name; here an in-memory
// table stands in.
func Example() {
	g := &Guard{Client: newMemTable(true), Table: "Idempotency", Prefix: "notifier"}
	type published struct {
		MessageID string `json:"messageId"`
	}
	notify := func(ctx context.Context, eventID, orderID string) (published, error) {
		payload := map[string]string{"eventId": eventID, "orderId": orderID}
		return Do(ctx, g, "OrderReady#"+eventID, payload, func(ctx context.Context) (published, error) {
			fmt.Println("publishing for", orderID)
			return published{MessageID: "msg-1"}, nil
		})
	}
	ctx := context.Background()
	first, _ := notify(ctx, "evt_1", "ord_1")
	replayed, _ := notify(ctx, "evt_1", "ord_1") // the archive replayed it
	_, err := notify(ctx, "evt_1", "ord_2")      // same key, other payload
	fmt.Println(first.MessageID, replayed.MessageID, errors.Is(err, ErrPayloadMismatch))
	// Output:
	// publishing for ord_1
	// msg-1 msg-1 true
}
