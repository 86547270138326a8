package idempotency

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// memTable is an in-memory table that evaluates the one condition Do
// writes with (checked against the real expression by the integration
// tests), and counts calls. returnOld: answer a failed condition with the
// item, as DynamoDB does with ReturnValuesOnConditionCheckFailure.
type memTable struct {
	mu        sync.Mutex
	items     map[string]map[string]types.AttributeValue
	returnOld bool
	calls     map[string]int
	failOp    map[string]error // op -> error to return
}

func newMemTable(returnOld bool) *memTable {
	return &memTable{items: map[string]map[string]types.AttributeValue{}, returnOld: returnOld, calls: map[string]int{}, failOp: map[string]error{}}
}

func (m *memTable) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls["PutItem"]++
	if err := m.failOp["PutItem"]; err != nil {
		return nil, err
	}
	id := str(in.Item[AttrID])
	old, exists := m.items[id]
	if in.ConditionExpression != nil && exists {
		now, _ := strconv.ParseInt(in.ExpressionAttributeValues[":now"].(*types.AttributeValueMemberN).Value, 10, 64)
		nowMs, _ := strconv.ParseInt(in.ExpressionAttributeValues[":now_ms"].(*types.AttributeValueMemberN).Value, 10, 64)
		exp, _ := num(old[AttrExpiration])
		until, hasUntil := num(old[AttrInProgressExpiration])
		ok := exp < now || (str(old[AttrStatus]) == StatusInProgress && hasUntil && until < nowMs)
		if !ok {
			e := &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
			if m.returnOld && in.ReturnValuesOnConditionCheckFailure == types.ReturnValuesOnConditionCheckFailureAllOld {
				e.Item = maps.Clone(old)
			}
			return nil, e
		}
	}
	m.items[id] = maps.Clone(in.Item)
	return &dynamodb.PutItemOutput{}, nil
}

func (m *memTable) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls["GetItem"]++
	if err := m.failOp["GetItem"]; err != nil {
		return nil, err
	}
	return &dynamodb.GetItemOutput{Item: maps.Clone(m.items[str(in.Key[AttrID])])}, nil
}

func (m *memTable) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls["DeleteItem"]++
	if err := m.failOp["DeleteItem"]; err != nil {
		return nil, err
	}
	delete(m.items, str(in.Key[AttrID]))
	return &dynamodb.DeleteItemOutput{}, nil
}

var errBoom = errors.New("boom")

type typesAV = types.AttributeValue

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
