package integration

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/orderflow/internal/bulkimport"
	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/tools/localrun"
)

// TestAPIPostThenGet posts an order through the local HTTP API (the proxy
// `make api` serves: request -> payload 2.0 event -> api function ->
// response) and reads it back.
func TestAPIPostThenGet(t *testing.T) {
	_, db := startDynamo(t)
	emu := startFunction(t, "api", map[string]string{orders.EnvTableName: table})
	router, err := localrun.NewRouter([]localrun.Route{{Key: "ANY /orders"}, {Key: "ANY /orders/{id}"}}) // the service stack's routes
	if err != nil {
		t.Fatal(err)
	}
	srv, err := localrun.Serve(0, &localrun.APIProxy{Router: router, Function: emu})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	const body = `{"customerId":"cust-42","items":[{"sku":"ESPRESSO","quantity":2,"unitPriceCents":250},{"sku":"CROISSANT","quantity":1,"unitPriceCents":300}]}`
	post := func() (*http.Response, map[string]any) {
		req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost, srv.Endpoint+"/orders", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "it-key-1")
		return do(t, req)
	}
	resp, created := post()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /orders: got %d %v, want 201", resp.StatusCode, created)
	}
	id, _ := created["orderId"].(string)
	if created["status"] != "PENDING" || created["totalCents"] != 800.0 || created["customerId"] != "cust-42" || id == "" {
		t.Errorf("POST /orders body: got %v, want a PENDING order of 800 cents for cust-42", created)
	}
	loc := resp.Header.Get("Location")
	if loc != "/orders/"+id {
		t.Errorf("Location: got %q, want /orders/%s", loc, id)
	}

	req, _ := http.NewRequestWithContext(testContext(t), http.MethodGet, srv.Endpoint+loc, nil)
	resp, got := do(t, req)
	if resp.StatusCode != http.StatusOK || !reflect.DeepEqual(got, created) {
		t.Errorf("GET %s: got %d %v, want 200 %v", loc, resp.StatusCode, got, created)
	}
	item := getItem(t, db, id)
	if stringAttr(item, orders.AttrStatus) != "PENDING" || stringAttr(item, "customerId") != "cust-42" {
		t.Errorf("stored item: got %v, want PENDING for cust-42", item)
	}

	resp, replay := post()
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "true" || !reflect.DeepEqual(replay, created) {
		t.Errorf("retried POST: got %d %v %v, want 201, Idempotent-Replayed: true, the first order", resp.StatusCode, resp.Header, replay)
	}

	req, _ = http.NewRequestWithContext(testContext(t), http.MethodGet, srv.Endpoint+"/orders/ord_MISSING", nil)
	resp, missing := do(t, req)
	if e, _ := missing["error"].(map[string]any); resp.StatusCode != http.StatusNotFound || e["code"] != "not_found" {
		t.Errorf("GET unknown order: got %d %v, want 404 not_found", resp.StatusCode, missing)
	}
}

// TestImporterStoresOrdersAndWritesSummary uploads a CSV file, invokes the
// importer with the EventBridge "Object Created" event S3 sends for it, and
// checks the stored orders and the summary; a redelivered event stores
// nothing twice.
func TestImporterStoresOrdersAndWritesSummary(t *testing.T) {
	_, db := startDynamo(t)
	_, s3c := startS3(t)
	emu := startFunction(t, "importer",
		map[string]string{orders.EnvTableName: table, orders.EnvUploadsBucket: bucket})

	const key = "incoming/batch-1.csv"
	const file = "customerId,sku,quantity,unitPriceCents,orderRef\n" +
		"c-1,ESPRESSO,2,250,b-1\n" + // lines 2-3: one order of two items
		"c-1,CROISSANT,1,300,b-1\n" +
		"c-2,TEA,1,200,\n" +
		"c-3,BAGEL,3,350,\n" +
		"c-4,MUFFIN,0,abc,\n" // line 6: bad quantity and price
	ctx := testContext(t)
	put, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(file)})
	if err != nil {
		t.Fatal(err)
	}
	version := aws.ToString(put.VersionId)
	if version == "" {
		t.Fatal("PutObject: no version ID from a versioned bucket")
	}
	event := localrun.ObjectCreated(region, bucket, key, int64(len(file)), strings.Trim(aws.ToString(put.ETag), `"`), version, time.Now())

	summary := func() bulkimport.Summary {
		t.Helper()
		out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("reports/batch-1.csv.summary.json")})
		if err != nil {
			t.Fatalf("summary under reports/: %v", err)
		}
		defer out.Body.Close()
		var s bulkimport.Summary
		if err := json.NewDecoder(out.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	if got := invoke(t, emu, event); string(got) != "null" {
		t.Errorf("response: got %s, want null (no error)", got)
	}
	s := summary()
	if s.SourceKey != key || s.VersionID != version || s.TotalRows != 5 || s.Orders != 3 || s.Stored != 3 || s.Duplicates != 0 || s.RejectedRows != 1 || s.Error != "" {
		t.Errorf("summary: got %+v, want 5 rows, 3 orders stored, 1 rejected, version %s", s, version)
	}
	if len(s.Rejected) != 1 || s.Rejected[0].Line != 6 {
		t.Errorf("rejected rows: got %+v, want line 6", s.Rejected)
	}

	wantIDs := map[string]int64{ // order ID -> total
		bulkimport.OrderID(bucket, key, version, "ref:b-1"): 800,
		bulkimport.OrderID(bucket, key, version, "line:4"):  200,
		bulkimport.OrderID(bucket, key, version, "line:5"):  1050,
	}
	scan, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(scan.Items) != len(wantIDs) {
		t.Errorf("table: got %d items, want %d", len(scan.Items), len(wantIDs))
	}
	for _, item := range scan.Items {
		o, err := orders.UnmarshalItem(item)
		if err != nil {
			t.Fatal(err)
		}
		total, ok := wantIDs[o.OrderID]
		if !ok || o.TotalCents != total || o.Status != orders.StatusPending || o.Source != "import:"+key {
			t.Errorf("stored order: got %s %d %s %q, want one of %v, PENDING, source import:%s", o.OrderID, o.TotalCents, o.Status, o.Source, wantIDs, key)
		}
	}

	// Redelivery (EventBridge delivers at least once): same IDs, nothing stored twice.
	invoke(t, emu, event)
	if s := summary(); s.Stored != 0 || s.Duplicates != 3 {
		t.Errorf("summary after redelivery: got stored %d, duplicates %d; want 0, 3", s.Stored, s.Duplicates)
	}
}

// TestKitchenMovesOrdersToReadyAndRedeliveryChangesNothing sends a kitchen
// batch for two stored orders and one unknown, then redelivers the two.
//
// The redelivery leans on DynamoDB returning the old item with a failed
// condition (ReturnValuesOnConditionCheckFailure ALL_OLD): the kitchen reads
// "already READY" from it (TestFailedConditionReturnsTheOldItem).
func TestKitchenMovesOrdersToReadyAndRedeliveryChangesNothing(t *testing.T) {
	_, db := startDynamo(t)
	startBus(t) // its events: events_test.go
	emu := startFunction(t, "kitchen", map[string]string{orders.EnvTableName: table, orderevents.EnvBusName: busName})
	now := time.Now()
	storeOrder(t, db, "ord_K1", now)
	storeOrder(t, db, "ord_K2", now)

	msg := func(id string) string {
		b, _ := json.Marshal(orders.KitchenMessage{OrderID: id})
		return string(b)
	}
	queueARN := "arn:aws:sqs:" + region + ":" + localrun.AccountID + ":kitchen"
	batch := localrun.SQSMessages(region, queueARN, now, msg("ord_K1"), msg("ord_K2"), msg("ord_UNKNOWN"))

	var resp events.SQSEventResponse
	if err := json.Unmarshal(invoke(t, emu, batch), &resp); err != nil {
		t.Fatal(err)
	}
	want := []events.SQSBatchItemFailure{{ItemIdentifier: batch.Records[2].MessageId}}
	if !reflect.DeepEqual(resp.BatchItemFailures, want) {
		t.Errorf("first delivery: got failures %v, want only the unknown order's message %v", resp.BatchItemFailures, want)
	}
	ready := map[string]map[string]types.AttributeValue{}
	for _, id := range []string{"ord_K1", "ord_K2"} {
		ready[id] = getItem(t, db, id)
		if got := stringAttr(ready[id], orders.AttrStatus); got != string(orders.StatusReady) {
			t.Errorf("%s: got status %q, want READY", id, got)
		}
	}

	redelivered := batch
	redelivered.Records = batch.Records[:2] // SQS redelivers the same messages
	if err := json.Unmarshal(invoke(t, emu, redelivered), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("redelivery: got failures %v, want none (the orders are already READY)", resp.BatchItemFailures)
	}
	for id, before := range ready {
		if after := getItem(t, db, id); !reflect.DeepEqual(after, before) {
			t.Errorf("%s changed on redelivery:\n got %v\nwant %v", id, after, before)
		}
	}
}

// TestFailedConditionReturnsTheOldItem pins what the kitchen's redelivery
// leans on: with a failed condition and ReturnValuesOnConditionCheckFailure
// ALL_OLD, DynamoDB (and moto) return the item as it is (dynalite, the
// stand-in before moto, returned none and needed a proxy).
func TestFailedConditionReturnsTheOldItem(t *testing.T) {
	_, db := startDynamo(t)
	storeOrder(t, db, "ord_G1", time.Now())
	update := &dynamodb.UpdateItemInput{
		TableName:                           aws.String(table),
		Key:                                 map[string]types.AttributeValue{orders.AttrOrderID: &types.AttributeValueMemberS{Value: "ord_G1"}},
		UpdateExpression:                    aws.String("SET #s = :to"),
		ConditionExpression:                 aws.String("#s = :from"),
		ExpressionAttributeNames:            map[string]string{"#s": orders.AttrStatus},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":from": &types.AttributeValueMemberS{Value: "READY"}, ":to": &types.AttributeValueMemberS{Value: "PREPARING"}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	_, err := db.UpdateItem(testContext(t), update)
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("got %v, want ConditionalCheckFailedException", err)
	}
	if item := ccf.Item; stringAttr(item, orders.AttrStatus) != "PENDING" || stringAttr(item, orders.AttrOrderID) != "ord_G1" {
		t.Errorf("old item: got %v, want ord_G1 PENDING", item)
	}
}

// TestPublisherSendsNewOrderToKitchenQueue invokes the publisher with a
// DynamoDB stream batch (an INSERT of a new order and a MODIFY of another)
// and reads what reached the kitchen queue.
func TestPublisherSendsNewOrderToKitchenQueue(t *testing.T) {
	queueURL := startSQS(t, "kitchen")
	emu := startFunction(t, "publisher", map[string]string{orders.EnvKitchenQueueURL: queueURL})

	now := time.Now()
	image := func(id string, st orders.Status) map[string]types.AttributeValue {
		n := orders.NewOrder{CustomerID: "cust-7", Items: []orders.Item{{SKU: "LATTE", Quantity: 1, UnitPriceCents: 420}}}
		o, err := n.Build(id, "api", func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		o.Status = st
		item, err := orders.MarshalItem(o)
		if err != nil {
			t.Fatal(err)
		}
		return item
	}
	key := func(id string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{orders.AttrOrderID: &types.AttributeValueMemberS{Value: id}}
	}
	streamARN := "arn:aws:dynamodb:" + region + ":" + localrun.AccountID + ":table/" + table + "/stream/local"
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		localrun.StreamRecord(region, streamARN, "INSERT", 1, key("ord_NEW"), nil, image("ord_NEW", orders.StatusPending), now),
		localrun.StreamRecord(region, streamARN, "MODIFY", 2, key("ord_OLD"), image("ord_OLD", orders.StatusPending), image("ord_OLD", orders.StatusPreparing), now),
	}}

	var resp events.DynamoDBEventResponse
	if err := json.Unmarshal(invoke(t, emu, ev), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("failures: got %v, want none", resp.BatchItemFailures)
	}
	sent := received(t, queueURL)
	if len(sent) != 1 || aws.ToString(sent[0].Body) != `{"orderId":"ord_NEW"}` {
		t.Errorf("in the queue %s: got %+v, want one message {\"orderId\":\"ord_NEW\"}", queueURL, sent)
	}
}

// TestSweeperResendsStaleOrderOnce stores a stale and a fresh PENDING order
// (each in the pending index, under its own shard) and a stale one that
// already moved on (out of the index), runs the sweeper twice on its
// schedule event, and checks the stale PENDING one was found through the
// pending index and sent to the kitchen queue exactly once.
func TestSweeperResendsStaleOrderOnce(t *testing.T) {
	_, db := startDynamo(t)
	queueURL := startSQS(t, "kitchen")
	emu := startFunction(t, "sweeper", map[string]string{
		orders.EnvTableName: table, orders.EnvPendingIndexName: pendingIndex,
		orders.EnvKitchenQueueURL: queueURL, orders.EnvStaleAfter: "15m",
	})
	now := time.Now()
	storeOrder(t, db, "ord_STALE", now.Add(-time.Hour))
	storeOrder(t, db, "ord_FRESH", now.Add(-time.Minute))
	storeOrder(t, db, "ord_DONE", now.Add(-time.Hour))
	if _, err := (&orders.Store{Client: db, Table: table}).Advance(testContext(t), "ord_DONE", orders.StatusPending, orders.StatusPreparing); err != nil {
		t.Fatal(err)
	}
	if got := getItem(t, db, "ord_DONE")[orders.AttrPendingShard]; got != nil {
		t.Fatalf("ord_DONE: %s still set after leaving PENDING", orders.AttrPendingShard)
	}

	ev := localrun.Scheduled(region, "arn:aws:events:"+region+":"+localrun.AccountID+":rule/sweep", now)
	for range 2 {
		if got := invoke(t, emu, ev); string(got) != "null" {
			t.Errorf("response: got %s, want null", got)
		}
	}
	var bodies []string
	for _, m := range received(t, queueURL) {
		bodies = append(bodies, aws.ToString(m.Body))
	}
	if want := []string{`{"orderId":"ord_STALE"}`}; !slices.Equal(bodies, want) {
		t.Errorf("sent: got %q, want %q (once: the first run claims it)", bodies, want)
	}
	if stringAttr(getItem(t, db, "ord_STALE"), orders.AttrResentAt) == "" {
		t.Errorf("ord_STALE: no %s claim", orders.AttrResentAt)
	}
}

// do sends req and decodes the JSON response body.
func do(t *testing.T, req *http.Request) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", req.Method, req.URL, b, err)
	}
	return resp, v
}
