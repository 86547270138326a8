package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Dynalite is a running dynalite, the DynamoDB stand-in (npm dynalite@4.0.0),
// behind an in-process proxy that fills its one gap the order flow meets:
// dynalite ignores ReturnValuesOnConditionCheckFailure, so on a failed
// condition of an UpdateItem or DeleteItem that asked for ALL_OLD the proxy
// reads the item (GetItem, consistent) and adds it to the error, as DynamoDB
// does. The read is not atomic with the write; for one local client it is the
// same.
type Dynalite struct {
	// Endpoint is the proxy's URL: what SDK clients use.
	Endpoint string
	// Direct is dynalite's own URL, without the proxy.
	Direct string
	proc   *process
	proxy  *Server
}

// NodeBinary returns the Node.js to run npm packages with: the Node 22 that
// package.json installs at root/node_modules/.bin/node when present, else
// "node" from PATH.
func NodeBinary(root string) string {
	p := filepath.Join(root, "node_modules", ".bin", "node")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "node"
}

// StartDynalite starts dynalite (in memory) from root/node_modules on a free
// loopback port and its proxy on 127.0.0.1:port (0: a free one), and waits
// until both listen. Stop it with Stop.
func StartDynalite(ctx context.Context, root string, port int) (*Dynalite, error) {
	cli := filepath.Join(root, "node_modules", "dynalite", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("dynalite is not installed (%s missing): run `npm ci` in %s (package.json pins dynalite as a devDependency)", cli, root)
	}
	addrs, err := freeAddrs(1)
	if err != nil {
		return nil, err
	}
	host, p, _ := strings.Cut(addrs[0], ":")
	proc, err := startProcess(root, []string{"PATH=" + os.Getenv("PATH")}, NodeBinary(root), cli,
		"--host", host, "--port", p, "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	if err != nil {
		return nil, err
	}
	if err := proc.waitListening(ctx, addrs[0], 20*time.Second); err != nil {
		proc.stop()
		return nil, err
	}
	d := &Dynalite{Direct: "http://" + addrs[0], proc: proc}
	target, _ := url.Parse(d.Direct)
	if d.proxy, err = Serve(port, &oldItemProxy{target: d.Direct, rp: httputil.NewSingleHostReverseProxy(target)}); err != nil {
		proc.stop()
		return nil, err
	}
	d.Endpoint = d.proxy.Endpoint
	return d, nil
}

// Output returns what dynalite printed so far.
func (d *Dynalite) Output() string { return d.proc.out.String() }

// Stop stops the proxy and dynalite (its data is gone).
func (d *Dynalite) Stop() {
	_ = d.proxy.Close()
	d.proc.stop()
}

// oldItemProxy forwards DynamoDB requests to dynalite and adds the old item
// to a ConditionalCheckFailedException when the request asked for it.
type oldItemProxy struct {
	target string
	rp     *httputil.ReverseProxy
}

type oldItemRequest struct {
	TableName                           string
	Key                                 json.RawMessage
	ReturnValuesOnConditionCheckFailure string
}

func (p *oldItemProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	if op != "UpdateItem" && op != "DeleteItem" {
		p.rp.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req oldItemRequest
	_ = json.Unmarshal(body, &req) // a bad body is for dynalite to reject
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	if req.ReturnValuesOnConditionCheckFailure != string(types.ReturnValuesOnConditionCheckFailureAllOld) {
		p.rp.ServeHTTP(w, r)
		return
	}
	rec := responseRecorder{header: http.Header{}}
	p.rp.ServeHTTP(&rec, r)
	out := rec.body.Bytes()
	if rec.status == http.StatusBadRequest && bytes.Contains(out, []byte("ConditionalCheckFailedException")) {
		out = p.addOldItem(r, req, out)
		rec.header.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(out)), 10))
		rec.header.Set("Content-Length", strconv.Itoa(len(out)))
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(out)
}

// addOldItem returns the error body errBody with the item req names added as
// "Item", or errBody unchanged when it has one, the item is gone, or the
// read fails.
func (p *oldItemProxy) addOldItem(r *http.Request, req oldItemRequest, errBody []byte) []byte {
	var e map[string]json.RawMessage
	if json.Unmarshal(errBody, &e) != nil || e["Item"] != nil {
		return errBody
	}
	in, _ := json.Marshal(map[string]any{"TableName": req.TableName, "Key": req.Key, "ConsistentRead": true})
	get, err := http.NewRequestWithContext(r.Context(), http.MethodPost, p.target, bytes.NewReader(in))
	if err != nil {
		return errBody
	}
	get.Header.Set("Content-Type", "application/x-amz-json-1.0")
	get.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	get.Header.Set("X-Amz-Date", r.Header.Get("X-Amz-Date"))
	get.Header.Set("Authorization", r.Header.Get("Authorization")) // dynalite checks presence, not signatures
	resp, err := http.DefaultClient.Do(get)
	if err != nil {
		return errBody
	}
	defer resp.Body.Close()
	var got struct{ Item json.RawMessage }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&got) != nil || len(got.Item) == 0 {
		return errBody
	}
	e["Item"] = got.Item
	out, err := json.Marshal(e)
	if err != nil {
		return errBody
	}
	return out
}

// responseRecorder is a minimal http.ResponseWriter that keeps the response.
type responseRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *responseRecorder) Header() http.Header { return r.header }
func (r *responseRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *responseRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

// TableProps is the part of an AWS::DynamoDB::Table's Properties that a local
// table is made from (the CloudFormation names are the API's).
type TableProps struct {
	AttributeDefinitions   []types.AttributeDefinition
	KeySchema              []types.KeySchemaElement
	GlobalSecondaryIndexes []types.GlobalSecondaryIndex
	LocalSecondaryIndexes  []types.LocalSecondaryIndex
}

// CreateTable creates table name with props' keys and indexes (on demand, no
// stream: dynalite has none) and waits until it is ACTIVE.
func CreateTable(ctx context.Context, c *dynamodb.Client, name string, props TableProps) error {
	in := &dynamodb.CreateTableInput{
		TableName:              aws.String(name),
		AttributeDefinitions:   props.AttributeDefinitions,
		KeySchema:              props.KeySchema,
		BillingMode:            types.BillingModePayPerRequest,
		LocalSecondaryIndexes:  props.LocalSecondaryIndexes,
		GlobalSecondaryIndexes: props.GlobalSecondaryIndexes,
	}
	for i := range in.GlobalSecondaryIndexes {
		in.GlobalSecondaryIndexes[i].ProvisionedThroughput = nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := c.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	for {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", name, err)
		}
		if out.Table.TableStatus == types.TableStatusActive {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("table %s not active: %w", name, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
