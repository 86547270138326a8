package idempotency

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/orderflow/runtime/idempotency/idempotencytest"
)

// newMemTable is the in-memory table of idempotencytest (its condition is
// checked against the local DynamoDB by the integration tests).
func newMemTable(returnOld bool) *idempotencytest.Table {
	t := idempotencytest.New()
	t.ReturnOld = returnOld
	return t
}

var errBoom = errors.New("boom")

type typesAV = types.AttributeValue

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
