//go:build linux

package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/tools/localrun"
	"github.com/example/orderflow/tools/moto"
)

// helloName is the floor function: bench/hello, lambda.Start of a handler
// that does nothing.
const helloName = "hello"

// fnRun is one emulator session of a function: a cold start, then warm
// invocations.
type fnRun struct {
	Cold         time.Duration   `json:"coldNs"`       // first invocation, bootstrap not running yet: client-side
	ColdInitMs   float64         `json:"coldInitMs"`   // RIE "INIT REPORT": process start until the runtime asks for work
	ColdReportMs float64         `json:"coldReportMs"` // RIE REPORT Duration of the first invocation
	Warm         []time.Duration `json:"warmNs"`       // later invocations: client-side
	WarmReportMs []float64       `json:"warmReportMs"` // RIE REPORT Duration of each
	CPUPerInvoke time.Duration   `json:"cpuPerInvokeNs"`
	PeakRSS      uint64          `json:"peakRssBytes"` // VmHWM of the bootstrap after the session
}

// fnResult is everything measured of one function.
type fnResult struct {
	Name       string  `json:"name"`
	MemoryMB   int     `json:"memoryMB"`
	Binary     int64   `json:"binaryArm64Bytes"`
	Zip        int64   `json:"zipArm64Bytes"`
	HostBinary int64   `json:"binaryHostBytes"`
	Runs       []fnRun `json:"runs"`
}

// each returns f of every run.
func each[T any](r fnResult, f func(fnRun) T) []T {
	out := make([]T, len(r.Runs))
	for i, x := range r.Runs {
		out[i] = f(x)
	}
	return out
}

// fnSpec is how to run one function under the emulator.
type fnSpec struct {
	name      string
	bootstrap string
	env       []string
	// next sets up invocation i outside the timing (stores the order it
	// works on, uploads the file it imports...) and returns its payload.
	next func(ctx context.Context, i int) ([]byte, error)
	// check reports what is wrong with a response; sent is how many
	// messages reached the kitchen queue during the invocation.
	check func(body []byte, sent int) error
}

// functionBench runs the functions of a synthesized clone under the
// emulator against local services.
type functionBench struct {
	clone, tmp, rie string
	invokes         int // warm invocations per session
	log             func(format string, args ...any)

	asm      *localrun.Assembly
	db       *dynamodb.Client
	s3c      *s3.Client
	endpoint string // moto's
	kitchenQ string // the kitchen queue's URL
	closers  []func()
	table    string
}

func (b *functionBench) close() {
	for _, c := range slices.Backward(b.closers) {
		c()
	}
}

// start starts moto with the resources of the clone's templates and the
// sample data.
func (b *functionBench) start(ctx context.Context) error {
	var err error
	if b.asm, err = localrun.LoadAssembly(filepath.Join(b.clone, "cdk.out")); err != nil {
		return err
	}
	m, err := moto.Start(ctx, b.clone, "", filepath.Join(b.tmp, "moto.log"))
	if err != nil {
		return err
	}
	b.closers = append(b.closers, m.Stop)
	b.endpoint = m.Endpoint
	if err := b.asm.CreateResources(ctx, b.endpoint, io.Discard); err != nil {
		return err
	}
	cfg := moto.Config(b.asm.Region, b.endpoint)
	b.db, b.s3c = dynamodb.NewFromConfig(cfg), s3.NewFromConfig(cfg)
	imp, err := b.asm.Function(serviceStack, "importer", b.endpoint)
	if err != nil {
		return err
	}
	pub, err := b.asm.Function(serviceStack, "publisher", b.endpoint)
	if err != nil {
		return err
	}
	b.table, b.kitchenQ = imp.Environment[orders.EnvTableName], pub.Environment[orders.EnvKitchenQueueURL]
	return localrun.Seed(ctx, b.db, b.s3c, b.table, imp.Environment[orders.EnvUploadsBucket])
}

// drain receives and deletes every message waiting in the kitchen queue
// and returns how many there were.
func (b *functionBench) drain(ctx context.Context) (int, error) {
	c := sqs.NewFromConfig(moto.Config(b.asm.Region, b.endpoint))
	n := 0
	for {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(b.kitchenQ), MaxNumberOfMessages: 10})
		if err != nil || len(out.Messages) == 0 {
			return n, err
		}
		for _, m := range out.Messages {
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(b.kitchenQ), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return n, err
			}
		}
		n += len(out.Messages)
	}
}

// buildHost builds every function and the floor for this machine, with the
// deployment's flags, and returns the bootstrap paths by name.
func (b *functionBench) buildHost(ctx context.Context, names []string) (map[string]string, error) {
	out := map[string]string{}
	for _, n := range append(names, helloName) {
		dir := filepath.Join(b.tmp, "host", n)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		p, err := localrun.Build(ctx, b.clone, srcDir(n), "", dir)
		if err != nil {
			return nil, err
		}
		out[n] = p
	}
	return out, nil
}

// srcDir is the folder of function name's main package.
func srcDir(name string) string {
	if name == helloName {
		return "bench/" + helloName
	}
	return "functions/" + name
}

// specs returns how to drive each function: its sample event, with the
// setup that makes every invocation do the same work as the first.
func (b *functionBench) specs(ctx context.Context, bootstraps map[string]string, names []string) ([]fnSpec, map[string]int, error) {
	samples, err := localrun.SampleEvents(b.asm, serviceStack)
	if err != nil {
		return nil, nil, err
	}
	mem := map[string]int{}
	store := &orders.Store{Client: b.db, Table: b.table}
	region := b.asm.Region
	noError := func(body []byte, _ int) error {
		if bytes.HasPrefix(body, []byte(`{"errorMessage"`)) || bytes.HasPrefix(body, []byte(`{"errorType"`)) {
			return fmt.Errorf("function error: %s", body)
		}
		return nil
	}
	noFailures := func(body []byte, _ int) error {
		if err := noError(body, 0); err != nil {
			return err
		}
		var r struct{ BatchItemFailures []json.RawMessage }
		if err := json.Unmarshal(body, &r); err != nil || len(r.BatchItemFailures) > 0 {
			return fmt.Errorf("want no batch item failures, got %s", body)
		}
		return nil
	}
	sentOne := func(check func([]byte, int) error) func([]byte, int) error {
		return func(body []byte, sent int) error {
			if err := check(body, sent); err != nil {
				return err
			}
			if sent != 1 {
				return fmt.Errorf("want 1 message sent to the kitchen queue, got %d (response %s)", sent, body)
			}
			return nil
		}
	}
	constant := func(p []byte) func(context.Context, int) ([]byte, error) {
		return func(context.Context, int) ([]byte, error) { return p, nil }
	}
	order := func(ctx context.Context, item orders.Item, created time.Time) (orders.Order, error) {
		o, err := orders.NewOrder{CustomerID: "cust-bench", Items: []orders.Item{item}}.Build(orders.NewID(), "api", func() time.Time { return created })
		if err == nil {
			err = store.Create(ctx, o)
		}
		return o, err
	}

	hello := localrun.Function{Name: helloName, FunctionName: "orderflow-bench-hello", Timeout: 10, MemorySize: 256}
	specs := []fnSpec{{
		name: helloName, bootstrap: bootstraps[helloName], env: hello.Env(region, ""),
		next: constant([]byte(`{}`)),
		check: func(body []byte, _ int) error {
			if string(body) != `"hello"` {
				return fmt.Errorf("want \"hello\", got %s", body)
			}
			return nil
		},
	}}
	for _, n := range names {
		f, err := b.asm.Function(serviceStack, n, b.endpoint)
		if err != nil {
			return nil, nil, err
		}
		mem[n] = f.MemorySize
		s := fnSpec{name: n, bootstrap: bootstraps[n]}
		switch n {
		case "api": // POST /orders without Idempotency-Key: a new order (PutItem) each time
			s.next = constant(samples["api.json"])
			s.check = func(body []byte, _ int) error {
				var r struct {
					StatusCode int
					Body       string
				}
				if err := json.Unmarshal(body, &r); err != nil || r.StatusCode != http.StatusCreated {
					return fmt.Errorf("want statusCode 201, got %s", body)
				}
				return nil
			}
		case "publisher": // one INSERT record: one SendMessageBatch
			s.next = constant(samples["publisher.json"])
			s.check = sentOne(noFailures)
		case "kitchen": // one message for a PENDING order: two UpdateItems
			queueARN, err := b.asm.EventSourceARN(serviceStack, "kitchen")
			if err != nil {
				return nil, nil, err
			}
			s.next = func(ctx context.Context, i int) ([]byte, error) {
				o, err := order(ctx, orders.Item{SKU: "ESPRESSO", Quantity: 2, UnitPriceCents: 250}, time.Now())
				body, _ := json.Marshal(orders.KitchenMessage{OrderID: o.OrderID})
				p, _ := json.Marshal(localrun.SQSMessages(region, queueARN, time.Now(), string(body)))
				return p, err
			}
			s.check = noFailures
		case "importer": // a new 4-row CSV each time: GetObject, BatchGetItem, BatchWriteItem, PutObject
			bucket := f.Environment[orders.EnvUploadsBucket]
			tag := strconv.FormatInt(time.Now().UnixNano(), 36)
			sum := md5.Sum([]byte(localrun.SampleCSV))
			s.next = func(ctx context.Context, i int) ([]byte, error) {
				key := fmt.Sprintf("incoming/bench-%s-%d.csv", tag, i)
				out, err := b.s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(localrun.SampleCSV)})
				if err != nil {
					return nil, err
				}
				return json.Marshal(localrun.ObjectCreated(region, bucket, key, int64(len(localrun.SampleCSV)), hex.EncodeToString(sum[:]), aws.ToString(out.VersionId), time.Now()))
			}
			s.check = noError
		case "sweeper": // one stale order each time: Query, UpdateItem (claim), SendMessageBatch
			// STALE_AFTER at its maximum and orders two days old, so that only
			// the order prepared for the invocation is stale, not the ones the
			// other functions left PENDING while the benchmark ran.
			f.Environment[orders.EnvStaleAfter] = orders.MaxStaleAfter.String()
			prev := localrun.SampleOrderID
			s.next = func(ctx context.Context, i int) ([]byte, error) {
				if _, err := b.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(b.table),
					Key: map[string]types.AttributeValue{orders.AttrOrderID: &types.AttributeValueMemberS{Value: prev}}}); err != nil {
					return nil, err
				}
				o, err := order(ctx, orders.Item{SKU: "TEA", Quantity: 1, UnitPriceCents: 200}, time.Now().Add(-48*time.Hour))
				prev = o.OrderID
				return samples["sweeper.json"], err
			}
			s.check = sentOne(noError)
		case "notifier": // one OrderReady event: one SNS Publish
			s.next = constant(samples["notifier.json"])
			s.check = noError
		default:
			s.next = constant(nil)
			s.check = noError
		}
		s.env = f.Env(region, b.endpoint)
		specs = append(specs, s)
	}
	return specs, mem, nil
}

var (
	reportRe = regexp.MustCompile(`(?m)^REPORT RequestId: \S+\t(?:[^\n]*?\t)?Duration: ([0-9.]+) ms`)
	initRe   = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
)

// reported returns the first number re finds in logs, 0 for none.
func reported(re *regexp.Regexp, logs string) float64 {
	var ms float64
	if m := re.FindStringSubmatch(logs); m != nil {
		ms, _ = strconv.ParseFloat(m[1], 64)
	}
	return ms
}

// session starts s under its own emulator, measures a cold start and
// b.invokes warm invocations, and stops it.
func (b *functionBench) session(ctx context.Context, s fnSpec, run int) (fnRun, error) {
	var r fnRun
	emu, err := localrun.StartEmulator(ctx, b.rie, s.bootstrap, s.env)
	if err != nil {
		return r, err
	}
	defer emu.Stop()
	fail := func(err error) (fnRun, error) {
		return r, fmt.Errorf("%s: %w\nemulator output:\n%s", s.name, err, tail(emu.Logs(), 3000))
	}
	invoke := func(i int) (localrun.Invocation, error) {
		payload, err := s.next(ctx, i)
		if err != nil {
			return localrun.Invocation{}, fmt.Errorf("prepare invocation %d: %w", i, err)
		}
		if _, err := b.drain(ctx); err != nil {
			return localrun.Invocation{}, err
		}
		inv, err := emu.Invoke(ctx, fmt.Sprintf("bench-%s-%d-%d-%d", s.name, run, i, time.Now().UnixNano()), payload)
		if err == nil && inv.Status != http.StatusOK {
			err = fmt.Errorf("invocation %d: emulator status %d: %s", i, inv.Status, inv.Body)
		}
		if err != nil {
			return inv, err
		}
		sent, err := b.drain(ctx)
		if err == nil {
			if err = s.check(inv.Body, sent); err != nil {
				err = fmt.Errorf("invocation %d: %w", i, err)
			}
		}
		return inv, err
	}
	cold, err := invoke(0)
	if err != nil {
		return fail(err)
	}
	r.Cold, r.ColdInitMs, r.ColdReportMs = cold.Duration, reported(initRe, cold.Logs), reported(reportRe, cold.Logs)
	abs, _ := filepath.Abs(s.bootstrap)
	pid, havePid := pidOf(abs)
	var cpu0 time.Duration
	if havePid {
		cpu0, havePid = cpuTime(pid)
	}
	for i := 1; i <= b.invokes; i++ {
		inv, err := invoke(i)
		if err != nil {
			return fail(err)
		}
		r.Warm = append(r.Warm, inv.Duration)
		if ms := reported(reportRe, inv.Logs); ms > 0 {
			r.WarmReportMs = append(r.WarmReportMs, ms)
		}
	}
	if havePid {
		if cpu1, ok := cpuTime(pid); ok {
			r.CPUPerInvoke = (cpu1 - cpu0) / time.Duration(b.invokes)
		}
		r.PeakRSS, _ = peakRSS(pid)
	}
	return r, nil
}

// zipSize returns the size of a zip holding file as "bootstrap" (mode
// 0755), Deflate at the best compression: what cdk-assets uploads for a
// directory asset (it zips with zlib level 9).
func zipSize(file string) (int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var cw countingWriter
	zw := zip.NewWriter(&cw)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(w, f); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return cw.n, nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// measureFunctions runs the function section: sizes of the arm64 assets in
// the clone's cdk.out, then sessions rounds of one session per function
// (the floor first), interleaved so that load changes hit all alike.
func (b *functionBench) measureFunctions(ctx context.Context, snap assetSnap, sessions int) ([]fnResult, error) {
	names := snap.functionNames()
	if err := b.start(ctx); err != nil {
		return nil, err
	}
	defer b.close()
	b.log("functions: building %s and %s for this machine", strings.Join(names, ", "), helloName)
	bootstraps, err := b.buildHost(ctx, names)
	if err != nil {
		return nil, err
	}
	specs, mem, err := b.specs(ctx, bootstraps, names)
	if err != nil {
		return nil, err
	}
	results := make([]fnResult, len(specs))
	for i, s := range specs {
		results[i].Name = s.name
		results[i].MemoryMB = mem[s.name]
		if fi, err := os.Stat(s.bootstrap); err == nil {
			results[i].HostBinary = fi.Size()
		}
		arm := filepath.Join(b.clone, "cdk.out", snap.byFn[s.name], "bootstrap")
		if s.name == helloName {
			dir := filepath.Join(b.tmp, "arm64", helloName)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			if arm, err = localrun.Build(ctx, b.clone, srcDir(helloName), "arm64", dir); err != nil {
				return nil, err
			}
			results[i].MemoryMB = 256
		}
		fi, err := os.Stat(arm)
		if err != nil {
			return nil, err
		}
		results[i].Binary = fi.Size()
		if results[i].Zip, err = zipSize(arm); err != nil {
			return nil, err
		}
	}
	for run := 0; run < sessions; run++ {
		for i, s := range specs {
			r, err := b.session(ctx, s, run)
			if err != nil {
				return nil, err
			}
			results[i].Runs = append(results[i].Runs, r)
		}
		var parts []string
		for _, res := range results {
			last := res.Runs[len(res.Runs)-1]
			parts = append(parts, fmt.Sprintf("%s cold %s warm %s", res.Name, millis(last.Cold), millis(medianDur(last.Warm))))
		}
		b.log("functions: session %d/%d: %s", run+1, sessions, strings.Join(parts, "; "))
	}
	return results, nil
}
