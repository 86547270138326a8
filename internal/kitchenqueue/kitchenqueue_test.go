package kitchenqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/orderflow/internal/orders"
)

// sendFunc fakes SendMessageBatchAPI.
type sendFunc func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error)

func (f sendFunc) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return f(in)
}

// acceptAllBut accepts every entry except those whose body names an order in
// failed, and records each call's entries.
func acceptAllBut(calls *[][]types.SendMessageBatchRequestEntry, failed ...string) sendFunc {
	return func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		*calls = append(*calls, in.Entries)
		out := &sqs.SendMessageBatchOutput{}
		for _, e := range in.Entries {
			var m orders.KitchenMessage
			_ = json.Unmarshal([]byte(*e.MessageBody), &m)
			bad := false
			for _, id := range failed {
				bad = bad || m.OrderID == id
			}
			if bad {
				out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), SenderFault: false})
			} else {
				out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String("m-" + *e.Id)})
			}
		}
		return out, nil
	}
}

func messages(n int) []orders.KitchenMessage {
	msgs := make([]orders.KitchenMessage, n)
	for i := range msgs {
		msgs[i] = orders.KitchenMessage{OrderID: fmt.Sprintf("o-%d", i)}
	}
	return msgs
}

func TestSend(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		failed    []string
		wantCalls []int        // entries per call
		wantErrAt map[int]bool // indexes that must fail
	}{
		{name: "none", n: 0, wantCalls: nil},
		{name: "one", n: 1, wantCalls: []int{1}},
		{name: "exactly ten", n: 10, wantCalls: []int{10}},
		{name: "twenty three in three calls", n: 23, wantCalls: []int{10, 10, 3}},
		{name: "failed entries map back", n: 23, failed: []string{"o-0", "o-14", "o-22"}, wantCalls: []int{10, 10, 3},
			wantErrAt: map[int]bool{0: true, 14: true, 22: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls [][]types.SendMessageBatchRequestEntry
			s := New(acceptAllBut(&calls, tt.failed...), "https://sqs.us-east-1.amazonaws.com/123456789012/kitchen")
			msgs := messages(tt.n)
			errs := s.Send(context.Background(), msgs)
			if len(errs) != tt.n {
				t.Fatalf("got %d results, want %d", len(errs), tt.n)
			}
			if len(calls) != len(tt.wantCalls) {
				t.Fatalf("got %d calls, want %d", len(calls), len(tt.wantCalls))
			}
			seen := map[string]bool{}
			for c, entries := range calls {
				if len(entries) != tt.wantCalls[c] {
					t.Errorf("call %d: got %d entries, want %d", c, len(entries), tt.wantCalls[c])
				}
				for _, e := range entries {
					if seen[*e.Id] {
						t.Errorf("call %d: got duplicate entry id %s, want unique", c, *e.Id)
					}
					seen[*e.Id] = true
				}
			}
			for i, err := range errs {
				if tt.wantErrAt[i] {
					var ee *EntryError
					if !errors.As(err, &ee) || ee.Code != "InternalError" {
						t.Errorf("msg %d: got error %v, want *EntryError InternalError", i, err)
					}
				} else if err != nil {
					t.Errorf("msg %d: got error %v, want nil", i, err)
				}
			}
		})
	}
}

func TestSendBody(t *testing.T) {
	var got *sqs.SendMessageBatchInput
	s := New(sendFunc(func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		got = in
		return &sqs.SendMessageBatchOutput{Successful: []types.SendMessageBatchResultEntry{{Id: in.Entries[0].Id}}}, nil
	}), "https://queue")
	if errs := s.Send(context.Background(), []orders.KitchenMessage{{OrderID: `o-"1"`}}); errs[0] != nil {
		t.Fatalf("got error %v, want nil", errs[0])
	}
	if aws.ToString(got.QueueUrl) != "https://queue" {
		t.Errorf("got queue %q, want https://queue", aws.ToString(got.QueueUrl))
	}
	if body, want := aws.ToString(got.Entries[0].MessageBody), `{"orderId":"o-\"1\""}`; body != want {
		t.Errorf("got body %s, want %s", body, want)
	}
}

func TestSendCallErrors(t *testing.T) {
	boom := errors.New("throttled")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		client  sendFunc
		wantErr error // every message's error must match (errors.Is)
	}{
		{
			name:    "whole call fails",
			ctx:     context.Background(),
			client:  func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) { return nil, boom },
			wantErr: boom,
		},
		{
			name: "context done before call",
			ctx:  canceled,
			client: func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
				t.Error("got a call, want none after cancel")
				return nil, nil
			},
			wantErr: context.Canceled,
		},
		{
			name: "entries missing from the response",
			ctx:  context.Background(),
			client: func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
				return &sqs.SendMessageBatchOutput{Successful: []types.SendMessageBatchResultEntry{{Id: aws.String("99")}}}, nil
			},
			wantErr: errNoResult,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := New(tt.client, "q").Send(tt.ctx, messages(12))
			for i, err := range errs {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("msg %d: got %v, want %v", i, err, tt.wantErr)
				}
			}
		})
	}
}
