package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/example/orderflow/internal/bulkimport"
	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/logging"
	"github.com/example/orderflow/runtime/metrics/metricstest"
)

const testBucket = "orderflow-uploads"

// Keys of the testdata events, decoded.
const (
	s3EventKey = "incoming/Happy Face +1 café 100%.csv"
	ebEventKey = "incoming/weekly orders (v2).jsonl"
)

// ebEventRawKey is the key of eventbridge-object-created.json as it is there.
const ebEventRawKey = "incoming/weekly+orders+%28v2%29.jsonl"

// Object versions in the testdata events.
const (
	s3EventVersion = "096fKKXTRTtl3on89fVO.nfljtsv6qko"
	ebEventVersion = "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"
)

// unversioned returns the testdata S3 event without its versionId, as from a
// bucket without versioning.
func unversioned(t testing.TB) []byte {
	ev := readTestdata(t, "s3-event.json")
	out := bytes.Replace(ev, []byte(`"versionId": "`+s3EventVersion+`",`), nil, 1)
	if bytes.Equal(out, ev) {
		t.Fatal("s3-event.json: versionId not found")
	}
	return out
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeObject is an object in fakeS3.
type fakeObject struct {
	body          []byte
	etag, version string // version "": any VersionId asked for is served
	contentLength *int64 // nil: len(body)
}

// fakeS3 serves GetObject from objects and records PutObject calls.
type fakeS3 struct {
	objects   map[string]fakeObject
	gets      []string
	versions  []string // VersionId of each GetObject, "" for none
	puts      map[string][]byte
	bytesRead int
	getErr    error
	putErr    error
	missing   error // the error for a key not in objects; nil: NoSuchKey
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if aws.ToString(in.Bucket) != testBucket {
		return nil, errors.New("fake: wrong bucket " + aws.ToString(in.Bucket))
	}
	f.gets = append(f.gets, aws.ToString(in.Key))
	f.versions = append(f.versions, aws.ToString(in.VersionId))
	if f.getErr != nil {
		return nil, f.getErr
	}
	o, ok := f.objects[aws.ToString(in.Key)]
	if !ok && f.missing != nil {
		return nil, f.missing
	}
	if !ok {
		return nil, &types.NoSuchKey{}
	}
	if v := aws.ToString(in.VersionId); v != "" && o.version != "" && v != o.version {
		return nil, &smithy.GenericAPIError{Code: "NoSuchVersion", Message: "The specified version does not exist."}
	}
	n := o.contentLength
	if n == nil {
		n = aws.Int64(int64(len(o.body)))
	}
	out := &s3.GetObjectOutput{Body: io.NopCloser(&countingReader{r: bytes.NewReader(o.body), n: &f.bytesRead}), ContentLength: n}
	if o.etag != "" {
		out.ETag = aws.String(`"` + o.etag + `"`)
	}
	if o.version != "" {
		out.VersionId = aws.String(o.version)
	}
	return out, nil
}

func (f *fakeS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if f.putErr != nil {
		return nil, f.putErr
	}
	if aws.ToString(in.Bucket) != testBucket || aws.ToString(in.ContentType) != "application/json" {
		return nil, errors.New("fake: want bucket " + testBucket + " and JSON")
	}
	b, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	if f.puts == nil {
		f.puts = map[string][]byte{}
	}
	f.puts[aws.ToString(in.Key)] = b
	return &s3.PutObjectOutput{}, nil
}

type countingReader struct {
	r io.Reader
	n *int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += n
	return n, err
}

// fakeDB is an Orders table behind BatchGetItem and BatchWriteItem, so the
// tests run the real orders.BatchStore.
type fakeDB struct {
	items    map[string]map[string]ddbtypes.AttributeValue
	writeErr error
}

func (f *fakeDB) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]ddbtypes.AttributeValue{}}
	for table, ka := range in.RequestItems {
		for _, k := range ka.Keys {
			id := k[orders.AttrOrderID].(*ddbtypes.AttributeValueMemberS).Value
			if _, ok := f.items[id]; ok {
				out.Responses[table] = append(out.Responses[table], k)
			}
		}
	}
	return out, nil
}

func (f *fakeDB) BatchWriteItem(_ context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	if f.writeErr != nil {
		return nil, f.writeErr
	}
	for _, reqs := range in.RequestItems {
		for _, r := range reqs {
			id := r.PutRequest.Item[orders.AttrOrderID].(*ddbtypes.AttributeValueMemberS).Value
			f.items[id] = r.PutRequest.Item
		}
	}
	return &dynamodb.BatchWriteItemOutput{}, nil
}

func (f *fakeDB) orders(t testing.TB) map[string]orders.Order {
	t.Helper()
	m := map[string]orders.Order{}
	for id, item := range f.items {
		o, err := orders.UnmarshalItem(item)
		if err != nil {
			t.Fatal(err)
		}
		m[id] = o
	}
	return m
}

var testNow = time.Date(2030, 1, 2, 3, 4, 6, 0, time.UTC)

// newHandler returns a handler whose logs and metrics both go to log, as
// both go to stdout in Lambda.
func newHandler(s *fakeS3, db *fakeDB, log io.Writer) *Handler {
	if db.items == nil {
		db.items = map[string]map[string]ddbtypes.AttributeValue{}
	}
	return &Handler{
		Objects:  s,
		Reports:  s,
		Orders:   &orders.BatchStore{Get: db, Write: db, Table: "Orders"},
		Bucket:   testBucket,
		MaxBytes: 1 << 20,
		Log:      logging.New(log),
		Metrics:  ordermetrics.New(log, "importer", "test"),
		Now:      func() time.Time { return testNow },
	}
}

func summaryOf(t testing.TB, s *fakeS3, key string) bulkimport.Summary {
	t.Helper()
	b, ok := s.puts[key]
	if !ok {
		t.Fatalf("got reports %v, want one at %q", slices.Collect(mapKeys(s.puts)), key)
	}
	var sum bulkimport.Summary
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sum); err != nil {
		t.Fatalf("decode summary: %v", err)
	}
	return sum
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func rejectedLines(rs []bulkimport.Rejection) []int {
	lines := make([]int, len(rs))
	for i, r := range rs {
		lines[i] = r.Line
	}
	return lines
}

func TestHandle(t *testing.T) {
	csvBody := readTestdata(t, "orders.csv")
	jsonlBody := readTestdata(t, "orders.jsonl")
	tests := []struct {
		name         string
		event        string
		objects      map[string]fakeObject
		maxBytes     int64
		wantGets     []string
		wantReport   string // key; "" for none
		wantSummary  bulkimport.Summary
		wantRejected []int
		wantOrders   int
		wantRead     int // bytes read from S3; -1: any
	}{
		{
			name:       "S3 notification, CSV with good and bad rows, key with space, plus, unicode and percent",
			event:      "s3-event.json",
			objects:    map[string]fakeObject{s3EventKey: {body: csvBody, etag: "etag-1", version: s3EventVersion}},
			wantGets:   []string{s3EventKey},
			wantReport: "reports/Happy Face +1 café 100%.csv.summary.json",
			wantSummary: bulkimport.Summary{SourceKey: s3EventKey, ETag: "etag-1", VersionID: s3EventVersion, Format: bulkimport.CSV,
				TotalRows: 9, Orders: 3, Stored: 3, RejectedRows: 5},
			wantRejected: []int{5, 6, 7, 8, 9},
			wantOrders:   3,
			wantRead:     len(csvBody),
		},
		{
			name:       "EventBridge Object Created, JSON Lines",
			event:      "eventbridge-object-created.json",
			objects:    map[string]fakeObject{ebEventKey: {body: jsonlBody, etag: "etag-2"}},
			wantGets:   []string{ebEventKey},
			wantReport: "reports/weekly orders (v2).jsonl.summary.json",
			wantSummary: bulkimport.Summary{SourceKey: ebEventKey, ETag: "etag-2", VersionID: "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
				Format: bulkimport.JSONL, TotalRows: 6, Orders: 3, Stored: 3, RejectedRows: 3},
			wantRejected: []int{3, 4, 6},
			wantOrders:   3,
			wantRead:     len(jsonlBody),
		},
		{
			name:        "event size over the limit: rejected unread",
			event:       "s3-event.json",
			objects:     map[string]fakeObject{s3EventKey: {body: csvBody}},
			maxBytes:    100,
			wantReport:  "reports/Happy Face +1 café 100%.csv.summary.json",
			wantSummary: bulkimport.Summary{SourceKey: s3EventKey, ETag: "d41d8cd98f00b204e9800998ecf8427e", VersionID: "096fKKXTRTtl3on89fVO.nfljtsv6qko", Format: bulkimport.CSV, Error: "file too large: 286 bytes, over the limit of 100 bytes"},
		},
		{
			name:        "ContentLength over the limit: rejected unread",
			event:       "s3-event.json",
			objects:     map[string]fakeObject{s3EventKey: {body: csvBody, etag: "e", contentLength: aws.Int64(300)}},
			maxBytes:    290,
			wantGets:    []string{s3EventKey},
			wantReport:  "reports/Happy Face +1 café 100%.csv.summary.json",
			wantSummary: bulkimport.Summary{SourceKey: s3EventKey, ETag: "e", VersionID: "096fKKXTRTtl3on89fVO.nfljtsv6qko", Format: bulkimport.CSV, Error: "file too large: 300 bytes, over the limit of 290 bytes"},
		},
		{
			name:        "body longer than its sizes say: stopped at the limit, nothing stored",
			event:       "s3-event.json",
			objects:     map[string]fakeObject{s3EventKey: {body: append(slices.Clone(csvBody), csvBody[50:]...), etag: "e", contentLength: aws.Int64(10)}},
			maxBytes:    290,
			wantGets:    []string{s3EventKey},
			wantReport:  "reports/Happy Face +1 café 100%.csv.summary.json",
			wantSummary: bulkimport.Summary{SourceKey: s3EventKey, ETag: "e", VersionID: "096fKKXTRTtl3on89fVO.nfljtsv6qko", Format: bulkimport.CSV, Error: "file too large: over the limit of 290 bytes"},
			wantRead:    -1,
		},
		{
			name:        "CSV without a header: rejected with a report",
			event:       "s3-event.json",
			objects:     map[string]fakeObject{s3EventKey: {body: []byte("cust-1,A,1,100\n"), etag: "e"}},
			wantGets:    []string{s3EventKey},
			wantReport:  "reports/Happy Face +1 café 100%.csv.summary.json",
			wantSummary: bulkimport.Summary{SourceKey: s3EventKey, ETag: "e", VersionID: "096fKKXTRTtl3on89fVO.nfljtsv6qko", Format: bulkimport.CSV, Error: `bad file: header: unknown column "cust-1": want customerId, sku, quantity, unitPriceCents, orderRef`},
			wantRead:    -1,
		},
		{
			name:        "object gone before it was read (EventBridge: the key as it came is tried too)",
			event:       "eventbridge-object-created.json",
			wantGets:    []string{ebEventKey, ebEventRawKey},
			wantReport:  "reports/weekly orders (v2).jsonl.summary.json",
			wantSummary: bulkimport.Summary{SourceKey: ebEventKey, ETag: "b1946ac92492d2347c6235b4d2611184", VersionID: "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e", Format: bulkimport.JSONL, Error: "file not found: deleted before it was imported"},
		},
		{
			name:        "version gone before it was read",
			event:       "s3-event.json",
			objects:     map[string]fakeObject{s3EventKey: {body: csvBody, etag: "newer", version: "newer-version"}},
			wantGets:    []string{s3EventKey},
			wantReport:  "reports/Happy Face +1 café 100%.csv.summary.json",
			wantSummary: bulkimport.Summary{SourceKey: s3EventKey, ETag: "d41d8cd98f00b204e9800998ecf8427e", VersionID: s3EventVersion, Format: bulkimport.CSV, Error: "file not found: deleted before it was imported"},
		},
		{
			name:  "other bucket, key outside incoming/, and a deletion: all ignored",
			event: "s3-event-ignored.json",
		},
		{
			name:  "EventBridge Object Deleted: ignored",
			event: "eventbridge-object-deleted.json",
		},
		{
			name:  "S3 test event sent when the notification is set up: ignored",
			event: "s3-test-event.json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeS3{objects: tt.objects}
			db := &fakeDB{}
			var logs bytes.Buffer
			h := newHandler(s, db, &logs)
			if tt.maxBytes > 0 {
				h.MaxBytes = tt.maxBytes
			}
			if err := h.Handle(context.Background(), readTestdata(t, tt.event)); err != nil {
				t.Fatalf("Handle: got error %v, want nil", err)
			}
			if !slices.Equal(s.gets, tt.wantGets) {
				t.Errorf("got GetObject keys %q, want %q", s.gets, tt.wantGets)
			}
			if tt.wantReport == "" {
				if len(s.puts) != 0 {
					t.Errorf("got reports %v, want none", slices.Collect(mapKeys(s.puts)))
				}
			} else {
				sum := summaryOf(t, s, tt.wantReport)
				if len(s.puts) != 1 {
					t.Errorf("got %d reports, want 1", len(s.puts))
				}
				got := rejectedLines(sum.Rejected)
				if sum.Rejected == nil {
					t.Errorf("got rejected null, want a list")
				}
				sum.Rejected = nil
				if !reflect.DeepEqual(sum, tt.wantSummary) {
					t.Errorf("got summary\n%+v\nwant\n%+v", sum, tt.wantSummary)
				}
				if !slices.Equal(got, tt.wantRejected) {
					t.Errorf("got rejected lines %v, want %v", got, tt.wantRejected)
				}
			}
			if got := len(db.items); got != tt.wantOrders {
				t.Errorf("got %d orders stored, want %d", got, tt.wantOrders)
			}
			if tt.wantRead >= 0 && s.bytesRead != tt.wantRead {
				t.Errorf("got %d bytes read, want %d", s.bytesRead, tt.wantRead)
			}
			if tt.wantRead == -1 && int64(s.bytesRead) > h.MaxBytes+1 {
				t.Errorf("got %d bytes read, want at most the limit %d + 1", s.bytesRead, h.MaxBytes)
			}
			// One EMF line per file imported; none for a file rejected whole
			// or an ignored event.
			wantLines := 0
			if tt.wantReport != "" && tt.wantSummary.Error == "" {
				wantLines = 1
			}
			if got := len(metricstest.Lines(t, logs.Bytes())); got != wantLines {
				t.Errorf("got %d EMF lines, want %d", got, wantLines)
			}
			totals := metricstest.Totals(t, logs.Bytes())
			if got := totals[ordermetrics.OrdersCreated]; got != float64(tt.wantOrders) {
				t.Errorf("OrdersCreated: got %v, want %d", got, tt.wantOrders)
			}
			if got := totals[ordermetrics.ImportRowsRejected]; got != float64(tt.wantSummary.RejectedRows) {
				t.Errorf("ImportRowsRejected: got %v, want %d", got, tt.wantSummary.RejectedRows)
			}
		})
	}
}

func TestHandleStoresOrders(t *testing.T) {
	s := &fakeS3{objects: map[string]fakeObject{s3EventKey: {body: readTestdata(t, "orders.csv"), etag: "etag-1", version: s3EventVersion}}}
	db := &fakeDB{}
	h := newHandler(s, db, io.Discard)
	if err := h.Handle(context.Background(), readTestdata(t, "s3-event.json")); err != nil {
		t.Fatal(err)
	}
	if want := []string{s3EventVersion}; !slices.Equal(s.versions, want) {
		t.Errorf("got GetObject versions %q, want the event's %q", s.versions, want)
	}
	want := map[string]orders.Order{}
	for _, o := range []struct {
		ref   string
		cust  string
		items []orders.Item
	}{
		{"ref:breakfast-1", "cust-001", []orders.Item{{SKU: "ESPRESSO", Quantity: 2, UnitPriceCents: 250}, {SKU: "CROISSANT", Quantity: 1, UnitPriceCents: 300}}},
		{"line:4", "cust-002", []orders.Item{{SKU: "TEA", Quantity: 1, UnitPriceCents: 200}}},
		{"line:10", "cust-008", []orders.Item{{SKU: "JUICE", Quantity: 1, UnitPriceCents: 450}}},
	} {
		id := bulkimport.OrderID(testBucket, s3EventKey, s3EventVersion, o.ref)
		var total int64
		for _, it := range o.items {
			total += int64(it.Quantity) * it.UnitPriceCents
		}
		want[id] = orders.Order{OrderID: id, CustomerID: o.cust, Items: o.items, TotalCents: total,
			Status: orders.StatusPending, CreatedAt: testNow, UpdatedAt: testNow, Source: "import:" + s3EventKey}
	}
	if got := db.orders(t); !reflect.DeepEqual(got, want) {
		t.Errorf("got orders\n%+v\nwant\n%+v", got, want)
	}
}

// A redelivered event stores nothing new and leaves orders the kitchen has
// moved on alone.
func TestHandleRedelivery(t *testing.T) {
	for _, tt := range []struct {
		name, key    string
		event        []byte
		object       fakeObject
		wantVersions []string
	}{
		{name: "S3 notification, versioned", event: readTestdata(t, "s3-event.json"), key: s3EventKey,
			object: fakeObject{body: readTestdata(t, "orders.csv"), etag: "e1", version: s3EventVersion}, wantVersions: []string{s3EventVersion, s3EventVersion}},
		{name: "S3 notification, unversioned", event: unversioned(t), key: s3EventKey,
			object: fakeObject{body: readTestdata(t, "orders.csv"), etag: "e1"}, wantVersions: []string{"", ""}},
		{name: "EventBridge, versioned", event: readTestdata(t, "eventbridge-object-created.json"), key: ebEventKey,
			object: fakeObject{body: readTestdata(t, "orders.jsonl"), etag: "e2", version: ebEventVersion}, wantVersions: []string{ebEventVersion, ebEventVersion}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeS3{objects: map[string]fakeObject{tt.key: tt.object}}
			db := &fakeDB{}
			h := newHandler(s, db, io.Discard)
			ev := tt.event
			if err := h.Handle(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			first := db.orders(t)
			var advanced string
			for id := range db.items {
				advanced = id
				db.items[id][orders.AttrStatus] = &ddbtypes.AttributeValueMemberS{Value: string(orders.StatusPreparing)}
				break
			}
			h.Now = func() time.Time { return testNow.Add(time.Hour) }
			var out bytes.Buffer
			h.Metrics = ordermetrics.New(&out, "importer", "test")
			if err := h.Handle(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			if got := metricstest.Totals(t, out.Bytes())[ordermetrics.OrdersCreated]; got != 0 {
				t.Errorf("OrdersCreated on redelivery: got %v, want 0", got)
			}
			second := db.orders(t)
			if len(second) != len(first) {
				t.Errorf("got %d orders after redelivery, want %d", len(second), len(first))
			}
			if got := second[advanced].Status; got != orders.StatusPreparing {
				t.Errorf("got advanced order %s back to %s, want it left %s", advanced, got, orders.StatusPreparing)
			}
			for id, o := range second {
				if !o.CreatedAt.Equal(testNow) {
					t.Errorf("order %s: got createdAt %v, want the first import's %v", id, o.CreatedAt, testNow)
				}
			}
			if !slices.Equal(s.versions, tt.wantVersions) {
				t.Errorf("got GetObject versions %q, want %q", s.versions, tt.wantVersions)
			}
			sum := summaryOf(t, s, ReportKey(tt.key))
			if sum.Stored != 0 || sum.Duplicates != len(first) {
				t.Errorf("got stored %d duplicates %d, want 0 and %d", sum.Stored, sum.Duplicates, len(first))
			}
		})
	}
}

func TestHandleRetryableErrors(t *testing.T) {
	apiErr := errors.New("service unavailable")
	body := readTestdata(t, "orders.csv")
	tests := []struct {
		name       string
		s3         fakeS3
		db         fakeDB
		wantReport bool
		wantMetric map[string]float64 // totals of the EMF lines
	}{
		{name: "GetObject fails", s3: fakeS3{getErr: apiErr}, wantMetric: map[string]float64{}},
		{name: "BatchWriteItem fails", s3: fakeS3{objects: map[string]fakeObject{s3EventKey: {body: body}}}, db: fakeDB{writeErr: apiErr},
			wantMetric: map[string]float64{ordermetrics.OrdersCreated: 0}},
		// The orders are stored: counted now, since the retry finds them stored.
		// The rejected rows are counted by the retry that writes the report.
		{name: "PutObject fails", s3: fakeS3{objects: map[string]fakeObject{s3EventKey: {body: body}}, putErr: apiErr},
			wantMetric: map[string]float64{ordermetrics.OrdersCreated: 3}},
		{name: "PutObject of a rejection fails", s3: fakeS3{objects: map[string]fakeObject{s3EventKey: {body: []byte("x")}}, putErr: apiErr},
			wantMetric: map[string]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := newHandler(&tt.s3, &tt.db, &logs)
			err := h.Handle(context.Background(), readTestdata(t, "s3-event.json"))
			if !errors.Is(err, apiErr) {
				t.Fatalf("got error %v, want one wrapping %v (so Lambda retries)", err, apiErr)
			}
			if len(tt.s3.puts) != 0 {
				t.Errorf("got reports %v, want none before the retry", slices.Collect(mapKeys(tt.s3.puts)))
			}
			if !strings.Contains(logs.String(), `"level":"ERROR"`) {
				t.Errorf("got logs %s, want an ERROR line", logs.String())
			}
			if got := metricstest.Totals(t, logs.Bytes()); !reflect.DeepEqual(got, tt.wantMetric) {
				t.Errorf("metrics: got %v, want %v", got, tt.wantMetric)
			}
		})
	}
}

func TestHandleUndecodableEvent(t *testing.T) {
	tests := []struct {
		name  string
		event string
	}{
		{name: "not JSON", event: `{"Records":`},
		{name: "unknown shape", event: `{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}`},
		{name: "EventBridge detail not an object", event: `{"source":"aws.s3","detail-type":"Object Created","detail":[1]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeS3{}
			var logs bytes.Buffer
			h := newHandler(s, &fakeDB{}, &logs)
			if err := h.Handle(context.Background(), json.RawMessage(tt.event)); err != nil {
				t.Errorf("got error %v, want nil: a retry cannot fix a malformed event", err)
			}
			if len(s.gets)+len(s.puts) != 0 {
				t.Errorf("got S3 calls %v %v, want none", s.gets, slices.Collect(mapKeys(s.puts)))
			}
			if !strings.Contains(logs.String(), "event dropped") {
				t.Errorf("got logs %s, want an 'event dropped' line", logs.String())
			}
		})
	}
}

func TestHandleIgnoredKeys(t *testing.T) {
	tests := []struct {
		name       string
		key        string // as in the event, encoded
		wantGet    bool
		wantReport string
	}{
		{name: "folder marker", key: "incoming/"},
		{name: "sub folder marker", key: "incoming/2030/"},
		{name: "outside incoming", key: "uploads/a.csv"},
		{name: "incoming is a prefix, not a substring", key: "x/incoming/a.csv"},
		{name: "report key", key: "reports/a.csv.summary.json"},
		{name: "unsupported suffix is reported unread", key: "incoming/a.txt", wantReport: "reports/a.txt.summary.json"},
		{name: "nested key keeps its folders", key: "incoming/2030/01/a%2Bb.csv", wantGet: true, wantReport: "reports/2030/01/a+b.csv.summary.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := `{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"orderflow-uploads"},"object":{"key":"` + tt.key + `","size":10}}}]}`
			s := &fakeS3{objects: map[string]fakeObject{"incoming/2030/01/a+b.csv": {body: []byte("customerId,sku,quantity,unitPriceCents\n")}}}
			h := newHandler(s, &fakeDB{}, io.Discard)
			if err := h.Handle(context.Background(), json.RawMessage(ev)); err != nil {
				t.Fatal(err)
			}
			if got := len(s.gets) > 0; got != tt.wantGet {
				t.Errorf("got GetObject called %v, want %v", got, tt.wantGet)
			}
			var reports []string
			for k := range s.puts {
				reports = append(reports, k)
			}
			var want []string
			if tt.wantReport != "" {
				want = []string{tt.wantReport}
			}
			if !slices.Equal(reports, want) {
				t.Errorf("got reports %q, want %q", reports, want)
			}
		})
	}
}

// withKeys returns the testdata event file with its object key replaced by
// rawKeys (as an event carries them, encoded or not): for an S3 notification
// one record per key, a copy of the file's record; for EventBridge, one key.
func withKeys(t *testing.T, file string, rawKeys ...string) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(readTestdata(t, file), &ev); err != nil {
		t.Fatal(err)
	}
	if detail, ok := ev["detail"].(map[string]any); ok {
		detail["object"].(map[string]any)["key"] = rawKeys[0]
	} else {
		proto, _ := json.Marshal(ev["Records"].([]any)[0])
		var recs []any
		for _, k := range rawKeys {
			var r map[string]any
			if err := json.Unmarshal(proto, &r); err != nil {
				t.Fatal(err)
			}
			o := r["s3"].(map[string]any)["object"].(map[string]any)
			o["key"] = k
			delete(o, "versionId")
			recs = append(recs, r)
		}
		ev["Records"] = recs
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHandleEventKeys: a key that does not URL-decode is used as it came,
// and costs no other record of the event; for EventBridge, whose encoding is
// not documented, a key not found decoded is tried as it came.
func TestHandleEventKeys(t *testing.T) {
	const csv = "customerId,sku,quantity,unitPriceCents\nc-1,A,1,100\n"
	accessDenied := &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}
	tests := []struct {
		name        string
		event       []byte
		objects     []string // keys in the bucket
		missing     error    // what GetObject of a key not in the bucket returns; nil: NoSuchKey
		wantGets    []string
		wantReports map[string]string // report key -> its summary's SourceKey
		wantError   string            // every summary's Error
		wantOrders  int
		wantLog     string // a line that must be logged
	}{
		{
			name:     "EventBridge key that does not decode is read as it came",
			event:    withKeys(t, "eventbridge-object-created.json", "incoming/100%.csv"),
			objects:  []string{"incoming/100%.csv"},
			wantGets: []string{"incoming/100%.csv"}, wantOrders: 1,
			wantReports: map[string]string{"reports/100%.csv.summary.json": "incoming/100%.csv"},
			wantLog:     "object key does not URL-decode",
		},
		{
			name:     "S3 notification: an undecodable key costs no other record",
			event:    withKeys(t, "s3-event.json", "incoming/a.csv", "incoming/b%zz.csv", "incoming/c+d.csv"),
			objects:  []string{"incoming/a.csv", "incoming/b%zz.csv", "incoming/c d.csv"},
			wantGets: []string{"incoming/a.csv", "incoming/b%zz.csv", "incoming/c d.csv"}, wantOrders: 3,
			wantReports: map[string]string{
				"reports/a.csv.summary.json": "incoming/a.csv", "reports/b%zz.csv.summary.json": "incoming/b%zz.csv", "reports/c d.csv.summary.json": "incoming/c d.csv",
			},
			wantLog: "object key does not URL-decode",
		},
		{
			name: "S3 notification: a record that does not decode costs no other record",
			event: []byte(`{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"orderflow-uploads"},"object":{"key":"incoming/a.csv","size":"ten"}}},` +
				`{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"orderflow-uploads"},"object":{"key":"incoming/b.csv","size":10}}}]}`),
			objects:  []string{"incoming/a.csv", "incoming/b.csv"},
			wantGets: []string{"incoming/b.csv"}, wantOrders: 1,
			wantReports: map[string]string{"reports/b.csv.summary.json": "incoming/b.csv"},
			wantLog:     "record dropped: not understood",
		},
		{
			name:     "EventBridge key not found decoded is read as it came",
			event:    withKeys(t, "eventbridge-object-created.json", "incoming/a+b.csv"),
			objects:  []string{"incoming/a+b.csv"},
			wantGets: []string{"incoming/a b.csv", "incoming/a+b.csv"}, wantOrders: 1,
			wantReports: map[string]string{"reports/a+b.csv.summary.json": "incoming/a+b.csv"},
			wantLog:     "object not found under its URL-decoded key",
		},
		{
			name:     "EventBridge, missing key answered 403 (no s3:ListBucket): read as it came",
			event:    withKeys(t, "eventbridge-object-created.json", "incoming/a+b.csv"),
			objects:  []string{"incoming/a+b.csv"},
			missing:  accessDenied,
			wantGets: []string{"incoming/a b.csv", "incoming/a+b.csv"}, wantOrders: 1,
			wantReports: map[string]string{"reports/a+b.csv.summary.json": "incoming/a+b.csv"},
		},
		{
			name:     "EventBridge key found decoded is read once",
			event:    withKeys(t, "eventbridge-object-created.json", "incoming/a+b.csv"),
			objects:  []string{"incoming/a b.csv", "incoming/a+b.csv"},
			wantGets: []string{"incoming/a b.csv"}, wantOrders: 1,
			wantReports: map[string]string{"reports/a b.csv.summary.json": "incoming/a b.csv"},
		},
		{
			name:        "EventBridge key found neither way: file not found, under the decoded key",
			event:       withKeys(t, "eventbridge-object-created.json", "incoming/a+b.csv"),
			wantGets:    []string{"incoming/a b.csv", "incoming/a+b.csv"},
			wantReports: map[string]string{"reports/a b.csv.summary.json": "incoming/a b.csv"},
			wantError:   "file not found: deleted before it was imported",
		},
		{
			name:        "EventBridge plain key not found: no second read",
			event:       withKeys(t, "eventbridge-object-created.json", "incoming/a.csv"),
			wantGets:    []string{"incoming/a.csv"},
			wantReports: map[string]string{"reports/a.csv.summary.json": "incoming/a.csv"},
			wantError:   "file not found: deleted before it was imported",
		},
		{
			name:        "S3 notification key not found decoded: no second read (S3 documents the encoding)",
			event:       withKeys(t, "s3-event.json", "incoming/a+b.csv"),
			objects:     []string{"incoming/a+b.csv"},
			wantGets:    []string{"incoming/a b.csv"},
			wantReports: map[string]string{"reports/a b.csv.summary.json": "incoming/a b.csv"},
			wantError:   "file not found: deleted before it was imported",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeS3{objects: map[string]fakeObject{}, missing: tt.missing}
			for _, k := range tt.objects {
				s.objects[k] = fakeObject{body: []byte(csv), etag: "e-" + k}
			}
			db := &fakeDB{}
			var logs bytes.Buffer
			h := newHandler(s, db, &logs)
			if err := h.Handle(context.Background(), tt.event); err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if !slices.Equal(s.gets, tt.wantGets) {
				t.Errorf("got GetObject keys %q, want %q", s.gets, tt.wantGets)
			}
			if len(s.puts) != len(tt.wantReports) {
				t.Errorf("got reports %q, want %d", slices.Collect(mapKeys(s.puts)), len(tt.wantReports))
			}
			for key, source := range tt.wantReports {
				sum := summaryOf(t, s, key)
				if sum.SourceKey != source || sum.Error != tt.wantError {
					t.Errorf("%s: got source %q error %q, want %q %q", key, sum.SourceKey, sum.Error, source, tt.wantError)
				}
			}
			if got := len(db.items); got != tt.wantOrders {
				t.Errorf("got %d orders stored, want %d", got, tt.wantOrders)
			}
			if tt.wantLog != "" && !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("got logs %s, want a line %q", logs.String(), tt.wantLog)
			}
		})
	}
}

// TestHandleGone403: a file gone before it is read, answered 403 (S3's
// answer for a missing key to a role without s3:ListBucket, the importer's),
// cannot be told from a denied read: it is retried, never summarized as
// "file not found", and no order is stored.
func TestHandleGone403(t *testing.T) {
	for _, fixture := range []string{"s3-event.json", "eventbridge-object-created.json"} {
		t.Run(fixture, func(t *testing.T) {
			s := &fakeS3{objects: map[string]fakeObject{}, missing: &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}}
			db := &fakeDB{}
			h := newHandler(s, db, io.Discard)
			err := h.Handle(context.Background(), withKeys(t, fixture, "incoming/gone.csv"))
			if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
				t.Errorf("got error %v, want the AccessDenied (a retry)", err)
			}
			if len(s.puts) != 0 || len(db.items) != 0 {
				t.Errorf("got reports %q and %d orders, want none", slices.Collect(mapKeys(s.puts)), len(db.items))
			}
		})
	}
}

func TestDecodeEventKeys(t *testing.T) {
	tests := []struct {
		name           string
		encoded        string
		want           string
		wantNotEncoded bool
	}{
		{name: "plain", encoded: "incoming/a.csv", want: "incoming/a.csv"},
		{name: "plus is space", encoded: "incoming/a+b.csv", want: "incoming/a b.csv"},
		{name: "encoded plus", encoded: "incoming/a%2Bb.csv", want: "incoming/a+b.csv"},
		{name: "percent-20 space", encoded: "incoming/a%20b.csv", want: "incoming/a b.csv"},
		{name: "unicode", encoded: "incoming/caf%C3%A9+%E6%B3%A8%E6%96%87.csv", want: "incoming/café 注文.csv"},
		{name: "percent", encoded: "incoming/100%25.csv", want: "incoming/100%.csv"},
		{name: "encoded slash", encoded: "incoming%2Fa.csv", want: "incoming/a.csv"},
		// S3 encodes '%' as %25: a key that does not decode was not encoded.
		{name: "bad escape is kept as it came", encoded: "incoming/100%.csv", want: "incoming/100%.csv", wantNotEncoded: true},
		{name: "short escape is kept as it came", encoded: "incoming/a%2", want: "incoming/a%2", wantNotEncoded: true},
		{name: "bad escape keeps its plus", encoded: "incoming/a+b%zz.csv", want: "incoming/a+b%zz.csv", wantNotEncoded: true},
	}
	for _, tt := range tests {
		for _, shape := range []string{"s3", "eventbridge"} {
			t.Run(tt.name+"/"+shape, func(t *testing.T) {
				ev := `{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"` + tt.encoded + `","size":5}}}]}`
				if shape == "eventbridge" {
					ev = `{"version":"0","source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{"key":"` + tt.encoded + `","size":5}}}`
				}
				ns, err := decodeEvent([]byte(ev))
				if err != nil {
					t.Fatalf("got error %v, want nil", err)
				}
				want := []notice{{Created: true, Bucket: "b", Key: tt.want, RawKey: tt.encoded, KeyNotEncoded: tt.wantNotEncoded, Size: 5, Kind: "ObjectCreated:Put"}}
				if shape == "eventbridge" {
					want[0].Kind, want[0].KeyEncodingUncertain = "Object Created", true
				}
				if !reflect.DeepEqual(ns, want) {
					t.Errorf("got %+v, want %+v", ns, want)
				}
			})
		}
	}
}

func TestDecodeEventFixtures(t *testing.T) {
	tests := []struct {
		file string
		want []notice
	}{
		{file: "s3-event.json", want: []notice{{Kind: "ObjectCreated:Put", Created: true, Bucket: testBucket, Key: s3EventKey,
			RawKey: "incoming/Happy+Face+%2B1+caf%C3%A9+100%25.csv", Size: 286,
			ETag: "d41d8cd98f00b204e9800998ecf8427e", VersionID: "096fKKXTRTtl3on89fVO.nfljtsv6qko", Sequencer: "0055AED6DCD90281E5"}}},
		{file: "eventbridge-object-created.json", want: []notice{{Kind: "Object Created", Created: true, Bucket: testBucket, Key: ebEventKey,
			RawKey: ebEventRawKey, KeyEncodingUncertain: true, Size: 457,
			ETag: "b1946ac92492d2347c6235b4d2611184", VersionID: "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e", Sequencer: "617f08299329d189"}}},
		{file: "eventbridge-object-deleted.json", want: []notice{{Kind: "Object Deleted"}}},
		{file: "s3-test-event.json", want: []notice{{Kind: "s3:TestEvent"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := decodeEvent(readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Every line carries the requestId (EMF lines too); each line about an
// order (at DEBUG: one per order stored) carries its orderId.
func TestHandleLogsRequestID(t *testing.T) {
	t.Setenv("AWS_LAMBDA_LOG_LEVEL", "DEBUG")
	s := &fakeS3{objects: map[string]fakeObject{s3EventKey: {body: readTestdata(t, "orders.csv")}}}
	var logs bytes.Buffer
	h := newHandler(s, &fakeDB{}, &logs)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-123"})
	if err := h.Handle(ctx, readTestdata(t, "s3-event.json")); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("got no log lines, want a summary line")
	}
	imported := 0
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("got log line %q, want JSON: %v", l, err)
		}
		if m["requestId"] != "req-123" {
			t.Errorf("got log line %s, want requestId req-123", l)
		}
		if m["msg"] == "order imported" {
			imported++
			if id, _ := m["orderId"].(string); !orders.ValidID(id) {
				t.Errorf("got log line %s, want an orderId", l)
			}
		}
	}
	if imported != 3 {
		t.Errorf("got %d 'order imported' lines, want 3", imported)
	}
}

// TestHandleDefaultLimit: with MaxBytes unset, a file over 1 MiB (too much
// for the timeout and memory; see DefaultMaxImportBytes) gets a "too large"
// summary, unread.
func TestHandleDefaultLimit(t *testing.T) {
	tests := []struct {
		name      string
		size      int64
		wantGet   bool
		wantError string
	}{
		{name: "1 MiB is read", size: 1 << 20, wantGet: true},
		{name: "1 MiB and a byte is too large", size: 1<<20 + 1, wantError: "file too large: 1048577 bytes, over the limit of 1048576 bytes"},
		{name: "2 MiB is too large", size: 2 << 20, wantError: "file too large: 2097152 bytes, over the limit of 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := bytes.Replace(readTestdata(t, "s3-event.json"), []byte(`"size": 286`), []byte(fmt.Sprintf(`"size": %d`, tt.size)), 1)
			s := &fakeS3{objects: map[string]fakeObject{s3EventKey: {body: []byte("customerId,sku,quantity,unitPriceCents\n")}}}
			h := newHandler(s, &fakeDB{}, io.Discard)
			h.MaxBytes = 0 // the default
			if err := h.Handle(context.Background(), ev); err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if got := len(s.gets) > 0; got != tt.wantGet {
				t.Errorf("got GetObject called %t, want %t", got, tt.wantGet)
			}
			if sum := summaryOf(t, s, "reports/Happy Face +1 café 100%.csv.summary.json"); sum.Error != tt.wantError {
				t.Errorf("got summary error %q, want %q", sum.Error, tt.wantError)
			}
		})
	}
}

func TestParseMaxBytes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{name: "unset is 1 MiB", in: "", want: 1 << 20},
		{name: "set", in: "10485760", want: 10 << 20},
		{name: "zero", in: "0", wantErr: true},
		{name: "negative", in: "-5", wantErr: true},
		{name: "not a number", in: "10MiB", wantErr: true},
		{name: "max int64 leaves no room for the +1 probe", in: "9223372036854775807", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMaxBytes(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseMaxBytes(%q): got %d, %v, want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// FuzzHandle feeds arbitrary events through decoding and the object checks,
// with S3 and DynamoDB fakes that never fail. It checks that Handle never
// panics or returns an error (no failure a retry could fix happened), reads
// only incoming/ keys of the uploads bucket, and writes reports only under
// reports/, never under incoming/.
func FuzzHandle(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"orderflow-uploads"},"object":{"key":"incoming/a+b%2B.jsonl","size":1}}}]}`))
	f.Add([]byte(`{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"orderflow-uploads"},"object":{"key":"incoming/x.ndjson","size":-1}}}`))
	csvBody := readTestdata(f, "orders.csv")
	jsonlBody := readTestdata(f, "orders.jsonl")
	f.Fuzz(func(t *testing.T, event []byte) {
		ns, _ := decodeEvent(event)
		objects := map[string]fakeObject{}
		for _, n := range ns {
			if strings.HasSuffix(strings.ToLower(n.Key), ".csv") {
				objects[n.Key] = fakeObject{body: csvBody}
			} else {
				objects[n.Key] = fakeObject{body: jsonlBody}
			}
		}
		s := &fakeS3{objects: objects}
		h := newHandler(s, &fakeDB{}, io.Discard)
		h.MaxBytes = 400
		if err := h.Handle(context.Background(), event); err != nil {
			t.Fatalf("got error %v, want nil with fakes that never fail", err)
		}
		for _, k := range s.gets {
			if !strings.HasPrefix(k, IncomingPrefix) {
				t.Errorf("got GetObject of %q, want only keys under %s", k, IncomingPrefix)
			}
		}
		for k, b := range s.puts {
			if !strings.HasPrefix(k, ReportsPrefix) || strings.HasPrefix(k, IncomingPrefix) {
				t.Errorf("got report at %q, want it under %s", k, ReportsPrefix)
			}
			if !json.Valid(b) {
				t.Errorf("got report %q that is not JSON", b)
			}
		}
	})
}

func BenchmarkHandle(b *testing.B) {
	event := readTestdata(b, "s3-event.json")
	body := readTestdata(b, "orders.csv")
	for b.Loop() {
		s := &fakeS3{objects: map[string]fakeObject{s3EventKey: {body: body, etag: "e", version: "v"}}}
		h := newHandler(s, &fakeDB{}, io.Discard)
		if err := h.Handle(context.Background(), event); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeOnly is the floor under BenchmarkHandle: decoding the same
// event, nothing else.
func BenchmarkDecodeOnly(b *testing.B) {
	event := readTestdata(b, "s3-event.json")
	for b.Loop() {
		if _, err := decodeEvent(event); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHandleCapsRejectedList(t *testing.T) {
	body := strings.Repeat("x\n", MaxReportedRejections+1)
	s := &fakeS3{objects: map[string]fakeObject{ebEventKey: {body: []byte(body)}}}
	h := newHandler(s, &fakeDB{}, io.Discard)
	if err := h.Handle(context.Background(), readTestdata(t, "eventbridge-object-created.json")); err != nil {
		t.Fatal(err)
	}
	sum := summaryOf(t, s, ReportKey(ebEventKey))
	if sum.RejectedRows != MaxReportedRejections+1 || len(sum.Rejected) != MaxReportedRejections {
		t.Errorf("got %d rejected rows, %d listed, want %d and %d", sum.RejectedRows, len(sum.Rejected), MaxReportedRejections+1, MaxReportedRejections)
	}
	if last := sum.Rejected[len(sum.Rejected)-1].Line; last != MaxReportedRejections {
		t.Errorf("got last listed line %d, want %d (the first rows listed)", last, MaxReportedRejections)
	}
}
