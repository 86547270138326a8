package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/batchsend"
	"github.com/example/orderflow/runtime/logging"
	"github.com/example/orderflow/runtime/metrics/metricstest"
)

const (
	claimUpdate   = "SET #resentAt = :now"
	claimCond     = "#status = :pending AND (attribute_not_exists(#resentAt) OR #resentAt < :cutoff)"
	unclaimUpdate = "REMOVE #resentAt"
	unclaimCond   = "#resentAt = :claimedAt"
	keyCond       = "#shard = :shard AND #createdAt < :cutoff"
)

// row is one order in fakeTable; times are TimeLayout strings.
type row struct {
	id, status, createdAt, resentAt string
}

// fakeTable is an in-memory Orders table with its pending index, every
// PENDING order under shard 0 (newHandler's StaleOrders queries one shard:
// how orders spread over shards is the orders package's business, tested
// there against dynamosim). It answers
// exactly the Query, claim and unclaim requests StaleOrders makes, with
// DynamoDB's semantics (conditions evaluated atomically), and fails the test
// on any other request, so a change of expression shows up here.
type fakeTable struct {
	t       testing.TB
	mu      sync.Mutex
	rows    map[string]*row
	delay   time.Duration             // per UpdateItem, cut short by ctx
	failOn  func(op, id string) error // injected errors, before any effect
	queries int
}

func newTable(t testing.TB, rows ...row) *fakeTable {
	ft := &fakeTable{t: t, rows: map[string]*row{}}
	for _, r := range rows {
		ft.rows[r.id] = &r
	}
	return ft
}

func str(m map[string]ddbtypes.AttributeValue, k string) string {
	if s, ok := m[k].(*ddbtypes.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func (ft *fakeTable) Query(ctx context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if aws.ToString(in.KeyConditionExpression) != keyCond || aws.ToString(in.IndexName) != orders.PendingIndexName {
		ft.t.Errorf("fake: unexpected query %q on %q", aws.ToString(in.KeyConditionExpression), aws.ToString(in.IndexName))
		return nil, errors.New("fake: unexpected query")
	}
	if ft.failOn != nil {
		if err := ft.failOn("Query", str(in.ExclusiveStartKey, orders.AttrOrderID)); err != nil {
			return nil, err
		}
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.queries++
	shard, _ := in.ExpressionAttributeValues[":shard"].(*ddbtypes.AttributeValueMemberN)
	cutoff := str(in.ExpressionAttributeValues, ":cutoff")
	var match []*row
	for _, r := range ft.rows {
		if shard != nil && shard.Value == "0" && r.status == string(orders.StatusPending) && r.createdAt < cutoff {
			match = append(match, r)
		}
	}
	sort.Slice(match, func(i, j int) bool {
		if match[i].createdAt != match[j].createdAt {
			return match[i].createdAt < match[j].createdAt
		}
		return match[i].id < match[j].id
	})
	if start := str(in.ExclusiveStartKey, orders.AttrOrderID); start != "" {
		i := slices.IndexFunc(match, func(r *row) bool { return r.id == start })
		match = match[i+1:]
	}
	out := &dynamodb.QueryOutput{}
	for _, r := range match {
		if len(out.Items) == int(aws.ToInt32(in.Limit)) {
			last := out.Items[len(out.Items)-1]
			out.LastEvaluatedKey = last
			break
		}
		out.Items = append(out.Items, map[string]ddbtypes.AttributeValue{
			orders.AttrOrderID:   &ddbtypes.AttributeValueMemberS{Value: r.id},
			orders.AttrCreatedAt: &ddbtypes.AttributeValueMemberS{Value: r.createdAt},
		})
	}
	return out, nil
}

func (ft *fakeTable) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	id := str(in.Key, orders.AttrOrderID)
	update, cond := aws.ToString(in.UpdateExpression), aws.ToString(in.ConditionExpression)
	if ft.delay > 0 {
		select {
		case <-time.After(ft.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ft.failOn != nil {
		if err := ft.failOn(update, id); err != nil {
			return nil, err
		}
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	r := ft.rows[id]
	v := func(name string) string { return str(in.ExpressionAttributeValues, name) }
	switch {
	case update == claimUpdate && cond == claimCond:
		if r == nil || r.status != v(":pending") || (r.resentAt != "" && !(r.resentAt < v(":cutoff"))) {
			return nil, &ddbtypes.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
		}
		r.resentAt = v(":now")
	case update == unclaimUpdate && cond == unclaimCond:
		if r == nil || r.resentAt == "" || r.resentAt != v(":claimedAt") {
			return nil, &ddbtypes.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
		}
		r.resentAt = ""
	default:
		ft.t.Errorf("fake: unexpected update %q if %q", update, cond)
		return nil, errors.New("fake: unexpected update")
	}
	return &dynamodb.UpdateItemOutput{}, nil
}

func (ft *fakeTable) resentAt(id string) string {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.rows[id].resentAt
}

// fakeQueue records sent order IDs; reject fails the entries it returns true for.
type fakeQueue struct {
	mu     sync.Mutex
	sent   []string
	calls  int
	reject func(id string) bool
}

func (q *fakeQueue) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls++
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		var m orders.KitchenMessage
		if err := json.Unmarshal([]byte(aws.ToString(e.MessageBody)), &m); err != nil {
			return nil, err
		}
		if q.reject != nil && q.reject(m.OrderID) {
			out.Failed = append(out.Failed, sqstypes.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError")})
			continue
		}
		q.sent = append(q.sent, m.OrderID)
		out.Successful = append(out.Successful, sqstypes.SendMessageBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// ago renders t0-d in TimeLayout.
func ago(d time.Duration) string { return orders.FormatTime(t0.Add(-d)) }

func newHandler(ft *fakeTable, q *fakeQueue, now func() time.Time) *Handler {
	return &Handler{
		Stale: &orders.StaleOrders{Query: ft, Update: ft, Table: "Orders", Index: orders.PendingIndexName, Shards: 1, After: 15 * time.Minute},
		Queue: &orders.KitchenQueue{Sender: &batchsend.SQS{Client: q, QueueURL: "https://queue", Retry: batchsend.Retry{MaxAttempts: 1}}},
		Log:   logging.New(io.Discard),
		Now:   now,
	}
}

func loadEvent(t testing.TB, name string) events.EventBridgeEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

// staleRows returns n PENDING orders "s-00".."s-(n-1)" created 20m+i s ago.
func staleRows(n int) []row {
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{id: fmt.Sprintf("s-%02d", i), status: "PENDING", createdAt: ago(20*time.Minute + time.Duration(n-i)*time.Second)}
	}
	return rows
}

func TestHandle(t *testing.T) {
	mixed := []row{
		{id: "fresh", status: "PENDING", createdAt: ago(5 * time.Minute)},
		{id: "stale", status: "PENDING", createdAt: ago(20 * time.Minute)},
		{id: "preparing", status: "PREPARING", createdAt: ago(30 * time.Minute)},
		{id: "claimed-recently", status: "PENDING", createdAt: ago(40 * time.Minute), resentAt: ago(5 * time.Minute)},
		{id: "claim-expired", status: "PENDING", createdAt: ago(60 * time.Minute), resentAt: ago(20 * time.Minute)},
	}
	throttled := errors.New("ProvisionedThroughputExceededException")
	tests := []struct {
		name        string
		rows        []row
		event       string
		maxOrders   int
		failOn      func(op, id string) error
		reject      func(id string) bool
		wantSent    []string
		wantClaimed []string // orders whose resentAt must be t0 afterwards
		wantCleared []string // orders whose claim was undone: resentAt removed
		wantFound   int      // IDs read from the index, as the "sweep done" line says; 0: not checked
		wantErr     bool
	}{
		{
			name: "resends stale unclaimed pending orders oldest first", rows: mixed, event: "scheduled-event.json",
			wantSent: []string{"claim-expired", "stale"}, wantClaimed: []string{"claim-expired", "stale"},
		},
		{
			name: "failed send undoes its claim", rows: mixed, event: "scheduled-event.json",
			reject:   func(id string) bool { return id == "stale" },
			wantSent: []string{"claim-expired"}, wantClaimed: []string{"claim-expired"},
		},
		{
			name: "every send failing is a failed run", rows: mixed, event: "scheduled-event.json",
			reject:      func(string) bool { return true },
			wantCleared: []string{"claim-expired", "stale"},
			wantErr:     true,
		},
		{
			name: "one claim failing is not a failed run", rows: mixed, event: "scheduled-event.json",
			failOn: func(op, id string) error {
				if op == claimUpdate && id == "stale" {
					return throttled
				}
				return nil
			},
			wantSent: []string{"claim-expired"}, wantClaimed: []string{"claim-expired"},
		},
		{
			name: "unreadable index is a failed run", rows: mixed, event: "scheduled-event.json",
			failOn: func(op, _ string) error {
				if op == "Query" {
					return throttled
				}
				return nil
			},
			wantErr: true,
		},
		{
			name: "index failing on a later page: earlier pages sent, run failed", rows: staleRows(120), event: "scheduled-event.json",
			failOn: func(op, start string) error {
				if op == "Query" && start != "" {
					return throttled
				}
				return nil
			},
			wantSent: ids(staleRows(100)), wantClaimed: ids(staleRows(100)), wantErr: true,
		},
		{
			name: "bounded per run", rows: staleRows(30), event: "scheduled-event.json", maxOrders: 25,
			wantSent: ids(staleRows(25)), wantClaimed: ids(staleRows(25)),
		},
		{
			name: "orders claimed recently do not use up MaxOrders", event: "scheduled-event.json", maxOrders: 2,
			rows:     append(claimedRows(3, 5*time.Minute), staleRows(3)...),
			wantSent: ids(staleRows(2)), wantClaimed: ids(staleRows(2)), wantFound: 5,
		},
		{
			name: "MaxOrders counts claims across batches", event: "scheduled-event.json", maxOrders: 12,
			rows:     append(claimedRows(25, time.Minute), staleRows(20)...),
			wantSent: ids(staleRows(12)), wantClaimed: ids(staleRows(12)), wantFound: 37,
		},
		{
			name: "reads stop at MaxReadFactor times MaxOrders", event: "scheduled-event.json", maxOrders: 2,
			rows:      append(claimedRows(2*MaxReadFactor, time.Minute), staleRows(1)...),
			wantFound: 2 * MaxReadFactor,
		},
		{
			name: "a stale order just inside the read bound is sent", event: "scheduled-event.json", maxOrders: 2,
			rows:     append(claimedRows(2*MaxReadFactor-1, time.Minute), staleRows(1)...),
			wantSent: ids(staleRows(1)), wantClaimed: ids(staleRows(1)), wantFound: 2 * MaxReadFactor,
		},
		{
			name: "nothing stale", rows: mixed[:1], event: "scheduled-event.json",
		},
		{
			name: "other event rejected without work", rows: mixed, event: "object-created-event.json",
			wantErr: true,
		},
	}
	t.Setenv("AWS_LAMBDA_LOG_LEVEL", "DEBUG") // every line, to check each carries its orderId
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := newTable(t, tt.rows...)
			ft.failOn = tt.failOn
			q := &fakeQueue{reject: tt.reject}
			h := newHandler(ft, q, func() time.Time { return t0 })
			var out bytes.Buffer // logs and metrics, as stdout in Lambda
			h.Log, h.Metrics = logging.New(&out), ordermetrics.New(&out, "sweeper", "test")
			h.MaxOrders = tt.maxOrders
			err := h.Handle(context.Background(), loadEvent(t, tt.event))
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %t", err, tt.wantErr)
			}
			checkLogLines(t, out.Bytes())
			if tt.wantFound > 0 {
				if got := doneLine(t, out.Bytes())["found"]; got != float64(tt.wantFound) {
					t.Errorf("got found %v, want %d", got, tt.wantFound)
				}
			}
			lines := metricstest.Lines(t, out.Bytes())
			if tt.event != "scheduled-event.json" {
				if len(lines) != 0 {
					t.Errorf("got %d EMF lines for a rejected event, want none", len(lines))
				}
			} else if len(lines) != 1 || lines[0].Values[ordermetrics.StaleOrdersResent] != float64(len(tt.wantSent)) {
				t.Errorf("got EMF lines %+v, want one with StaleOrdersResent %d", lines, len(tt.wantSent))
			}
			if !slices.Equal(q.sent, tt.wantSent) {
				t.Errorf("got sent %v, want %v", q.sent, tt.wantSent)
			}
			for _, r := range tt.rows {
				want := r.resentAt
				switch {
				case slices.Contains(tt.wantClaimed, r.id):
					want = orders.FormatTime(t0)
				case slices.Contains(tt.wantCleared, r.id):
					want = ""
				}
				if got := ft.resentAt(r.id); got != want {
					t.Errorf("%s: got resentAt %q, want %q", r.id, got, want)
				}
			}
		})
	}
}

// checkLogLines checks that every log line of out (EMF lines aside) about an
// order carries its orderId: all but the lines about the run as a whole.
func checkLogLines(t *testing.T, out []byte) {
	t.Helper()
	run := map[string]bool{"rejected event": true, "reading stale orders failed": true, "sweep done": true}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("got non-JSON log line %q", sc.Text())
		}
		if line["_aws"] != nil || run[fmt.Sprint(line["msg"])] {
			continue
		}
		if id, _ := line["orderId"].(string); id == "" {
			t.Errorf("log line %s has no orderId", sc.Text())
		}
	}
}

// claimedRows returns n PENDING orders "c-00".."c-(n-1)", created before
// any of staleRows and claimed by another run claimedAgo before t0.
func claimedRows(n int, claimedAgo time.Duration) []row {
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{id: fmt.Sprintf("c-%02d", i), status: "PENDING", createdAt: ago(time.Hour + time.Duration(n-i)*time.Second), resentAt: ago(claimedAgo)}
	}
	return rows
}

// doneLine returns the "sweep done" log line of out.
func doneLine(t *testing.T, out []byte) map[string]any {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "sweep done" {
			return line
		}
	}
	t.Fatalf("got no sweep done line in %s", out)
	return nil
}

func ids(rows []row) []string {
	var s []string
	for _, r := range rows {
		s = append(s, r.id)
	}
	return s
}

func TestHandleConcurrentRunsSendOnce(t *testing.T) {
	ft := newTable(t, staleRows(60)...)
	ft.delay = time.Millisecond // interleave the runs' claims
	q := &fakeQueue{}
	now := func() time.Time { return t0 }
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			errs[i] = newHandler(ft, q, now).Handle(context.Background(), loadEvent(t, "scheduled-event.json"))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: got error %v, want nil", i, err)
		}
	}
	got := slices.Clone(q.sent)
	slices.Sort(got)
	if want := ids(staleRows(60)); !slices.Equal(got, want) {
		t.Errorf("got sent %v (%d), want each of %d orders exactly once", got, len(got), len(want))
	}
}

func TestHandleLateRuns(t *testing.T) {
	ft := newTable(t, row{id: "o-1", status: "PENDING", createdAt: ago(20 * time.Minute)})
	q := &fakeQueue{}
	tests := []struct {
		name     string
		at       time.Duration // run time after t0
		wantSent int           // total sends so far
	}{
		{name: "first run resends", at: 0, wantSent: 1},
		{name: "late run a minute later does not", at: time.Minute, wantSent: 1},
		{name: "run just inside stale-after does not", at: 15*time.Minute - time.Nanosecond, wantSent: 1},
		{name: "run after stale-after resends again", at: 15*time.Minute + time.Second, wantSent: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(ft, q, func() time.Time { return t0.Add(tt.at) })
			if err := h.Handle(context.Background(), loadEvent(t, "scheduled-event.json")); err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if len(q.sent) != tt.wantSent {
				t.Errorf("got %d sends, want %d", len(q.sent), tt.wantSent)
			}
		})
	}
}

func TestHandleDeadline(t *testing.T) {
	rows := staleRows(99)
	ft := newTable(t, rows...)
	ft.delay = 10 * time.Millisecond
	q := &fakeQueue{}
	h := newHandler(ft, q, time.Now)
	h.Stale.After = time.Minute
	for i := range rows { // stale relative to the real clock
		ft.rows[rows[i].id].createdAt = orders.FormatTime(time.Now().Add(-time.Hour))
	}
	h.Margin = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), h.Margin+350*time.Millisecond)
	defer cancel()

	err := h.Handle(ctx, loadEvent(t, "scheduled-event.json"))
	if err != nil {
		t.Fatalf("got error %v, want nil (out of time is not a failed run)", err)
	}
	if n := len(q.sent); n == 0 || n >= len(rows) {
		t.Fatalf("got %d sent, want some but not all %d before the margin", n, len(rows))
	}
	if ctx.Err() != nil {
		t.Errorf("handler returned after the invocation deadline, want before")
	}
	for _, r := range rows {
		if sent, claimed := slices.Contains(q.sent, r.id), ft.resentAt(r.id) != ""; sent != claimed {
			t.Errorf("%s: got sent %t claimed %t, want a claim exactly on sent orders", r.id, sent, claimed)
		}
	}
}

// TestHandleMarginCutsRead: a run whose time runs out while it reads the
// index has not failed (the next run continues); one whose read fails
// otherwise has.
func TestHandleMarginCutsRead(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration // of the invocation; the margin is 2 s
		failOn  func(op, id string) error
		wantErr bool
	}{
		{name: "deadline already within the margin", timeout: time.Second},
		{name: "index unreadable with time left", timeout: time.Minute, wantErr: true,
			failOn: func(op, _ string) error {
				if op == "Query" {
					return errors.New("throttled")
				}
				return nil
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := newTable(t, staleRows(3)...)
			ft.failOn = tt.failOn
			q := &fakeQueue{}
			h := newHandler(ft, q, func() time.Time { return t0 })
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			if err := h.Handle(ctx, loadEvent(t, "scheduled-event.json")); (err != nil) != tt.wantErr {
				t.Errorf("got error %v, want error %t", err, tt.wantErr)
			}
			if len(q.sent) != 0 {
				t.Errorf("got sent %v, want none", q.sent)
			}
		})
	}
}

func TestHandleLogs(t *testing.T) {
	var buf bytes.Buffer
	ft := newTable(t, staleRows(3)...)
	h := newHandler(ft, &fakeQueue{}, func() time.Time { return t0 })
	h.Log = logging.New(&buf)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-7"})
	if err := h.Handle(ctx, loadEvent(t, "scheduled-event.json")); err != nil {
		t.Fatal(err)
	}
	var resent []string
	var summary map[string]any
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("got non-JSON log line %q", sc.Text())
		}
		if line["requestId"] != "req-7" {
			t.Errorf("got requestId %v, want req-7 in %s", line["requestId"], sc.Text())
		}
		switch line["msg"] {
		case "resent stale order":
			resent = append(resent, fmt.Sprint(line["orderId"]))
		case "sweep done":
			summary = line
		}
	}
	if want := ids(staleRows(3)); !slices.Equal(resent, want) {
		t.Errorf("got resent lines for %v, want %v", resent, want)
	}
	if summary == nil || summary["sent"] != 3.0 || summary["found"] != 3.0 {
		t.Errorf("got summary %v, want found 3 sent 3", summary)
	}
}

func TestLoadConfig(t *testing.T) {
	full := map[string]string{
		orders.EnvTableName:        "Orders",
		orders.EnvPendingIndexName: orders.PendingIndexName,
		orders.EnvKitchenQueueURL:  "https://queue",
	}
	with := func(k, v string) map[string]string {
		m := maps.Clone(full)
		m[k] = v
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    time.Duration
		wantErr []string
	}{
		{name: "defaults", env: full, want: 15 * time.Minute},
		{name: "stale after set", env: with(orders.EnvStaleAfter, "30m"), want: 30 * time.Minute},
		{name: "stale after too short", env: with(orders.EnvStaleAfter, "30s"), wantErr: []string{`STALE_AFTER "30s"`}},
		{name: "missing table", env: with(orders.EnvTableName, ""), wantErr: []string{orders.EnvTableName}},
		{name: "nothing set", env: map[string]string{orders.EnvStaleAfter: "x"},
			wantErr: []string{orders.EnvTableName, orders.EnvPendingIndexName, orders.EnvKitchenQueueURL, orders.EnvStaleAfter}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("got config %+v, want error", c)
				}
				for _, w := range tt.wantErr {
					if !bytes.Contains([]byte(err.Error()), []byte(w)) {
						t.Errorf("got error %q, want it to name %s", err, w)
					}
				}
				return
			}
			if err != nil || c.StaleAfter != tt.want || c.Table != "Orders" || c.PendingIndex != orders.PendingIndexName || c.QueueURL != "https://queue" {
				t.Errorf("got (%+v, %v), want stale after %v and the names set", c, err, tt.want)
			}
		})
	}
}

func FuzzHandle(f *testing.F) {
	for _, name := range []string{"scheduled-event.json", "object-created-event.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		for _, stale := range []string{"", "15m", "30s", "25h", "1h30m"} {
			f.Add(b, stale)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, staleAfter string) {
		c, err := LoadConfig(func(k string) string {
			if k == orders.EnvStaleAfter {
				return staleAfter
			}
			return "set"
		})
		if err != nil {
			return
		}
		if c.StaleAfter < orders.MinStaleAfter || c.StaleAfter > orders.MaxStaleAfter {
			t.Fatalf("accepted STALE_AFTER %q as %v, outside the bounds", staleAfter, c.StaleAfter)
		}
		var ev events.EventBridgeEvent
		if json.Unmarshal(data, &ev) != nil {
			return
		}
		ft := newTable(t, row{id: "o-1", status: "PENDING", createdAt: orders.FormatTime(t0.Add(-c.StaleAfter - time.Second))})
		q := &fakeQueue{}
		h := newHandler(ft, q, func() time.Time { return t0 })
		h.Stale.After = c.StaleAfter
		err = h.Handle(context.Background(), ev)
		scheduled := ev.DetailType == "" || ev.DetailType == "Scheduled Event"
		if scheduled != (err == nil) {
			t.Fatalf("detail-type %q: got error %v, want error %t", ev.DetailType, err, !scheduled)
		}
		if wantSent := map[bool]int{true: 1, false: 0}[scheduled]; len(q.sent) != wantSent {
			t.Fatalf("got %d sent, want %d", len(q.sent), wantSent)
		}
	})
}

func BenchmarkDecodeOnly(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "scheduled-event.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandle runs a sweep of 20 stale orders (2 batches) per iteration
// against in-memory fakes; each iteration starts from an unclaimed table.
func BenchmarkHandle(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "scheduled-event.json"))
	if err != nil {
		b.Fatal(err)
	}
	ft := newTable(b, staleRows(20)...)
	q := &fakeQueue{}
	h := newHandler(ft, q, func() time.Time { return t0 })
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range ft.rows {
			r.resentAt = ""
		}
		q.sent = q.sent[:0]
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			b.Fatal(err)
		}
		if err := h.Handle(ctx, ev); err != nil || len(q.sent) != 20 {
			b.Fatalf("got (%v, %d sent), want (nil, 20)", err, len(q.sent))
		}
	}
}
