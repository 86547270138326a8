package orders

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PutItemAPI is the DynamoDB PutItem operation (Store.Create).
type PutItemAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// GetItemAPI is the DynamoDB GetItem operation (Store.Get).
type GetItemAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// UpdateItemAPI is the DynamoDB UpdateItem operation (Store.Advance).
type UpdateItemAPI interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// StoreAPI is the part of *dynamodb.Client a Store may call. Each Store
// method calls exactly one operation: Create PutItem, Get GetItem, Advance
// UpdateItem, so a function's IAM needs follow from the methods it calls.
type StoreAPI interface {
	PutItemAPI
	GetItemAPI
	UpdateItemAPI
}

// Store reads and writes orders in the Orders table. Its zero value is not
// usable: set Client and Table.
type Store struct {
	// Client calls DynamoDB. Required.
	Client StoreAPI
	// Table is the Orders table name (from EnvTableName). Required.
	Table string
	// Now gives the time Advance writes to updatedAt. Default: time.Now.
	Now func() time.Time
}

// Create stores o as a new order with one PutItem, conditional on no order
// having o's ID. When one does, the error wraps ErrAlreadyExists.
func (s *Store) Create(ctx context.Context, o Order) error {
	item, err := MarshalItem(o)
	if err != nil {
		return fmt.Errorf("create order: %w", err)
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(s.Table),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": AttrOrderID},
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return fmt.Errorf("create order %s: %w", o.OrderID, ErrAlreadyExists)
	case err != nil:
		return fmt.Errorf("create order %s: %w", o.OrderID, err)
	}
	return nil
}

// Get returns the order with ID id, read with one strongly consistent
// GetItem (so an order created a moment ago is seen). When there is none the
// error wraps ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (Order, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.Table),
		Key:            orderKey(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Order{}, fmt.Errorf("get order %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return Order{}, fmt.Errorf("get order %s: %w", id, ErrNotFound)
	}
	o, err := UnmarshalItem(out.Item)
	if err != nil {
		return Order{}, fmt.Errorf("get order %s: %w", id, err)
	}
	return o, nil
}

// Advance moves order id from status from to status to (a forward step of
// the life cycle) with one UpdateItem conditional on the status being from;
// it also sets updatedAt and removes AttrPendingShard, so the order leaves
// the pending index as it leaves PENDING (removing an attribute the item no
// longer has writes nothing to the index). It reports whether this call made
// the change.
//
// When the condition fails, the old item DynamoDB returns with it
// (ReturnValuesOnConditionCheckFailure ALL_OLD, no extra read) says why:
//   - no item: the error wraps ErrNotFound;
//   - status already to or later: (false, nil), the step was done before,
//     e.g. by an earlier delivery of the same message;
//   - any other status, including unknown ones: the error wraps ErrWrongState.
//
// A step that is not forward (to not after from) is an error, and DynamoDB is
// not called.
func (s *Store) Advance(ctx context.Context, id string, from, to Status) (bool, error) {
	if from.rank() < 0 || to.rank() <= from.rank() {
		return false, fmt.Errorf("advance order %s: %s -> %s is not a forward step", id, from, to)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.Table),
		Key:                      orderKey(id),
		UpdateExpression:         aws.String("SET #status = :to, #updatedAt = :now REMOVE #pendingShard"),
		ConditionExpression:      aws.String("#status = :from"),
		ExpressionAttributeNames: map[string]string{"#status": AttrStatus, "#updatedAt": AttrUpdatedAt, "#pendingShard": AttrPendingShard},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":from": &types.AttributeValueMemberS{Value: string(from)},
			":to":   &types.AttributeValueMemberS{Value: string(to)},
			":now":  &types.AttributeValueMemberS{Value: FormatTime(now())},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return false, conditionFailed(ccf.Item, id, from, to)
	case err != nil:
		return false, fmt.Errorf("advance order %s %s -> %s: %w", id, from, to, err)
	}
	return true, nil
}

// conditionFailed explains a failed "status = from" condition from the old
// item: nil when the order is already at or past to.
func conditionFailed(old map[string]types.AttributeValue, id string, from, to Status) error {
	if len(old) == 0 {
		return fmt.Errorf("advance order %s %s -> %s: %w", id, from, to, ErrNotFound)
	}
	var cur Status
	if s, ok := old[AttrStatus].(*types.AttributeValueMemberS); ok {
		cur = Status(s.Value)
	}
	if cur.rank() >= to.rank() {
		return nil
	}
	return fmt.Errorf("advance order %s %s -> %s: status is %q: %w", id, from, to, cur, ErrWrongState)
}

// rank is a status's place in the life cycle, -1 for an unknown status.
func (s Status) rank() int {
	switch s {
	case StatusPending:
		return 0
	case StatusPreparing:
		return 1
	case StatusReady:
		return 2
	}
	return -1
}

func orderKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrOrderID: &types.AttributeValueMemberS{Value: id}}
}
