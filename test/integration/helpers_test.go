package integration

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/tools/localrun"
	"github.com/example/orderflow/tools/moto"
)

const (
	region       = "us-east-1"
	table        = "Orders"
	bucket       = "uploads"
	pendingIndex = orders.PendingIndexName // stacks.PendingIndexName
)

// ordersTable is the Orders table as the stateful stack defines it
// (orders.Design; the stack tests pin the template to it).
var ordersTable = func() localrun.TableProps {
	d := orders.Design(false)
	return localrun.TableProps{AttributeDefinitions: d.AttributeDefinitions, KeySchema: d.KeySchema, GlobalSecondaryIndexes: d.GlobalSecondaryIndexes}
}()

var (
	root   string // module root
	tmpDir string // builds and the emulator, removed after the tests

	rieOnce sync.Once
	rie     string
	rieErr  error

	buildMu sync.Mutex
	builds  = map[string]string{} // function name -> bootstrap

	motoOnce sync.Once
	motoSrv  *moto.Server
	motoErr  error
	resetFor *testing.T // the test moto was last reset for
)

func TestMain(m *testing.M) {
	var err error
	if root, err = localrun.ModuleRoot("."); err != nil {
		panic(err)
	}
	if tmpDir, err = os.MkdirTemp("", "orderflow-integration-"); err != nil {
		panic(err)
	}
	code := m.Run()
	if motoSrv != nil {
		motoSrv.Stop()
	}
	os.RemoveAll(tmpDir)
	os.Exit(code)
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// local returns the endpoint of the local AWS: moto, started once for the
// package (stopped in TestMain) and reset at the start of each test, so a
// test sees only what it made. Skipped where no Python has moto (make test
// installs it) unless CI=true.
func local(t *testing.T) string {
	t.Helper()
	motoOnce.Do(func() {
		motoSrv, motoErr = moto.Start(context.Background(), root, "", filepath.Join(tmpDir, "moto.log"))
	})
	if errors.Is(motoErr, moto.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skipf("no local AWS: %v", motoErr)
	}
	if motoErr != nil {
		t.Fatal(motoErr)
	}
	if resetFor != t {
		resp, err := http.Post(motoSrv.Endpoint+"/moto-api/reset", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		resetFor = t
		t.Cleanup(func() {
			if t.Failed() {
				log, _ := os.ReadFile(filepath.Join(tmpDir, "moto.log"))
				t.Logf("moto log (last 4 KB):\n%s", log[max(0, len(log)-4096):])
			}
		})
	}
	return motoSrv.Endpoint
}

// startDynamo makes the Orders table and returns a client of it.
func startDynamo(t *testing.T) (string, *dynamodb.Client) {
	t.Helper()
	ep := local(t)
	db := dynamodb.NewFromConfig(moto.Config(region, ep))
	if err := localrun.CreateTable(testContext(t), db, table, ordersTable); err != nil {
		t.Fatal(err)
	}
	return ep, db
}

// startS3 makes the versioned uploads bucket.
func startS3(t *testing.T) (string, *s3.Client) {
	t.Helper()
	ep := local(t)
	c := s3.NewFromConfig(moto.Config(region, ep))
	if err := localrun.CreateBucket(testContext(t), c, localrun.Bucket{Name: bucket, Versioned: true}); err != nil {
		t.Fatal(err)
	}
	return ep, c
}

// startSQS makes the queue name and returns its URL.
func startSQS(t *testing.T, name string) string {
	t.Helper()
	out, err := sqs.NewFromConfig(moto.Config(region, local(t))).CreateQueue(testContext(t), &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl)
}

// received reads (and deletes) every message waiting in the queue at
// queueURL, in the order sent.
func received(t *testing.T, queueURL string) []sqstypes.Message {
	t.Helper()
	c := sqs.NewFromConfig(moto.Config(region, local(t)))
	var msgs []sqstypes.Message
	for {
		out, err := c.ReceiveMessage(testContext(t), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10,
			MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return msgs
		}
		for _, m := range out.Messages {
			if _, err := c.DeleteMessage(testContext(t), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
		msgs = append(msgs, out.Messages...)
	}
}

// startFunction builds function name for the host and runs it under its own
// emulator with the environment vars, against the local AWS. The function's logs
// are printed when the test fails.
func startFunction(t *testing.T, name string, vars map[string]string) *localrun.Emulator {
	t.Helper()
	// Building the emulator and the function is not bounded by the test's
	// 3 minutes: with a cold build cache on a loaded machine it can take
	// longer. go test's own -timeout still bounds it.
	rieOnce.Do(func() {
		rie, rieErr = localrun.FindRIE(t.Context(), filepath.Join(root, "bin", "aws-lambda-rie"), tmpDir, io.Discard)
	})
	if rieErr != nil {
		t.Fatal(rieErr)
	}
	buildMu.Lock()
	bootstrap, ok := builds[name]
	if !ok {
		dir := filepath.Join(tmpDir, name)
		err := os.MkdirAll(dir, 0o755)
		if err == nil {
			bootstrap, err = localrun.Build(t.Context(), root, "functions/"+name, "", dir)
		}
		if err != nil {
			buildMu.Unlock()
			t.Fatal(err)
		}
		builds[name] = bootstrap
	}
	buildMu.Unlock()

	fn := localrun.Function{Name: name, FunctionName: "orderflow-test-" + name, Timeout: 30, MemorySize: 256, LogLevel: "DEBUG", Environment: vars}
	emu, err := localrun.StartEmulator(testContext(t), rie, bootstrap, fn.Env(region, local(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, emu.Logs())
		}
		emu.Stop()
	})
	return emu
}

// invoke sends event to the function and returns its response, failing the
// test on a function error.
func invoke(t *testing.T, emu *localrun.Emulator, event any) []byte {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := emu.Invoke(testContext(t), "", payload)
	if err != nil {
		t.Fatal(err)
	}
	if inv.FunctionError() {
		t.Fatalf("function error (emulator status %d): %s", inv.Status, inv.Body)
	}
	return inv.Body
}

// getItem reads an item of the Orders table, consistently.
func getItem(t *testing.T, db *dynamodb.Client, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(testContext(t), &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            map[string]types.AttributeValue{orders.AttrOrderID: &types.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// storeOrder stores a PENDING order created at created, through the
// domain's own adapter.
func storeOrder(t *testing.T, db *dynamodb.Client, id string, created time.Time) orders.Order {
	t.Helper()
	n := orders.NewOrder{CustomerID: "cust-1", Items: []orders.Item{{SKU: "TEA", Quantity: 2, UnitPriceCents: 300}}}
	o, err := n.Build(id, "api", func() time.Time { return created })
	if err != nil {
		t.Fatal(err)
	}
	if err := (&orders.Store{Client: db, Table: table}).Create(testContext(t), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func stringAttr(item map[string]types.AttributeValue, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
