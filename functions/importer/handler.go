package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/example/orderflow/internal/bulkimport"
	"github.com/example/orderflow/internal/ordermetrics"
	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/runtime/metrics"
)

// Key prefixes in the Uploads bucket.
const (
	// IncomingPrefix is where bulk files are uploaded; only keys under it are
	// imported.
	IncomingPrefix = "incoming/"
	// ReportsPrefix is where summaries are written. It is outside
	// IncomingPrefix, so a report never triggers the importer.
	ReportsPrefix = "reports/"
)

// DefaultMaxImportBytes is the largest file imported when MAX_IMPORT_BYTES is
// not set: 1 MiB, so that the largest file finishes well inside the
// importer's 120 s timeout and 256 MB of memory, and a larger one is
// rejected with a "file too large" summary rather than timing out (which
// ends, after Lambda's retries, in the dead-letter queue with no summary).
//
// The arithmetic, for the densest plausible CSV (rows of ~22 bytes such as
// "c-1,ESPRESSO,2,250,"): 1 MiB is ~48,000 rows, stored with ~480
// BatchGetItem calls (100 keys each) and ~1,920 BatchWriteItem calls (25
// items each), ~2,400 sequential DynamoDB calls: ~24 s at 10 ms a call,
// leaving room for throttling retries; measured with in-memory fakes, ~1 s
// of CPU and ~47 MB of heap in use. 10 MiB, the former default, measured
// 479,000 rows, ~24,000 calls (~240 s at 10 ms: twice the timeout) and
// ~262 MB of heap (over the 256 MB of memory).
// A deployment with a longer timeout and more memory may raise it with
// MAX_IMPORT_BYTES in proportion.
const DefaultMaxImportBytes = 1 << 20

// MaxReportedRejections caps the rejected rows listed in one summary, so that
// a file of nothing but bad rows still gives a report of bounded size;
// bulkimport.Summary.RejectedRows counts them all.
const MaxReportedRejections = 10_000

// objectGetter reads an uploaded file (s3.Client.GetObject).
type objectGetter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// objectPutter writes a summary (s3.Client.PutObject).
type objectPutter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// orderWriter stores new orders, skipping IDs already stored
// (orders.BatchStore.PutNew).
type orderWriter interface {
	PutNew(ctx context.Context, list []orders.Order) (orders.BatchResult, error)
}

// Handler imports bulk order files uploaded to the Uploads bucket under
// IncomingPrefix. It accepts an S3 event notification (events.S3Event) or an
// EventBridge "Object Created" event from aws.s3, told apart by their JSON.
//
// For each created object it reads the file (CSV or JSON Lines, by suffix;
// see package bulkimport), stores its valid orders with IDs derived from the
// object's identity (so a redelivered event stores nothing twice and never
// resets an order the kitchen has advanced), and writes a summary as JSON to
// ReportsPrefix + <key without IncomingPrefix> + ".summary.json"
// (bulkimport.Summary).
//
// Events for other buckets, keys outside IncomingPrefix, folder keys (ending
// in "/") and events other than object-created are ignored with a log line.
// An event that cannot be decoded is logged and dropped: retrying it cannot
// help. So is one record of an S3 notification that cannot be decoded; the
// event's other records are imported. A key that does not URL-decode is used
// as the event gives it (with a WARN line).
//
// Errors: Handle returns an error only when a retry can fix it (S3 or
// DynamoDB failed), so Lambda's asynchronous retries and then its on-failure
// destination take over; orders stored before the failure are skipped by the
// retry. A file that cannot be imported (unknown suffix, over MaxBytes, no
// CSV header, a line too long) is not retried: its summary's error says why.
// A file gone before it is read is summarized as "file not found" when S3
// says NoSuchKey or NoSuchVersion. S3 says so only to a role allowed
// s3:ListBucket; the app's importer is not (that would let it list every
// key of the bucket), so S3 answers it 403, which cannot be told from a
// denied read (a policy, a KMS key): that is retried and ends in the
// on-failure destination, with its alarm. In the app's versioned bucket a
// delete only adds a delete marker and the importer reads the version the
// event names, so only a deleted version is gone.
type Handler struct {
	// Objects reads uploaded files. Required.
	Objects objectGetter
	// Reports writes summaries. Required.
	Reports objectPutter
	// Orders stores orders (orders.BatchStore). Required.
	Orders orderWriter
	// Bucket is the Uploads bucket's name; events for other buckets are
	// ignored. Required.
	Bucket string
	// MaxBytes is the largest file read, in bytes. Default: DefaultMaxImportBytes.
	MaxBytes int64
	// Log receives a line per file and per ignored event (with bucket and
	// key), and at DEBUG one per order stored (with its orderId). Required.
	Log *slog.Logger
	// Metrics receives, per file imported, ordermetrics.OrdersCreated (orders
	// stored for the first time; also when storing or reporting failed
	// part-way, so a retry, which finds them stored, does not miss them) and
	// ordermetrics.ImportRowsRejected (bad rows; once the report is written, so a
	// retried file counts them once). A file rejected as a whole has no rows
	// and emits nothing. Default (nil): no metrics.
	Metrics *metrics.Emitter
	// Now stamps new orders. Default: time.Now.
	Now func() time.Time
}

// Handle imports the objects the event names. See Handler.
func (h *Handler) Handle(ctx context.Context, event json.RawMessage) error {
	notices, err := decodeEvent(event)
	if err != nil {
		h.Log.ErrorContext(ctx, "event dropped: not understood", "error", err.Error(), "event", clip(event, 1024))
		return nil
	}
	var errs []error
	for _, n := range notices {
		if n.Err != nil {
			h.Log.ErrorContext(ctx, "record dropped: not understood", "error", n.Err.Error(), "event", clip(event, 1024))
			continue
		}
		if err := h.importObject(ctx, n); err != nil {
			h.Log.ErrorContext(ctx, "import failed; to be retried", "bucket", n.Bucket, "key", n.Key, "error", err.Error())
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// importObject imports one object, or says why it does not.
func (h *Handler) importObject(ctx context.Context, n notice) error {
	log := h.Log.With("bucket", n.Bucket, "key", n.Key, "event", n.Kind)
	switch {
	case !n.Created:
		log.InfoContext(ctx, "event ignored: not an object creation")
		return nil
	case n.Bucket != h.Bucket:
		log.WarnContext(ctx, "event ignored: not the uploads bucket", "uploadsBucket", h.Bucket)
		return nil
	case !strings.HasPrefix(n.Key, IncomingPrefix):
		log.WarnContext(ctx, "event ignored: key not under "+IncomingPrefix)
		return nil
	case strings.HasSuffix(n.Key, "/"):
		log.InfoContext(ctx, "event ignored: folder key")
		return nil
	}

	sum := bulkimport.Summary{SourceKey: n.Key, ETag: trimETag(n.ETag), VersionID: n.VersionID}
	format, ok := bulkimport.FormatOf(n.Key)
	if !ok {
		return h.reject(ctx, log, sum, "unsupported file type: the key must end in .csv, .jsonl or .ndjson")
	}
	sum.Format = format
	limit := h.maxBytes()
	if n.Size > limit {
		return h.reject(ctx, log, sum, tooLarge(n.Size, limit))
	}

	in := &s3.GetObjectInput{Bucket: aws.String(n.Bucket), Key: aws.String(n.Key)}
	if n.VersionID != "" && n.VersionID != "null" {
		// Read the version the event is about, so that each upload to the
		// same key of a versioned bucket is imported once, by its own event.
		// (IAM: s3:GetObjectVersion besides s3:GetObject.)
		in.VersionId = aws.String(n.VersionID)
	}
	if n.KeyNotEncoded {
		log.WarnContext(ctx, "object key does not URL-decode; using it as the event gives it")
	}
	out, err := h.Objects.GetObject(ctx, in)
	if err != nil && n.KeyEncodingUncertain && n.RawKey != n.Key && notFound(err) &&
		strings.HasPrefix(n.RawKey, IncomingPrefix) && !strings.HasSuffix(n.RawKey, "/") {
		// The key was decoded, but nothing says EventBridge encodes keys:
		// try once more with the key as it came.
		rawIn := *in
		rawIn.Key = aws.String(n.RawKey)
		rawOut, rawErr := h.Objects.GetObject(ctx, &rawIn)
		if rawErr == nil {
			log.WarnContext(ctx, "object not found under its URL-decoded key; read under the key as the event gives it",
				"rawKey", n.RawKey, "decodedKeyError", err.Error())
			n.Key, sum.SourceKey, out, err = n.RawKey, n.RawKey, rawOut, nil
			log = h.Log.With("bucket", n.Bucket, "key", n.Key, "event", n.Kind)
		} else {
			log.InfoContext(ctx, "object not found under the key as the event gives it either", "rawKey", n.RawKey, "error", rawErr.Error())
		}
	}
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "NoSuchKey" || apiErr.ErrorCode() == "NoSuchVersion") {
			return h.reject(ctx, log, sum, "file not found: deleted before it was imported")
		}
		return fmt.Errorf("get s3://%s/%s: %w", n.Bucket, n.Key, err)
	}
	defer out.Body.Close()
	// In an unversioned bucket the object read may be newer than the
	// event's (same key overwritten): report, and derive IDs from, what was
	// read; the newer object's own event then finds its orders stored.
	if out.ETag != nil {
		sum.ETag = trimETag(*out.ETag)
	}
	if out.VersionId != nil {
		sum.VersionID = *out.VersionId
	}
	if size := aws.ToInt64(out.ContentLength); size > limit {
		return h.reject(ctx, log, sum, tooLarge(size, limit))
	}

	body := &limitedReader{r: io.LimitReader(out.Body, limit+1), max: limit}
	res, err := bulkimport.Parse(body, format)
	switch {
	case errors.Is(err, errTooLarge):
		return h.reject(ctx, log, sum, tooLarge(0, limit))
	case errors.Is(err, bulkimport.ErrBadFile):
		return h.reject(ctx, log, sum, err.Error())
	case err != nil:
		return fmt.Errorf("read s3://%s/%s: %w", n.Bucket, n.Key, err)
	}

	version := sum.VersionID
	if version == "" || version == "null" { // "null": the version of an object put while versioning was off
		version = sum.ETag
	}
	rejected := res.Rejected
	list := make([]orders.Order, 0, len(res.Entries))
	for _, e := range res.Entries {
		id := bulkimport.OrderID(n.Bucket, n.Key, version, e.Ref)
		o, err := e.Order.Build(id, "import:"+n.Key, h.now)
		if err != nil { // not expected: Parse returns valid orders and OrderID valid IDs
			rejected = append(rejected, bulkimport.Rejection{Line: e.Line, Errors: []orders.FieldError{{Field: bulkimport.FieldLine, Message: err.Error()}}})
			continue
		}
		list = append(list, o)
	}
	stored, err := h.Orders.PutNew(ctx, list)
	created := metrics.Count(ordermetrics.OrdersCreated, int64(len(stored.Stored)))
	if err != nil {
		h.Metrics.Emit(ctx, created)
		return fmt.Errorf("store orders of s3://%s/%s: %w", n.Bucket, n.Key, err)
	}
	for _, id := range stored.Stored {
		log.DebugContext(ctx, "order imported", "orderId", id)
	}

	sum.TotalRows, sum.Orders = res.Rows, len(list)
	sum.Stored, sum.Duplicates = len(stored.Stored), len(stored.Existing)
	sum.RejectedRows = len(rejected)
	sum.Rejected = rejected[:min(len(rejected), MaxReportedRejections)]
	reportKey, err := h.report(ctx, sum)
	if err != nil {
		h.Metrics.Emit(ctx, created)
		return err
	}
	h.Metrics.Emit(ctx, created, metrics.Count(ordermetrics.ImportRowsRejected, int64(sum.RejectedRows)))
	log.InfoContext(ctx, "file imported", "rows", sum.TotalRows, "stored", sum.Stored,
		"duplicates", sum.Duplicates, "rejected", sum.RejectedRows, "report", reportKey)
	return nil
}

// notFound reports whether err from GetObject may mean the key does not
// exist: NoSuchKey, NoSuchVersion, an HTTP 404, or a 403 (what S3 answers
// for a missing key to a caller without s3:ListBucket, as the importer is).
func notFound(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchKey", "NoSuchVersion", "NotFound", "AccessDenied":
			return true
		}
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case 403, 404:
			return true
		}
	}
	return false
}

// reject writes the summary of a file that is not imported at all.
func (h *Handler) reject(ctx context.Context, log *slog.Logger, sum bulkimport.Summary, reason string) error {
	sum.Error = reason
	reportKey, err := h.report(ctx, sum)
	if err != nil {
		return err
	}
	log.WarnContext(ctx, "file rejected", "reason", reason, "report", reportKey)
	return nil
}

// report writes sum as JSON next to the source file's name under
// ReportsPrefix and returns the report's key.
func (h *Handler) report(ctx context.Context, sum bulkimport.Summary) (string, error) {
	if sum.Rejected == nil {
		sum.Rejected = []bulkimport.Rejection{}
	}
	body, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode summary of %s: %w", sum.SourceKey, err)
	}
	key := ReportKey(sum.SourceKey)
	_, err = h.Reports.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(h.Bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return "", fmt.Errorf("put summary s3://%s/%s: %w", h.Bucket, key, err)
	}
	return key, nil
}

// ReportKey returns the key of the summary of the file at sourceKey:
// "incoming/a/b.csv" -> "reports/a/b.csv.summary.json".
func ReportKey(sourceKey string) string {
	return ReportsPrefix + strings.TrimPrefix(sourceKey, IncomingPrefix) + ".summary.json"
}

// ParseMaxBytes reads MAX_IMPORT_BYTES: a positive number of bytes, or ""
// for DefaultMaxImportBytes.
func ParseMaxBytes(s string) (int64, error) {
	if s == "" {
		return DefaultMaxImportBytes, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n == 1<<63-1 {
		return 0, fmt.Errorf("%s %q: want a positive number of bytes", orders.EnvMaxImportBytes, s)
	}
	return n, nil
}

func (h *Handler) maxBytes() int64 {
	if h.MaxBytes > 0 {
		return h.MaxBytes
	}
	return DefaultMaxImportBytes
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// errTooLarge: the file has more bytes than the limit.
var errTooLarge = errors.New("file too large")

// limitedReader counts what it reads from r (an io.LimitReader allowing one
// byte past max) and fails with errTooLarge once more than max bytes came.
type limitedReader struct {
	r   io.Reader
	n   int64 // bytes read so far
	max int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n - int(l.n-l.max), errTooLarge
	}
	return n, err
}

func tooLarge(size, limit int64) string {
	if size > limit {
		return fmt.Sprintf("file too large: %d bytes, over the limit of %d bytes", size, limit)
	}
	return fmt.Sprintf("file too large: over the limit of %d bytes", limit)
}

// trimETag drops the quotes S3 puts around an ETag in HTTP headers, so an
// ETag from GetObject and one from an event compare equal.
func trimETag(s string) string { return strings.Trim(s, `"`) }

// clip returns at most n bytes of b, as a string for a log line.
func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
