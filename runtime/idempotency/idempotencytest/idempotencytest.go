// Package idempotencytest is an in-memory stand-in for the idempotency
// package's DynamoDB table, for tests of handlers that use a Guard: it
// evaluates the one conditional write the guard makes (the condition with
// the names and values the guard passes) and counts the calls. The
// runtime's own tests check the guard against the local DynamoDB too.
package idempotencytest

import (
	"context"
	"maps"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table is an in-memory idempotency table; its methods are the three
// operations of idempotency.Client. The zero value is not usable: New.
type Table struct {
	mu    sync.Mutex
	items map[string]map[string]types.AttributeValue
	// ReturnOld answers a failed condition with the item, as DynamoDB does
	// with ReturnValuesOnConditionCheckFailure; false behaves as an
	// emulator that does not (the guard then reads the item).
	ReturnOld bool
	// Calls counts the calls per operation ("PutItem", "GetItem",
	// "DeleteItem").
	Calls map[string]int
	// Fail makes an operation return the error, by operation name.
	Fail map[string]error
}

// New returns an empty table that returns the old item with a failed
// condition.
func New() *Table {
	return &Table{items: map[string]map[string]types.AttributeValue{}, ReturnOld: true, Calls: map[string]int{}, Fail: map[string]error{}}
}

// Len is the number of records.
func (m *Table) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

// PutItem stores the item, unless the guard's condition fails:
// attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND
// attribute_exists(#inprogress_expiry) AND #inprogress_expiry < :now_ms).
func (m *Table) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls["PutItem"]++
	if err := m.Fail["PutItem"]; err != nil {
		return nil, err
	}
	names := in.ExpressionAttributeNames
	keyName := names["#id"]
	if keyName == "" {
		keyName = "id"
	}
	id := str(in.Item[keyName])
	old, exists := m.items[id]
	if in.ConditionExpression != nil && exists {
		now, _ := num(in.ExpressionAttributeValues[":now"])
		nowMs, _ := num(in.ExpressionAttributeValues[":now_ms"])
		exp, _ := num(old[names["#expiry"]])
		until, hasUntil := num(old[names["#inprogress_expiry"]])
		inProgress := str(old[names["#status"]]) == str(in.ExpressionAttributeValues[":inprogress"])
		if !(exp < now || (inProgress && hasUntil && until < nowMs)) {
			e := &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
			if m.ReturnOld && in.ReturnValuesOnConditionCheckFailure == types.ReturnValuesOnConditionCheckFailureAllOld {
				e.Item = maps.Clone(old)
			}
			return nil, e
		}
	}
	m.items[id] = maps.Clone(in.Item)
	return &dynamodb.PutItemOutput{}, nil
}

// GetItem reads the item with the key's one attribute.
func (m *Table) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls["GetItem"]++
	if err := m.Fail["GetItem"]; err != nil {
		return nil, err
	}
	return &dynamodb.GetItemOutput{Item: maps.Clone(m.items[keyOf(in.Key)])}, nil
}

// DeleteItem removes the item with the key's one attribute.
func (m *Table) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls["DeleteItem"]++
	if err := m.Fail["DeleteItem"]; err != nil {
		return nil, err
	}
	delete(m.items, keyOf(in.Key))
	return &dynamodb.DeleteItemOutput{}, nil
}

func keyOf(key map[string]types.AttributeValue) string {
	for _, v := range key {
		return str(v)
	}
	return ""
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func num(v types.AttributeValue) (int64, bool) {
	n, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(n.Value, 10, 64)
	return i, err == nil
}
