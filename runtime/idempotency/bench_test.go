package idempotency

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// metered asks DynamoDB for the capacity each call consumed and sums it;
// a conditional write whose condition fails returns no figure, and is
// charged as DynamoDB documents it: the write units of the item (1 here,
// every record being under 1 KB).
type metered struct {
	Client
	mu       sync.Mutex
	calls    int
	wru, rru float64
}

func (m *metered) add(calls int, w, r float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls += calls
	m.wru += w
	m.rru += r
}

func (m *metered) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.Client.PutItem(ctx, in, o...)
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil && out.ConsumedCapacity != nil:
		m.add(1, aws.ToFloat64(out.ConsumedCapacity.CapacityUnits), 0)
	case errors.As(err, &ccf):
		m.add(1, 1, 0)
	default:
		m.add(1, 0, 0)
	}
	return out, err
}

func (m *metered) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.Client.GetItem(ctx, in, o...)
	if err == nil && out.ConsumedCapacity != nil {
		m.add(1, 0, aws.ToFloat64(out.ConsumedCapacity.CapacityUnits))
	} else {
		m.add(1, 0, 0)
	}
	return out, err
}

func (m *metered) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.Client.DeleteItem(ctx, in, o...)
	if err == nil && out.ConsumedCapacity != nil {
		m.add(1, aws.ToFloat64(out.ConsumedCapacity.CapacityUnits), 0)
	} else {
		m.add(1, 0, 0)
	}
	return out, err
}

// notification is the shape the notifier stores: an SNS message ID.
type notification struct {
	MessageID string `json:"messageId"`
}

var detail = map[string]string{"eventId": "evt_OSGMDZJ5EQFOLZHHHF3KAI4ZPQ", "orderId": "ord_KJZG2YLUMVZXIX3PNRSGK4RAMI"}

func benchGuard(b *testing.B) (*Guard, *metered) {
	g, _ := localGuard(b)
	m := &metered{Client: g.Client}
	g.Client = m
	return g, m
}

func report(b *testing.B, m *metered) {
	n := float64(b.N)
	b.ReportMetric(float64(m.calls)/n, "calls/op")
	b.ReportMetric(m.wru/n, "WRU/op")
	b.ReportMetric(m.rru/n, "RRU/op")
}

// BenchmarkLocalFirstSeen: a key seen for the first time, against the
// local DynamoDB: the INPROGRESS claim and the COMPLETED write.
func BenchmarkLocalFirstSeen(b *testing.B) {
	g, m := benchGuard(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		if _, err := Do(ctx, g, fmt.Sprint("first-", i), detail, func(ctx context.Context) (notification, error) {
			return notification{MessageID: "95df01b4-ee98-5cb9-9903-4c221d41eb5e"}, nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	report(b, m)
}

// BenchmarkLocalRepeat: a key seen before (a replayed event), against the
// local DynamoDB: the claim's condition fails, and the record comes back
// with the failure, as DynamoDB returns it (0 reads; a store that did not
// would add the fallback GetItem, a call and a strongly consistent read).
func BenchmarkLocalRepeat(b *testing.B) {
	g, m := benchGuard(b)
	ctx := context.Background()
	fn := func(ctx context.Context) (notification, error) { return notification{MessageID: "m"}, nil }
	if _, err := Do(ctx, g, "repeat", detail, fn); err != nil {
		b.Fatal(err)
	}
	m.calls, m.wru, m.rru = 0, 0, 0
	for b.Loop() {
		if _, err := Do(ctx, g, "repeat", detail, fn); err != nil {
			b.Fatal(err)
		}
	}
	report(b, m)
}
