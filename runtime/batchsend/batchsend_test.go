package batchsend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// sqsFunc fakes SendMessageBatchAPI with a function.
type sqsFunc func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error)

func (f sqsFunc) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return f(in)
}

// queue fakes SQS: it records each call's bodies and fails an entry whose
// body is in fail (as often as fail says: -1 always), with senderFault.
type queue struct {
	mu          sync.Mutex
	calls       [][]string
	fail        map[string]int
	senderFault bool
}

func (q *queue) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var bodies []string
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		b := aws.ToString(e.MessageBody)
		bodies = append(bodies, b)
		if n := q.fail[b]; n != 0 {
			q.fail[b] = n - 1
			out.Failed = append(out.Failed, sqstypes.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), SenderFault: q.senderFault})
			continue
		}
		out.Successful = append(out.Successful, sqstypes.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String("m-" + *e.Id)})
	}
	q.calls = append(q.calls, bodies)
	return out, nil
}

func bodies(n int, prefix string) []sqstypes.SendMessageBatchRequestEntry {
	es := make([]sqstypes.SendMessageBatchRequestEntry, n)
	for i := range es {
		es[i].MessageBody = aws.String(fmt.Sprintf("%s%d", prefix, i))
	}
	return es
}

func noWait(context.Context, time.Duration) error { return nil }

func TestSQSSend(t *testing.T) {
	tests := []struct {
		name        string
		entries     []sqstypes.SendMessageBatchRequestEntry
		fail        map[string]int
		senderFault bool
		attempts    int
		wantCalls   []int        // entries per call
		wantErrAt   map[int]bool // indexes that must fail with *EntryError
	}{
		{name: "none", entries: bodies(0, "o-"), wantCalls: nil},
		{name: "one", entries: bodies(1, "o-"), wantCalls: []int{1}},
		{name: "exactly ten", entries: bodies(10, "o-"), wantCalls: []int{10}},
		{name: "twenty three in three calls", entries: bodies(23, "o-"), wantCalls: []int{10, 10, 3}},
		{name: "failed entries map back (no retry)", entries: bodies(23, "o-"), attempts: 1,
			fail: map[string]int{"o-0": -1, "o-14": -1, "o-22": -1}, wantCalls: []int{10, 10, 3},
			wantErrAt: map[int]bool{0: true, 14: true, 22: true}},
		{name: "failed entries are sent again, alone", entries: bodies(23, "o-"),
			fail: map[string]int{"o-0": -1, "o-14": -1, "o-22": -1}, wantCalls: []int{10, 10, 3, 3, 3},
			wantErrAt: map[int]bool{0: true, 14: true, 22: true}},
		{name: "a passing failure succeeds on the second attempt", entries: bodies(3, "o-"),
			fail: map[string]int{"o-1": 1}, wantCalls: []int{3, 1}},
		{name: "a sender fault is never sent again", entries: bodies(3, "o-"), senderFault: true,
			fail: map[string]int{"o-1": -1}, wantCalls: []int{3}, wantErrAt: map[int]bool{1: true}},
		{name: "split by bytes: 3 x 400 KiB in two calls", entries: []sqstypes.SendMessageBatchRequestEntry{
			{MessageBody: aws.String(strings.Repeat("a", 400<<10))}, {MessageBody: aws.String(strings.Repeat("b", 400<<10))},
			{MessageBody: aws.String(strings.Repeat("c", 400<<10))}}, wantCalls: []int{2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &queue{fail: tt.fail, senderFault: tt.senderFault}
			if q.fail == nil {
				q.fail = map[string]int{}
			}
			var seenIDs [][]string
			s := &SQS{Client: sqsFunc(func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
				var ids []string
				for _, e := range in.Entries {
					ids = append(ids, aws.ToString(e.Id))
				}
				seenIDs = append(seenIDs, ids)
				return q.SendMessageBatch(context.Background(), in)
			}), QueueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/kitchen", Retry: Retry{MaxAttempts: tt.attempts, Sleep: noWait}}
			errs := s.Send(context.Background(), tt.entries)
			if len(errs) != len(tt.entries) {
				t.Fatalf("got %d results, want %d", len(errs), len(tt.entries))
			}
			var got []int
			for _, c := range q.calls {
				got = append(got, len(c))
			}
			if !slices.Equal(got, tt.wantCalls) {
				t.Errorf("got calls of %v entries, want %v", got, tt.wantCalls)
			}
			for c, ids := range seenIDs {
				if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
					t.Errorf("call %d: got entry ids %v, want unique", c, ids)
				}
			}
			for i, err := range errs {
				if tt.wantErrAt[i] {
					var ee *EntryError
					if !errors.As(err, &ee) || ee.Code != "InternalError" || ee.Service != "sqs" || ee.SenderFault != tt.senderFault {
						t.Errorf("entry %d: got error %v, want *EntryError InternalError", i, err)
					}
				} else if err != nil {
					t.Errorf("entry %d: got error %v, want nil", i, err)
				}
			}
		})
	}
}

func TestSQSSendBody(t *testing.T) {
	var got *sqs.SendMessageBatchInput
	s := &SQS{Client: sqsFunc(func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		got = in
		return &sqs.SendMessageBatchOutput{Successful: []sqstypes.SendMessageBatchResultEntry{{Id: in.Entries[0].Id}}}, nil
	}), QueueURL: "https://queue"}
	in := []sqstypes.SendMessageBatchRequestEntry{{Id: aws.String("caller"), MessageBody: aws.String(`{"orderId":"o-\"1\""}`)}}
	if errs := s.Send(context.Background(), in); errs[0] != nil {
		t.Fatalf("got error %v, want nil", errs[0])
	}
	if aws.ToString(got.QueueUrl) != "https://queue" {
		t.Errorf("got queue %q, want https://queue", aws.ToString(got.QueueUrl))
	}
	if body, want := aws.ToString(got.Entries[0].MessageBody), `{"orderId":"o-\"1\""}`; body != want {
		t.Errorf("got body %s, want %s", body, want)
	}
	if aws.ToString(in[0].Id) != "caller" {
		t.Errorf("the caller's entry was changed: Id %q", aws.ToString(in[0].Id))
	}
}

func TestSQSSendFailures(t *testing.T) {
	boom := errors.New("throttled")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		client  sqsFunc
		entries []sqstypes.SendMessageBatchRequestEntry
		wantErr error // every entry's error must match (errors.Is)
		wantAs  any
	}{
		{
			name:    "whole call fails",
			ctx:     context.Background(),
			client:  func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) { return nil, boom },
			entries: bodies(12, "o-"),
			wantErr: boom,
		},
		{
			name: "context done before call",
			ctx:  canceled,
			client: func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
				t.Error("got a call, want none after cancel")
				return nil, nil
			},
			entries: bodies(12, "o-"),
			wantErr: context.Canceled,
		},
		{
			name: "entries missing from the response",
			ctx:  context.Background(),
			client: func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
				return &sqs.SendMessageBatchOutput{Successful: []sqstypes.SendMessageBatchResultEntry{{Id: aws.String("99")}}}, nil
			},
			entries: bodies(12, "o-"),
			wantErr: ErrNoResult,
		},
		{
			name: "too large: never sent",
			ctx:  context.Background(),
			client: func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
				t.Error("got a call, want none for a message over the limit")
				return nil, nil
			},
			entries: []sqstypes.SendMessageBatchRequestEntry{{MessageBody: aws.String(strings.Repeat("x", SQSMaxBytes-7)),
				MessageAttributes: map[string]sqstypes.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}}},
			wantAs: new(*TooLargeError),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := (&SQS{Client: tt.client, QueueURL: "q", Retry: Retry{Sleep: noWait}}).Send(tt.ctx, tt.entries)
			for i, err := range errs {
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("entry %d: got %v, want %v", i, err, tt.wantErr)
				}
				if tt.wantAs != nil && !errors.As(err, tt.wantAs) {
					t.Errorf("entry %d: got %v, want %T", i, err, tt.wantAs)
				}
			}
		})
	}
}

// Backoff stays within the context's deadline: with less time left than
// the wait, the failed entries keep their errors and are not sent again.
func TestRetryBoundedByDeadline(t *testing.T) {
	tests := []struct {
		name      string
		timeout   time.Duration
		wantCalls int
		wantErr   bool
	}{
		{name: "time for the retry", timeout: time.Hour, wantCalls: 2},
		{name: "no time to wait", timeout: 50 * time.Millisecond, wantCalls: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			q := &queue{fail: map[string]int{"o-0": 1}}
			var waited []time.Duration
			s := &SQS{Client: q, QueueURL: "q", Retry: Retry{Base: time.Second, Max: time.Second,
				Jitter: func(d time.Duration) time.Duration { return d },
				Sleep:  func(ctx context.Context, d time.Duration) error { waited = append(waited, d); return nil }}}
			errs := s.Send(ctx, bodies(1, "o-"))
			if len(q.calls) != tt.wantCalls {
				t.Errorf("got %d calls, want %d", len(q.calls), tt.wantCalls)
			}
			if got := errs[0] != nil; got != tt.wantErr {
				t.Errorf("got error %v, want error: %v", errs[0], tt.wantErr)
			}
			if tt.wantErr && len(waited) > 0 {
				t.Errorf("got waits %v past the deadline, want none", waited)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	r := Retry{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	for n, cap := range map[int]time.Duration{1: 10 * time.Millisecond, 2: 20 * time.Millisecond, 3: 40 * time.Millisecond, 4: 50 * time.Millisecond, 40: 50 * time.Millisecond} {
		for range 100 {
			if d := r.backoff(n); d < 0 || d > cap {
				t.Fatalf("attempt %d: got %v, want 0-%v", n, d, cap)
			}
		}
	}
	if got := (Retry{}).attempts(); got != 3 {
		t.Errorf("default attempts: got %d, want 3", got)
	}
}
