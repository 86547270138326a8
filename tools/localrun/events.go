package localrun

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/uuid"

	"github.com/example/orderflow/internal/orderevents"
	"github.com/example/orderflow/internal/orders"
)

// Sample data that Seed stores and the sample events refer to, so each
// sample event does something when invoked against seeded local services.
const (
	// SampleOrderID is a PENDING order, created an hour ago (stale for the sweeper).
	SampleOrderID = "ord_sample"
	// SampleUploadKey is a bulk file in the uploads bucket, for the importer.
	SampleUploadKey = "incoming/sample-orders.csv"
	// SampleCSV is the content of SampleUploadKey: two orders and one bad row.
	SampleCSV = "customerId,sku,quantity,unitPriceCents,orderRef\n" +
		"cust-local,ESPRESSO,2,250,breakfast-1\n" +
		"cust-local,CROISSANT,1,300,breakfast-1\n" +
		"cust-other,TEA,1,200,\n" +
		"cust-bad,MUFFIN,0,abc,\n"
)

// SampleOrder returns the order Seed stores as SampleOrderID, created at created.
func SampleOrder(created time.Time) (orders.Order, error) {
	n := orders.NewOrder{CustomerID: "cust-local", Items: []orders.Item{{SKU: "LATTE", Quantity: 1, UnitPriceCents: 420}}}
	return n.Build(SampleOrderID, "api", func() time.Time { return created })
}

// Seed stores SampleOrder (created an hour ago) in table and uploads
// SampleCSV to bucket under SampleUploadKey, with its CRC32 checksum, which
// moto then returns on a read as S3 does for every object (without one the
// SDK logs "Response has no supported checksum" on every read).
func Seed(ctx context.Context, db *dynamodb.Client, s3c *s3.Client, table, bucket string) error {
	o, err := SampleOrder(time.Now().Add(-time.Hour))
	if err != nil {
		return err
	}
	if err := (&orders.Store{Client: db, Table: table}).Create(ctx, o); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	_, err = s3c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(SampleUploadKey),
		Body: strings.NewReader(SampleCSV), ContentType: aws.String("text/csv"), ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		return fmt.Errorf("seed: upload %s: %w", SampleUploadKey, err)
	}
	return nil
}

// StreamImage converts a DynamoDB item to a stream record image.
func StreamImage(item map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	out := make(map[string]events.DynamoDBAttributeValue, len(item))
	for k, v := range item {
		out[k] = streamValue(v)
	}
	return out
}

func streamValue(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = streamValue(e)
		}
		return events.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(StreamImage(v.Value))
	}
	return events.NewNullAttribute()
}

// StreamRecord returns a DynamoDB stream record (view type
// NEW_AND_OLD_IMAGES) of event name ("INSERT", "MODIFY", "REMOVE") for the
// item with keys, with the images given (nil: absent).
func StreamRecord(region, streamARN, eventName string, seq int, keys, oldImage, newImage map[string]types.AttributeValue, at time.Time) events.DynamoDBEventRecord {
	r := events.DynamoDBEventRecord{
		AWSRegion:      region,
		EventID:        strings.ReplaceAll(uuid.NewString(), "-", ""),
		EventName:      eventName,
		EventSource:    "aws:dynamodb",
		EventVersion:   "1.1",
		EventSourceArn: streamARN,
		Change: events.DynamoDBStreamRecord{
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: at.Truncate(time.Second)},
			Keys:                        StreamImage(keys),
			SequenceNumber:              fmt.Sprintf("%d%021d", 1, seq),
			StreamViewType:              "NEW_AND_OLD_IMAGES",
		},
	}
	if oldImage != nil {
		r.Change.OldImage = StreamImage(oldImage)
	}
	if newImage != nil {
		r.Change.NewImage = StreamImage(newImage)
	}
	size, _ := json.Marshal(r.Change)
	r.Change.SizeBytes = int64(len(size))
	return r
}

// SQSMessages returns an SQS event source batch of one message per body.
func SQSMessages(region, queueARN string, at time.Time, bodies ...string) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(bodies))}
	ms := strconv.FormatInt(at.UnixMilli(), 10)
	for i, b := range bodies {
		ev.Records[i] = events.SQSMessage{
			MessageId:     uuid.NewString(),
			ReceiptHandle: "AQEB" + strings.ReplaceAll(uuid.NewString(), "-", ""),
			Body:          b,
			Md5OfBody:     md5Hex(b),
			Attributes: map[string]string{
				"ApproximateReceiveCount":          "1",
				"SentTimestamp":                    ms,
				"SenderId":                         "AIDAIENQZJOLO23YVJ4VO",
				"ApproximateFirstReceiveTimestamp": ms,
			},
			MessageAttributes: map[string]events.SQSMessageAttribute{},
			EventSourceARN:    queueARN,
			EventSource:       "aws:sqs",
			AWSRegion:         region,
		}
	}
	return ev
}

// ObjectCreated returns the EventBridge "Object Created" event S3 sends for
// an upload (PutObject) of key to bucket; versionID may be empty.
func ObjectCreated(region, bucket, key string, size int64, etag, versionID string, at time.Time) events.EventBridgeEvent {
	obj := map[string]any{"key": key, "size": size, "etag": etag, "sequencer": fmt.Sprintf("%018X", at.UnixNano())}
	if versionID != "" {
		obj["version-id"] = versionID
	}
	detail, _ := json.Marshal(map[string]any{
		"version":           "0",
		"bucket":            map[string]string{"name": bucket},
		"object":            obj,
		"request-id":        "N4N7GDK58NMKJ12R",
		"requester":         AccountID,
		"source-ip-address": "127.0.0.1",
		"reason":            "PutObject",
	})
	return eventBridge(region, "Object Created", "aws.s3", []string{"arn:aws:s3:::" + bucket}, detail, at)
}

// eventBridge is an EventBridge event as a rule delivers it.
func eventBridge(region, detailType, source string, resources []string, detail json.RawMessage, at time.Time) events.EventBridgeEvent {
	return events.EventBridgeEvent{Version: "0", ID: uuid.NewString(), DetailType: detailType, Source: source,
		AccountID: AccountID, Time: at.UTC().Truncate(time.Second), Region: region, Resources: resources, Detail: detail}
}

// S3Notification returns the S3 event notification (ObjectCreated:Put) for
// an upload of key to bucket, the key form-encoded as S3 does.
func S3Notification(region, bucket, key string, size int64, etag, versionID string, at time.Time) map[string]any {
	obj := map[string]any{"key": strings.ReplaceAll(url.QueryEscape(key), "%2F", "/"), "size": size, "eTag": etag, "sequencer": fmt.Sprintf("%018X", at.UnixNano())}
	if versionID != "" {
		obj["versionId"] = versionID
	}
	return map[string]any{"Records": []any{map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region,
		"eventTime": at.UTC().Format("2006-01-02T15:04:05.000Z"), "eventName": "ObjectCreated:Put",
		"userIdentity":      map[string]string{"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
		"requestParameters": map[string]string{"sourceIPAddress": "127.0.0.1"},
		"responseElements":  map[string]string{"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
		"s3": map[string]any{
			"s3SchemaVersion": "1.0", "configurationId": "local",
			"bucket": map[string]any{"name": bucket, "ownerIdentity": map[string]string{"principalId": "A3NL1KOZZKExample"}, "arn": "arn:aws:s3:::" + bucket},
			"object": obj,
		},
	}}}
}

// Scheduled returns the EventBridge "Scheduled Event" a schedule rule sends.
func Scheduled(region, ruleARN string, at time.Time) events.EventBridgeEvent {
	return eventBridge(region, "Scheduled Event", "aws.events", []string{ruleARN}, json.RawMessage("{}"), at)
}

// OrderReady returns the event the OrderReady rule delivers to its target
// after the kitchen put the OrderReady event of order orderID on the orders
// bus: an EventBridge event from orderevents.Source with the kitchen's
// detail, no resources, and EventBridge's own id and time.
func OrderReady(region, orderID string, at time.Time) events.EventBridgeEvent {
	return eventBridge(region, orderevents.DetailTypeOrderReady, orderevents.Source, []string{}, json.RawMessage(orderevents.NewOrderReady(orderID).Detail()), at)
}

// SampleEvents returns a sample event per function of the service stack, by
// file name ("api.json", ...), in the shapes AWS sends, naming the local
// resources of the assembly and the sample data of Seed.
func SampleEvents(a *Assembly, serviceStack string) (map[string][]byte, error) {
	now := time.Now().UTC().Truncate(time.Second)
	out := map[string][]byte{}
	add := func(name string, v any) {
		b, _ := json.MarshalIndent(v, "", "  ") // plain data: it cannot fail
		out[name] = append(b, '\n')
	}

	routes, err := a.Routes(serviceStack, "api")
	if err != nil {
		return nil, err
	}
	router, err := NewRouter(routes)
	if err != nil {
		return nil, err
	}
	apiEvent := func(method, target string, body []byte) HTTPRequestEvent {
		r, _ := http.NewRequest(method, "http://localhost:3000"+target, bytes.NewReader(body))
		r.RemoteAddr = "127.0.0.1:51000"
		r.Header.Set("Accept", "application/json")
		r.Header.Set("User-Agent", "curl/8.5.0")
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		key, params, _ := router.Match(method, r.URL.EscapedPath())
		return NewHTTPRequestEvent(r, body, key, params, apiRequestID(), now)
	}
	post := []byte(`{"customerId":"cust-local","items":[{"sku":"ESPRESSO","quantity":2,"unitPriceCents":250}]}`)
	add("api.json", apiEvent(http.MethodPost, "/orders", post))
	add("api-get.json", apiEvent(http.MethodGet, "/orders/"+SampleOrderID, nil))

	o, err := SampleOrder(now.Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	item, err := orders.MarshalItem(o)
	if err != nil {
		return nil, err
	}
	key := map[string]types.AttributeValue{orders.AttrOrderID: item[orders.AttrOrderID]}
	streamARN, err := a.EventSourceARN(serviceStack, "publisher")
	if err != nil {
		return nil, err
	}
	rec := StreamRecord(a.Region, streamARN, "INSERT", 1, key, nil, item, now)
	add("publisher.json", events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}})

	queueARN, err := a.EventSourceARN(serviceStack, "kitchen")
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(orders.KitchenMessage{OrderID: SampleOrderID})
	add("kitchen.json", SQSMessages(a.Region, queueARN, now, string(body)))

	imp, err := a.Function(serviceStack, "importer", "")
	if err != nil {
		return nil, err
	}
	bucket := imp.Environment[orders.EnvUploadsBucket]
	etag := md5Hex(SampleCSV)
	add("importer.json", ObjectCreated(a.Region, bucket, SampleUploadKey, int64(len(SampleCSV)), etag, "", now))
	add("importer-s3.json", S3Notification(a.Region, bucket, SampleUploadKey, int64(len(SampleCSV)), etag, "", now))

	ruleARN, err := a.RuleARN(serviceStack, "sweeper")
	if err != nil {
		return nil, err
	}
	add("sweeper.json", Scheduled(a.Region, ruleARN, now))
	add("notifier.json", OrderReady(a.Region, SampleOrderID, now))
	return out, nil
}

// WriteSampleEvents writes events (file name -> content, as SampleEvents
// returns them) into dir, or only those named in names ("kitchen.json"),
// and returns the paths it wrote and the paths it kept. An existing file is
// kept: it may be a user's edited event; overwrite replaces it. A name with
// no event is an error that lists the events there are.
func WriteSampleEvents(events map[string][]byte, dir string, overwrite bool, names ...string) (written, kept []string, err error) {
	if len(names) == 0 {
		names = slices.Collect(maps.Keys(events))
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := events[name]; !ok {
			return nil, nil, fmt.Errorf("no sample event %s (there are %s)", name, strings.Join(slices.Sorted(maps.Keys(events)), ", "))
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL // never over a user's edit
	if overwrite {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	for _, name := range names {
		p := filepath.Join(dir, name)
		f, err := os.OpenFile(p, flags, 0o644)
		if errors.Is(err, fs.ErrExist) {
			kept = append(kept, p)
			continue
		}
		if err == nil {
			_, err = f.Write(events[name])
			err = errors.Join(err, f.Close())
		}
		if err != nil {
			return written, kept, err
		}
		written = append(written, p)
	}
	return written, kept, nil
}

// md5Hex is the MD5 digest of s in hex, as SQS gives a body's.
func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
