// Package dynamosim is the capacity model's DynamoDB: an in-memory table
// with its global secondary indexes that charges every request the read
// and write units DynamoDB would, per table or index, partition-key value
// and second of a clock the caller controls (Recorder). tools/flowsim runs
// the order flow's domain code against it; make test (tools/capacity's
// TestNoHotKeyAt10000OrdersPerSecond, tools/flowsim's tests) and make
// capacity run that.
//
// Why not an existing fake alone: no DynamoDB fake or emulator reports
// capacity per partition-key value and second (DynamoDB itself reports
// consumed capacity per request and table, and throttles hot keys without
// saying which); that is what the hot-key test measures. The expressions
// are minidyn's (github.com/truora/minidyn, a Go DynamoDB fake), but not
// its tables: in v0.8.2 an UpdateItem neither removes the attributes its
// REMOVE names nor moves the item into or out of a sparse index (the order
// flow's pending index: Advance removes pendingShard, the backfill sets
// it), a new key costs time in proportion to the table's size (it sorts
// all keys again: hours for the 10,000-orders-per-second window instead of
// seconds), and its last Query page carries an empty LastEvaluatedKey, on
// which the SDK's paginators never stop. What stays here is the table:
// items by key, index membership, Query, and the charging.
//
// Index writes follow DynamoDB's rules (GSI.html#GSI.ThroughputConsiderations):
// an item entering an index is a put, leaving it a delete, an update that
// changes an index key a delete plus a put, one that changes only
// projected attributes an update, one that changes neither nothing.
package dynamosim

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/interpreter/language"
)

// TableDef is a table's keys and indexes, with the field names of
// dynamodb.CreateTableInput (and of an AWS::DynamoDB::Table's properties).
type TableDef struct {
	KeySchema              []types.KeySchemaElement
	GlobalSecondaryIndexes []types.GlobalSecondaryIndex
}

type keySchema struct{ hash, rng string }

func keysOf(ks []types.KeySchemaElement) (keySchema, error) {
	var k keySchema
	for _, e := range ks {
		if e.KeyType == types.KeyTypeHash {
			k.hash = aws.ToString(e.AttributeName)
		} else {
			k.rng = aws.ToString(e.AttributeName)
		}
	}
	if k.hash == "" {
		return k, errors.New("key schema has no HASH key")
	}
	return k, nil
}

type index struct {
	name, target string // target: "<table>/index/<name>"
	keys         keySchema
	all          bool            // projection ALL
	include      map[string]bool // projected non-key attributes
	members      map[string]map[string]struct{}
}

type table struct {
	name    string
	keys    keySchema
	indexes []*index
	items   map[string]item // by key
}

// DB holds tables. Its zero value is not usable: use New.
type DB struct {
	// Now is the simulated clock: each request is charged to the second
	// Now() falls in. Required.
	Now func() time.Time
	// Rec receives the capacity of every request. Required.
	Rec *Recorder

	mu     sync.Mutex
	tables map[string]*table
	conds  map[string]*language.ConditionalExpression
	ups    map[string]*language.UpdateStatement
}

// New returns a DB with no tables, charging rec at now().
func New(now func() time.Time, rec *Recorder) *DB {
	return &DB{Now: now, Rec: rec, tables: map[string]*table{},
		conds: map[string]*language.ConditionalExpression{}, ups: map[string]*language.UpdateStatement{}}
}

// CreateTable adds an empty table named name.
func (db *DB) CreateTable(name string, def TableDef) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	k, err := keysOf(def.KeySchema)
	if err != nil {
		return fmt.Errorf("table %s: %w", name, err)
	}
	t := &table{name: name, keys: k, items: map[string]item{}}
	for _, g := range def.GlobalSecondaryIndexes {
		ix := &index{name: aws.ToString(g.IndexName), target: name + "/index/" + aws.ToString(g.IndexName), all: true, members: map[string]map[string]struct{}{}}
		if ix.keys, err = keysOf(g.KeySchema); err != nil {
			return fmt.Errorf("table %s index %s: %w", name, ix.name, err)
		}
		if g.Projection != nil {
			ix.all, ix.include = g.Projection.ProjectionType == types.ProjectionTypeAll, map[string]bool{}
			for _, a := range g.Projection.NonKeyAttributes {
				ix.include[a] = true
			}
		}
		t.indexes = append(t.indexes, ix)
	}
	db.tables[name] = t
	return nil
}

// Forget drops an item without charging anything, to bound the memory of
// a long simulation (items nothing will read again).
func (db *DB) Forget(tableName string, key item) {
	db.mu.Lock()
	defer db.mu.Unlock()
	t := db.tables[tableName]
	if t == nil {
		return
	}
	if k, err := t.key(key); err == nil && t.items[k] != nil {
		for _, ix := range t.indexes {
			ix.drop(k, t.items[k])
		}
		delete(t.items, k)
	}
}

func (t *table) index(name string) *index {
	if t != nil {
		for _, ix := range t.indexes {
			if ix.name == name {
				return ix
			}
		}
	}
	return nil
}

func (db *DB) second() int64 { return db.Now().Unix() }

func (db *DB) table(name *string) (*table, error) {
	if t := db.tables[aws.ToString(name)]; t != nil {
		return t, nil
	}
	return nil, &types.ResourceNotFoundException{Message: aws.String("no table " + aws.ToString(name))}
}

// scalarText is a key value's text: a string, a number, or a binary's bytes.
func scalarText(v types.AttributeValue) (string, bool) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v.Value, true
	case *types.AttributeValueMemberN:
		return v.Value, true
	case *types.AttributeValueMemberB:
		return string(v.Value), true
	}
	return "", false
}

// key returns the table key of an item or key map.
func (t *table) key(it item) (string, error) {
	h, ok := scalarText(it[t.keys.hash])
	r, rok := scalarText(it[t.keys.rng])
	if !ok || (t.keys.rng != "" && !rok) {
		return "", fmt.Errorf("item has no scalar key %s %s of %s", t.keys.hash, t.keys.rng, t.name)
	}
	return h + "\x00" + r, nil
}

// entry returns it's projection into the index, or nil when it lacks an
// index key (a sparse index leaves it out).
func (ix *index) entry(t *table, it item) item {
	_, ok := scalarText(it[ix.keys.hash])
	if _, rok := scalarText(it[ix.keys.rng]); !ok || (ix.keys.rng != "" && !rok) {
		return nil
	}
	if ix.all {
		return maps.Clone(it)
	}
	e := item{}
	for a, v := range it {
		if a == t.keys.hash || a == t.keys.rng || a == ix.keys.hash || a == ix.keys.rng || ix.include[a] {
			e[a] = v
		}
	}
	return e
}

func (ix *index) drop(k string, it item) {
	h, _ := scalarText(it[ix.keys.hash])
	if m := ix.members[h]; m != nil {
		delete(m, k)
		if len(m) == 0 {
			delete(ix.members, h)
		}
	}
}

func sameEntry(a, b item) bool {
	return maps.EqualFunc(a, b, func(x, y types.AttributeValue) bool { return fmt.Sprint(x) == fmt.Sprint(y) })
}

// commit stores next at k (nil: delete) and charges the write: the table
// by the larger of the item before and after, each index by the change
// from the entry of old to that of next.
func (db *DB) commit(t *table, k string, old, next item, kind string) {
	sec := db.second()
	size, hash := 0, old
	if old != nil {
		size = ItemSize(old)
	}
	if next != nil {
		size, hash = max(size, ItemSize(next)), next
	}
	h, _ := scalarText(hash[t.keys.hash])
	db.Rec.write(t.name, h, kind, sec, WriteUnits(size))
	for _, ix := range t.indexes {
		b, a := ix.entry(t, old), ix.entry(t, next)
		write := func(kind string, e item, size int) { // an index item of size bytes
			h, _ := scalarText(e[ix.keys.hash])
			db.Rec.write(ix.target, h, kind, sec, WriteUnits(IndexItemOverheadBytes+size))
		}
		switch {
		case b == nil && a == nil:
		case b == nil:
			write("put", a, ItemSize(a))
		case a == nil:
			write("delete", b, ItemSize(b))
		case !sameEntry(item{"h": b[ix.keys.hash], "r": b[ix.keys.rng]}, item{"h": a[ix.keys.hash], "r": a[ix.keys.rng]}):
			write("delete", b, ItemSize(b))
			write("put", a, ItemSize(a))
		case !sameEntry(b, a):
			write("update", a, max(ItemSize(b), ItemSize(a)))
		}
		if b != nil {
			ix.drop(k, b)
		}
		if a != nil {
			h, _ := scalarText(a[ix.keys.hash])
			if ix.members[h] == nil {
				ix.members[h] = map[string]struct{}{}
			}
			ix.members[h][k] = struct{}{}
		}
	}
	if next == nil {
		delete(t.items, k)
	} else {
		t.items[k] = next
	}
}

// check evaluates a condition on old; a false condition is charged as
// DynamoDB does (the larger of the existing item and the write, at least
// one unit) and returned as ConditionalCheckFailedException.
func (db *DB) check(t *table, expr *string, e env, old, next item, ret types.ReturnValuesOnConditionCheckFailure) error {
	if expr == nil {
		return nil
	}
	if ok, err := db.match(*expr, e, old); err != nil || ok {
		return err
	}
	size, hash := max(ItemSize(old), ItemSize(next)), old
	if old == nil {
		hash = next
	}
	h, _ := scalarText(hash[t.keys.hash])
	db.Rec.write(t.name, h, "condition-failed", db.second(), WriteUnits(size))
	ccf := &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	if ret == types.ReturnValuesOnConditionCheckFailureAllOld && old != nil {
		ccf.Item = maps.Clone(old)
	}
	return ccf
}

// PutItem implements the DynamoDB operation.
func (db *DB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	t, err := db.table(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.key(in.Item)
	if err != nil {
		return nil, fmt.Errorf("dynamosim: PutItem: %w", err)
	}
	if err := db.check(t, in.ConditionExpression, env{in.ExpressionAttributeNames, in.ExpressionAttributeValues}, t.items[k], in.Item, in.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	db.commit(t, k, t.items[k], in.Item, "put")
	return &dynamodb.PutItemOutput{}, nil
}

// UpdateItem implements the DynamoDB operation (ReturnValues NONE only).
func (db *DB) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if in.ReturnValues != "" && in.ReturnValues != types.ReturnValueNone {
		return nil, fmt.Errorf("dynamosim: UpdateItem: ReturnValues %s is not supported", in.ReturnValues)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	t, err := db.table(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.key(in.Key)
	if err != nil {
		return nil, fmt.Errorf("dynamosim: UpdateItem: %w", err)
	}
	e, old := env{in.ExpressionAttributeNames, in.ExpressionAttributeValues}, t.items[k]
	start := old
	if old == nil {
		start = in.Key
	}
	next, err := db.update(aws.ToString(in.UpdateExpression), e, start)
	if err != nil {
		return nil, err
	}
	if nk, err := t.key(next); err != nil || nk != k {
		return nil, fmt.Errorf("dynamosim: UpdateItem %q: cannot update a key attribute", aws.ToString(in.UpdateExpression))
	}
	if err := db.check(t, in.ConditionExpression, e, old, nil, in.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	db.commit(t, k, old, next, "update")
	return &dynamodb.UpdateItemOutput{}, nil
}

// GetItem implements the DynamoDB operation.
func (db *DB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := db.BatchGetItem(context.Background(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		aws.ToString(in.TableName): {Keys: []item{in.Key}, ConsistentRead: in.ConsistentRead, ProjectionExpression: in.ProjectionExpression, ExpressionAttributeNames: in.ExpressionAttributeNames}}})
	if err != nil {
		return nil, err
	}
	got := &dynamodb.GetItemOutput{}
	if items := out.Responses[aws.ToString(in.TableName)]; len(items) == 1 {
		got.Item = items[0]
	}
	return got, nil
}

// BatchGetItem implements the DynamoDB operation; it never leaves keys
// unprocessed.
func (db *DB) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]item{}}
	for name, ka := range in.RequestItems {
		t, err := db.table(aws.String(name))
		if err != nil {
			return nil, err
		}
		if len(ka.Keys) > 100 {
			return nil, fmt.Errorf("dynamosim: BatchGetItem: %d keys, at most 100", len(ka.Keys))
		}
		for _, key := range ka.Keys {
			k, err := t.key(key)
			if err != nil {
				return nil, fmt.Errorf("dynamosim: BatchGetItem: %w", err)
			}
			it := t.items[k]
			h, _ := scalarText(key[t.keys.hash])
			db.Rec.read(t.name, h, db.second(), ReadUnits(ItemSize(it), aws.ToBool(ka.ConsistentRead)))
			if it == nil {
				continue
			}
			p, err := project(it, ka.ProjectionExpression, ka.ExpressionAttributeNames)
			if err != nil {
				return nil, err
			}
			out.Responses[name] = append(out.Responses[name], maps.Clone(p))
		}
	}
	return out, nil
}

// BatchWriteItem implements the DynamoDB operation (puts and deletes, no
// conditions); it never leaves items unprocessed.
func (db *DB) BatchWriteItem(_ context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	if n := len(slices.Concat(slices.Collect(maps.Values(in.RequestItems))...)); n > 25 {
		return nil, fmt.Errorf("dynamosim: BatchWriteItem: %d requests, at most 25", n)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	for name, reqs := range in.RequestItems {
		t, err := db.table(aws.String(name))
		if err != nil {
			return nil, err
		}
		for _, r := range reqs {
			var next item
			key, kind := item(nil), "delete"
			if r.PutRequest != nil {
				next, key, kind = r.PutRequest.Item, r.PutRequest.Item, "put"
			} else if r.DeleteRequest != nil {
				key = r.DeleteRequest.Key
			}
			k, err := t.key(key)
			if err != nil {
				return nil, fmt.Errorf("dynamosim: BatchWriteItem: %w", err)
			}
			if next != nil || t.items[k] != nil {
				db.commit(t, k, t.items[k], next, kind)
			}
		}
	}
	return &dynamodb.BatchWriteItemOutput{}, nil
}

// queryPageBytes is the most a Query page reads (1 MB).
const queryPageBytes = 1 << 20

// Query implements the DynamoDB operation on a table or an index: a key
// condition (partition key = :value, and any sort key condition),
// ScanIndexForward, Limit, ExclusiveStartKey (its item may be gone),
// ProjectionExpression; no FilterExpression. Index queries are eventually
// consistent.
func (db *DB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if in.FilterExpression != nil {
		return nil, errors.New("dynamosim: Query: FilterExpression is not supported")
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	t, err := db.table(in.TableName)
	if err != nil {
		return nil, err
	}
	keys, target, ix := t.keys, t.name, t.index(aws.ToString(in.IndexName))
	switch {
	case in.IndexName != nil && ix == nil:
		return nil, fmt.Errorf("dynamosim: Query: table %s has no index %s", t.name, *in.IndexName)
	case ix != nil && aws.ToBool(in.ConsistentRead):
		return nil, errors.New("dynamosim: Query: consistent reads are not supported on global secondary indexes")
	case ix != nil:
		keys, target = ix.keys, ix.target
	}
	expr, e := aws.ToString(in.KeyConditionExpression), env{in.ExpressionAttributeNames, in.ExpressionAttributeValues}
	hashVal, err := e.keyEquals(expr, keys.hash)
	if err != nil {
		return nil, err
	}
	type hit struct {
		k  string
		it item
	}
	var hits []hit
	candidates := maps.Keys(t.items)
	if ix != nil {
		candidates = maps.Keys(ix.members[hashVal])
	}
	for k := range candidates {
		it := t.items[k]
		if ix != nil {
			it = ix.entry(t, it)
		} else if h, _ := scalarText(it[t.keys.hash]); h != hashVal {
			continue
		}
		if ok, err := db.match(expr, e, it); err != nil {
			return nil, err
		} else if ok {
			hits = append(hits, hit{k, it})
		}
	}
	order := func(a item, ak string, b item, bk string) int {
		return cmp.Or(compare(a[keys.rng], b[keys.rng]), strings.Compare(ak, bk))
	}
	forward := in.ScanIndexForward == nil || *in.ScanIndexForward
	slices.SortFunc(hits, func(a, b hit) int {
		if forward {
			return order(a.it, a.k, b.it, b.k)
		}
		return order(b.it, b.k, a.it, a.k)
	})
	if len(in.ExclusiveStartKey) > 0 { // continue after its position
		sk, err := t.key(in.ExclusiveStartKey)
		if err != nil {
			return nil, fmt.Errorf("dynamosim: ExclusiveStartKey: %w", err)
		}
		hits = slices.DeleteFunc(hits, func(h hit) bool {
			r := order(h.it, h.k, in.ExclusiveStartKey, sk)
			return (forward && r <= 0) || (!forward && r >= 0)
		})
	}
	out, limit, read := &dynamodb.QueryOutput{}, int(aws.ToInt32(in.Limit)), 0
	for i, h := range hits {
		if (limit > 0 && i == limit) || read >= queryPageBytes {
			out.LastEvaluatedKey = lastKey(t, ix, hits[i-1].it)
			break
		}
		read += ItemSize(h.it)
		p, err := project(h.it, in.ProjectionExpression, in.ExpressionAttributeNames)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, maps.Clone(p))
	}
	if limit > 0 && len(hits) == limit {
		out.LastEvaluatedKey = lastKey(t, ix, hits[limit-1].it)
	}
	out.Count = int32(len(out.Items))
	out.ScannedCount = out.Count
	db.Rec.read(target, hashVal, db.second(), ReadUnits(read, aws.ToBool(in.ConsistentRead)))
	return out, nil
}

// lastKey is a LastEvaluatedKey: the table's keys and the index's.
func lastKey(t *table, ix *index, it item) item {
	k := item{}
	names := []string{t.keys.hash, t.keys.rng}
	if ix != nil {
		names = append(names, ix.keys.hash, ix.keys.rng)
	}
	for _, n := range names {
		if v, ok := it[n]; ok && n != "" {
			k[n] = v
		}
	}
	return k
}

// compare orders two key values: strings and binaries by bytes, numbers by
// value; a missing value first.
func compare(a, b types.AttributeValue) int {
	x, xok := a.(*types.AttributeValueMemberN)
	y, yok := b.(*types.AttributeValueMemberN)
	if xok && yok {
		p, _ := strconv.ParseFloat(x.Value, 64)
		q, _ := strconv.ParseFloat(y.Value, 64)
		return cmp.Compare(p, q)
	}
	s, _ := scalarText(a)
	u, _ := scalarText(b)
	return strings.Compare(s, u)
}
