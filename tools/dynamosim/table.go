// Package dynamosim is an in-memory DynamoDB for simulations: tables with
// their global secondary indexes, the data-plane operations this project
// calls (PutItem, GetItem, UpdateItem, DeleteItem, Query, BatchGetItem,
// BatchWriteItem) with DynamoDB's semantics for conditions, sparse indexes
// and pagination, and a Recorder that charges every request the read and
// write units DynamoDB would, per table or index, partition-key value and
// second of a clock the caller controls.
//
// It knows the key schema of the table and of each index, so it can tell an
// index put from an index update or delete and whether an item is in a
// sparse index at all, and charges index writes by DynamoDB's rules
// (GSI.html#GSI.ThroughputConsiderations): an item entering an index is a
// put, leaving it a delete, an update that changes an index key a delete
// plus a put (on the old and the new partition-key value), one that changes
// only projected attributes an update, one that changes neither nothing.
//
// It is not a DynamoDB emulator: no streams, transactions, scans, TTL, or
// expression features beyond those in expr.go; a request it does not
// understand fails with an error naming what is missing.
package dynamosim

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
		switch e.KeyType {
		case types.KeyTypeHash:
			k.hash = aws.ToString(e.AttributeName)
		case types.KeyTypeRange:
			k.rng = aws.ToString(e.AttributeName)
		}
	}
	if k.hash == "" {
		return k, errors.New("key schema has no HASH key")
	}
	return k, nil
}

type index struct {
	name    string
	target  string // "<table>/index/<name>"
	keys    keySchema
	proj    types.ProjectionType
	include map[string]bool
	members map[string]map[string]struct{} // partition-key value -> table keys
}

type table struct {
	name    string
	keys    keySchema
	indexes []*index
	items   map[string]map[string]types.AttributeValue // table key -> item
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
	conds  map[string]*cond
	ups    map[string]*update
}

// New returns a DB with no tables, charging rec at now().
func New(now func() time.Time, rec *Recorder) *DB {
	return &DB{Now: now, Rec: rec, tables: map[string]*table{}, conds: map[string]*cond{}, ups: map[string]*update{}}
}

// CreateTable adds an empty table named name.
func (db *DB) CreateTable(name string, def TableDef) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	k, err := keysOf(def.KeySchema)
	if err != nil {
		return fmt.Errorf("table %s: %w", name, err)
	}
	t := &table{name: name, keys: k, items: map[string]map[string]types.AttributeValue{}}
	for _, g := range def.GlobalSecondaryIndexes {
		ik, err := keysOf(g.KeySchema)
		if err != nil {
			return fmt.Errorf("table %s index %s: %w", name, aws.ToString(g.IndexName), err)
		}
		ix := &index{name: aws.ToString(g.IndexName), target: name + "/index/" + aws.ToString(g.IndexName), keys: ik,
			proj: types.ProjectionTypeAll, members: map[string]map[string]struct{}{}}
		if g.Projection != nil {
			ix.proj = g.Projection.ProjectionType
			ix.include = map[string]bool{}
			for _, a := range g.Projection.NonKeyAttributes {
				ix.include[a] = true
			}
		}
		t.indexes = append(t.indexes, ix)
	}
	db.tables[name] = t
	return nil
}

// Len returns the number of items in table name.
func (db *DB) Len(name string) int {
	db.mu.Lock()
	defer db.mu.Unlock()
	if t := db.tables[name]; t != nil {
		return len(t.items)
	}
	return 0
}

// IndexLen returns the number of items in index of table name.
func (db *DB) IndexLen(name, indexName string) int {
	db.mu.Lock()
	defer db.mu.Unlock()
	if t := db.tables[name]; t != nil {
		for _, ix := range t.indexes {
			if ix.name == indexName {
				n := 0
				for _, m := range ix.members {
					n += len(m)
				}
				return n
			}
		}
	}
	return 0
}

// Forget drops an item without charging anything, to bound the memory of
// a long simulation (items nothing will read again).
func (db *DB) Forget(tableName string, key map[string]types.AttributeValue) {
	db.mu.Lock()
	defer db.mu.Unlock()
	t := db.tables[tableName]
	if t == nil {
		return
	}
	k, err := t.key(key)
	if err != nil {
		return
	}
	if old := t.items[k]; old != nil {
		for _, ix := range t.indexes {
			ix.drop(k, old)
		}
		delete(t.items, k)
	}
}

func (db *DB) second() int64 { return db.Now().Unix() }

func (db *DB) table(name *string) (*table, error) {
	t := db.tables[aws.ToString(name)]
	if t == nil {
		return nil, &types.ResourceNotFoundException{Message: aws.String("no table " + aws.ToString(name))}
	}
	return t, nil
}

func (db *DB) cond(s string) (*cond, error) {
	if c, ok := db.conds[s]; ok {
		return c, nil
	}
	c, err := parseCondition(s)
	if err != nil {
		return nil, err
	}
	db.conds[s] = c
	return c, nil
}

func (db *DB) update(s string) (*update, error) {
	if u, ok := db.ups[s]; ok {
		return u, nil
	}
	u, err := parseUpdate(s)
	if err != nil {
		return nil, err
	}
	db.ups[s] = u
	return u, nil
}

// scalarText is a key value's text: a string, a number, or base64-free raw
// bytes of a binary.
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
func (t *table) key(item map[string]types.AttributeValue) (string, error) {
	h, ok := scalarText(item[t.keys.hash])
	if !ok {
		return "", fmt.Errorf("item has no scalar %s (the key of %s)", t.keys.hash, t.name)
	}
	if t.keys.rng == "" {
		return h, nil
	}
	r, ok := scalarText(item[t.keys.rng])
	if !ok {
		return "", fmt.Errorf("item has no scalar %s (the sort key of %s)", t.keys.rng, t.name)
	}
	return h + "\x00" + r, nil
}

func (t *table) hashText(item map[string]types.AttributeValue) string {
	h, _ := scalarText(item[t.keys.hash])
	return h
}

// entry returns item's projection into the index, or nil when the item
// lacks an index key (a sparse index leaves it out).
func (ix *index) entry(t *table, item map[string]types.AttributeValue) map[string]types.AttributeValue {
	if item == nil {
		return nil
	}
	if _, ok := scalarText(item[ix.keys.hash]); !ok {
		return nil
	}
	if ix.keys.rng != "" {
		if _, ok := scalarText(item[ix.keys.rng]); !ok {
			return nil
		}
	}
	if ix.proj == types.ProjectionTypeAll {
		return maps.Clone(item) // the item may be updated in place
	}
	e := map[string]types.AttributeValue{}
	for _, a := range []string{t.keys.hash, t.keys.rng, ix.keys.hash, ix.keys.rng} {
		if v, ok := item[a]; ok && a != "" {
			e[a] = v
		}
	}
	for a := range ix.include {
		if v, ok := item[a]; ok {
			e[a] = v
		}
	}
	return e
}

func (ix *index) drop(tableKey string, item map[string]types.AttributeValue) {
	if h, ok := scalarText(item[ix.keys.hash]); ok {
		if m := ix.members[h]; m != nil {
			delete(m, tableKey)
			if len(m) == 0 {
				delete(ix.members, h)
			}
		}
	}
}

func sameValue(a, b types.AttributeValue) bool {
	if a == b {
		return true
	}
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		y, ok := b.(*types.AttributeValueMemberS)
		return ok && x.Value == y.Value
	case *types.AttributeValueMemberN:
		y, ok := b.(*types.AttributeValueMemberN)
		return ok && x.Value == y.Value
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func sameEntry(a, b map[string]types.AttributeValue) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !sameValue(v, w) {
			return false
		}
	}
	return true
}

// apply replaces the item at k with next (nil: delete), charging the table
// and every index; the caller checked conditions.
func (db *DB) apply(t *table, k string, old, next map[string]types.AttributeValue, kind string) {
	before := make([]map[string]types.AttributeValue, len(t.indexes))
	for i, ix := range t.indexes {
		before[i] = ix.entry(t, old)
	}
	oldSize := 0
	if old != nil {
		oldSize = ItemSize(old)
	}
	db.commit(t, k, old, before, oldSize, next, kind)
}

// commit stores next at k (nil: delete) and charges the write: the table
// by the larger of oldSize and next's size, each index by the change from
// its entry before (from the item as it was) to its entry for next. old may
// be the same map as next (updated in place); before and oldSize were taken
// ahead of the change.
func (db *DB) commit(t *table, k string, old map[string]types.AttributeValue, before []map[string]types.AttributeValue, oldSize int, next map[string]types.AttributeValue, kind string) {
	sec := db.second()
	size := oldSize
	if next != nil {
		size = max(size, ItemSize(next))
	}
	hash := t.hashText(old)
	if next != nil {
		hash = t.hashText(next)
	}
	db.Rec.write(t.name, hash, kind, sec, WriteUnits(size))
	for i, ix := range t.indexes {
		b, after := before[i], ix.entry(t, next)
		switch {
		case b == nil && after == nil:
		case b == nil:
			db.indexWrite(ix, "put", after, sec)
		case after == nil:
			db.indexWrite(ix, "delete", b, sec)
		case !sameValue(b[ix.keys.hash], after[ix.keys.hash]) || (ix.keys.rng != "" && !sameValue(b[ix.keys.rng], after[ix.keys.rng])):
			db.indexWrite(ix, "delete", b, sec)
			db.indexWrite(ix, "put", after, sec)
		case !sameEntry(b, after):
			h, _ := scalarText(after[ix.keys.hash])
			db.Rec.write(ix.target, h, "update", sec, WriteUnits(IndexItemOverheadBytes+max(ItemSize(b), ItemSize(after))))
		}
		if b != nil {
			ix.drop(k, b)
		}
		if after != nil {
			h, _ := scalarText(after[ix.keys.hash])
			m := ix.members[h]
			if m == nil {
				m = map[string]struct{}{}
				ix.members[h] = m
			}
			m[k] = struct{}{}
		}
	}
	if next == nil {
		delete(t.items, k)
	} else {
		t.items[k] = next
	}
}

func (db *DB) indexWrite(ix *index, kind string, e map[string]types.AttributeValue, sec int64) {
	h, _ := scalarText(e[ix.keys.hash])
	db.Rec.write(ix.target, h, kind, sec, WriteUnits(IndexItemOverheadBytes+ItemSize(e)))
}

// check evaluates a condition on old; a false condition is charged as
// DynamoDB does (the larger of the existing item and the write, at least
// one unit) and returned as ConditionalCheckFailedException.
func (db *DB) check(t *table, expr *string, e env, old, next map[string]types.AttributeValue, ret types.ReturnValuesOnConditionCheckFailure) error {
	if expr == nil {
		return nil
	}
	c, err := db.cond(*expr)
	if err != nil {
		return fmt.Errorf("dynamosim: ConditionExpression: %w", err)
	}
	ok, err := e.eval(c, old)
	if err != nil {
		return fmt.Errorf("dynamosim: ConditionExpression %q: %w", *expr, err)
	}
	if ok {
		return nil
	}
	size := 0
	if old != nil {
		size = ItemSize(old)
	}
	if next != nil {
		size = max(size, ItemSize(next))
	}
	hash := t.hashText(old)
	if old == nil {
		hash = t.hashText(next)
	}
	db.Rec.write(t.name, hash, "condition-failed", db.second(), WriteUnits(size))
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
	old := t.items[k]
	next := in.Item // kept as given: callers do not change an item they wrote
	if err := db.check(t, in.ConditionExpression, env{in.ExpressionAttributeNames, in.ExpressionAttributeValues}, old, next, in.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	db.apply(t, k, old, next, "put")
	return &dynamodb.PutItemOutput{}, nil
}

// DeleteItem implements the DynamoDB operation.
func (db *DB) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	t, err := db.table(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.key(in.Key)
	if err != nil {
		return nil, fmt.Errorf("dynamosim: DeleteItem: %w", err)
	}
	old := t.items[k]
	if err := db.check(t, in.ConditionExpression, env{in.ExpressionAttributeNames, in.ExpressionAttributeValues}, old, nil, in.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	if old == nil {
		db.Rec.write(t.name, t.hashText(in.Key), "delete", db.second(), 1)
		return &dynamodb.DeleteItemOutput{}, nil
	}
	db.apply(t, k, old, nil, "delete")
	return &dynamodb.DeleteItemOutput{}, nil
}

// UpdateItem implements the DynamoDB operation (SET and REMOVE of top-level
// attributes; ReturnValues NONE only).
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
	u, err := db.update(aws.ToString(in.UpdateExpression))
	if err != nil {
		return nil, fmt.Errorf("dynamosim: UpdateExpression: %w", err)
	}
	e := env{in.ExpressionAttributeNames, in.ExpressionAttributeValues}
	old := t.items[k]
	// Resolve every action before changing anything.
	type change struct {
		name  string
		value types.AttributeValue // nil: remove
	}
	var changes []change
	for _, a := range u.set {
		n, err := e.attr(a.target)
		if err != nil {
			return nil, err
		}
		if n == t.keys.hash || n == t.keys.rng {
			return nil, fmt.Errorf("dynamosim: UpdateItem: cannot update key attribute %s", n)
		}
		if _, exists := old[n]; a.ifNotExists && exists {
			continue
		}
		v, err := e.resolve(a.value, old)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, fmt.Errorf("dynamosim: UpdateItem: SET %s to a missing value", n)
		}
		changes = append(changes, change{n, v})
	}
	for _, o := range u.remove {
		n, err := e.attr(o)
		if err != nil {
			return nil, err
		}
		changes = append(changes, change{n, nil})
	}
	if err := db.check(t, in.ConditionExpression, e, old, nil, in.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	before := make([]map[string]types.AttributeValue, len(t.indexes))
	for i, ix := range t.indexes {
		before[i] = ix.entry(t, old)
	}
	oldSize, next := 0, old
	if old != nil {
		oldSize = ItemSize(old)
	} else {
		next = maps.Clone(in.Key)
	}
	for _, c := range changes {
		if c.value == nil {
			delete(next, c.name)
		} else {
			next[c.name] = c.value
		}
	}
	db.commit(t, k, old, before, oldSize, next, "update")
	return &dynamodb.UpdateItemOutput{}, nil
}

// project applies a ProjectionExpression (top-level names only).
func project(item map[string]types.AttributeValue, expr *string, names map[string]string) (map[string]types.AttributeValue, error) {
	if expr == nil || item == nil {
		return item, nil
	}
	out := map[string]types.AttributeValue{}
	for _, part := range strings.Split(*expr, ",") {
		n := strings.TrimSpace(part)
		if strings.HasPrefix(n, "#") {
			m, ok := names[n]
			if !ok {
				return nil, fmt.Errorf("dynamosim: ExpressionAttributeNames has no %s", n)
			}
			n = m
		}
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

// GetItem implements the DynamoDB operation.
func (db *DB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	t, err := db.table(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.key(in.Key)
	if err != nil {
		return nil, fmt.Errorf("dynamosim: GetItem: %w", err)
	}
	item := t.items[k]
	size := 0
	if item != nil {
		size = ItemSize(item)
	}
	db.Rec.read(t.name, t.hashText(in.Key), db.second(), ReadUnits(size, aws.ToBool(in.ConsistentRead)))
	out, err := project(item, in.ProjectionExpression, in.ExpressionAttributeNames)
	if err != nil {
		return nil, err
	}
	return &dynamodb.GetItemOutput{Item: maps.Clone(out)}, nil
}

// BatchGetItem implements the DynamoDB operation; it never leaves keys
// unprocessed.
func (db *DB) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	sec := db.second()
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
			item := t.items[k]
			size := 0
			if item != nil {
				size = ItemSize(item)
			}
			db.Rec.read(t.name, t.hashText(key), sec, ReadUnits(size, aws.ToBool(ka.ConsistentRead)))
			if item == nil {
				continue
			}
			p, err := project(item, ka.ProjectionExpression, ka.ExpressionAttributeNames)
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
	n := 0
	for _, reqs := range in.RequestItems {
		n += len(reqs)
	}
	if n > 25 {
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
			switch {
			case r.PutRequest != nil:
				k, err := t.key(r.PutRequest.Item)
				if err != nil {
					return nil, fmt.Errorf("dynamosim: BatchWriteItem: %w", err)
				}
				db.apply(t, k, t.items[k], r.PutRequest.Item, "put")
			case r.DeleteRequest != nil:
				k, err := t.key(r.DeleteRequest.Key)
				if err != nil {
					return nil, fmt.Errorf("dynamosim: BatchWriteItem: %w", err)
				}
				if old := t.items[k]; old != nil {
					db.apply(t, k, old, nil, "delete")
				}
			}
		}
	}
	return &dynamodb.BatchWriteItemOutput{}, nil
}

// queryPageBytes is the most a Query page reads (1 MB).
const queryPageBytes = 1 << 20

// Query implements the DynamoDB operation on a table or an index: a key
// condition on the partition key (=) and optionally the sort key,
// ScanIndexForward, Limit, ExclusiveStartKey, ProjectionExpression; no
// FilterExpression. Index queries are eventually consistent.
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
	keys, target := t.keys, t.name
	var ix *index
	if in.IndexName != nil {
		for _, x := range t.indexes {
			if x.name == *in.IndexName {
				ix = x
			}
		}
		if ix == nil {
			return nil, fmt.Errorf("dynamosim: Query: table %s has no index %s", t.name, *in.IndexName)
		}
		if aws.ToBool(in.ConsistentRead) {
			return nil, errors.New("dynamosim: Query: consistent reads are not supported on global secondary indexes")
		}
		keys, target = ix.keys, ix.target
	}
	c, err := db.cond(aws.ToString(in.KeyConditionExpression))
	if err != nil {
		return nil, fmt.Errorf("dynamosim: KeyConditionExpression: %w", err)
	}
	e := env{in.ExpressionAttributeNames, in.ExpressionAttributeValues}
	hashVal, err := keyEquals(c, e, keys.hash)
	if err != nil {
		return nil, fmt.Errorf("dynamosim: KeyConditionExpression %q: %w", aws.ToString(in.KeyConditionExpression), err)
	}
	type hit struct {
		k    string
		item map[string]types.AttributeValue
	}
	var hits []hit
	if ix != nil {
		for k := range ix.members[hashVal] {
			hits = append(hits, hit{k, ix.entry(t, t.items[k])})
		}
	} else {
		for k, item := range t.items {
			if h, _ := scalarText(item[t.keys.hash]); h == hashVal {
				hits = append(hits, hit{k, item})
			}
		}
	}
	matched := hits[:0]
	for _, h := range hits {
		ok, err := e.eval(c, h.item)
		if err != nil {
			return nil, fmt.Errorf("dynamosim: KeyConditionExpression: %w", err)
		}
		if ok {
			matched = append(matched, h)
		}
	}
	order := func(aItem map[string]types.AttributeValue, aKey string, bItem map[string]types.AttributeValue, bKey string) int {
		if keys.rng != "" {
			if r, ok := compare(aItem[keys.rng], bItem[keys.rng]); ok && r != 0 {
				return r
			}
		}
		return strings.Compare(aKey, bKey)
	}
	slices.SortFunc(matched, func(a, b hit) int { return order(a.item, a.k, b.item, b.k) })
	forward := in.ScanIndexForward == nil || *in.ScanIndexForward
	if !forward {
		slices.Reverse(matched)
	}
	if len(in.ExclusiveStartKey) > 0 {
		// Continue after the start key's position, whether or not its item
		// is still there.
		sk, err := t.key(in.ExclusiveStartKey)
		if err != nil {
			return nil, fmt.Errorf("dynamosim: ExclusiveStartKey: %w", err)
		}
		i := 0
		for i < len(matched) {
			r := order(matched[i].item, matched[i].k, in.ExclusiveStartKey, sk)
			if (forward && r > 0) || (!forward && r < 0) {
				break
			}
			i++
		}
		matched = matched[i:]
	}
	out := &dynamodb.QueryOutput{}
	limit := int(aws.ToInt32(in.Limit))
	read := 0
	for i, h := range matched {
		if (limit > 0 && i == limit) || read >= queryPageBytes {
			out.LastEvaluatedKey = lastKey(t, ix, matched[i-1].item)
			break
		}
		read += ItemSize(h.item)
		p, err := project(h.item, in.ProjectionExpression, in.ExpressionAttributeNames)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, maps.Clone(p))
	}
	if limit > 0 && len(matched) == limit && out.LastEvaluatedKey == nil {
		out.LastEvaluatedKey = lastKey(t, ix, matched[limit-1].item)
	}
	out.Count = int32(len(out.Items))
	out.ScannedCount = out.Count
	db.Rec.read(target, hashVal, db.second(), ReadUnits(read, aws.ToBool(in.ConsistentRead)))
	return out, nil
}

// lastKey is a LastEvaluatedKey: the table's keys and the index's.
func lastKey(t *table, ix *index, item map[string]types.AttributeValue) map[string]types.AttributeValue {
	k := map[string]types.AttributeValue{}
	names := []string{t.keys.hash, t.keys.rng}
	if ix != nil {
		names = append(names, ix.keys.hash, ix.keys.rng)
	}
	for _, n := range names {
		if v, ok := item[n]; ok && n != "" {
			k[n] = v
		}
	}
	return k
}

// keyEquals finds "hash = :v" in a key condition and returns v's text.
func keyEquals(c *cond, e env, hash string) (string, error) {
	switch c.op {
	case "and":
		for _, k := range c.kids {
			if v, err := keyEquals(k, e, hash); err == nil {
				return v, nil
			}
		}
	case "cmp":
		if c.cmp == "=" {
			if n, err := e.attr(c.operands[0]); err == nil && n == hash {
				v, err := e.resolve(c.operands[1], nil)
				if err != nil {
					return "", err
				}
				if s, ok := scalarText(v); ok {
					return s, nil
				}
			}
		}
	}
	return "", fmt.Errorf("no %s = :value", hash)
}
