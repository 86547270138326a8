package orders

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

type sendFunc func([]types.SendMessageBatchRequestEntry) []error

func (f sendFunc) Send(_ context.Context, e []types.SendMessageBatchRequestEntry) []error {
	return f(e)
}

// The body is the message's JSON (what the kitchen decodes), and each
// result maps back to its order.
func TestKitchenQueueSend(t *testing.T) {
	boom := errors.New("InternalError")
	var got []types.SendMessageBatchRequestEntry
	q := &KitchenQueue{Sender: sendFunc(func(e []types.SendMessageBatchRequestEntry) []error {
		got = e
		return []error{nil, boom}
	})}
	errs := q.Send(context.Background(), []KitchenMessage{{OrderID: `o-"1"`}, {OrderID: "o-2"}, {OrderID: "o-3"}})
	if body, want := aws.ToString(got[0].MessageBody), `{"orderId":"o-\"1\""}`; body != want {
		t.Errorf("got body %s, want %s", body, want)
	}
	tests := []struct {
		i    int
		want string
	}{{0, "<nil>"}, {1, "send order o-2: InternalError"}, {2, "send order o-3: sender returned no result"}}
	for _, tt := range tests {
		if got := fmt.Sprint(errs[tt.i]); got != tt.want {
			t.Errorf("message %d: got %s, want %s", tt.i, got, tt.want)
		}
	}
	if !errors.Is(errs[1], boom) {
		t.Errorf("got %v, want it to wrap the sender's error", errs[1])
	}
}
