package orders

import (
	"hash/fnv"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The pending index: a sparse global secondary index of the Orders table that
// holds only the orders the sweeper may need, the PENDING ones, spread over
// PendingShards partition-key values.
//
// An order carries AttrPendingShard from the moment it is stored (MarshalItem
// writes it for a PENDING order) until it leaves PENDING (Store.Advance
// removes it in the same UpdateItem that sets the new status), and DynamoDB
// keeps in a sparse index only the items that have its partition key. So
// every order costs the index two writes, one put and one delete, each on
// the shard its ID hashes to, and the index holds only the orders in flight
// and the stuck ones, never the READY ones.
const (
	// PendingIndexName is the index's name (partition key AttrPendingShard,
	// a number; sort key AttrCreatedAt; keys only).
	PendingIndexName = "pendingByShard"
	// AttrPendingShard is the index's partition key: PendingShard(orderId),
	// a number in [0, PendingShards).
	AttrPendingShard = "pendingShard"
	// PendingShards is the number of partition-key values of the pending
	// index. DynamoDB serves at most 1,000 write units per second per
	// partition, and the monotonically growing sort key keeps one key's new
	// writes on one partition, so each key value must stay well under that.
	// Each order writes the index twice (1 unit each: the index item is
	// ~150 bytes), so at 10,000 orders per second the index takes 20,000
	// units per second: 64 shards give ~313 per key (31% of the limit; the
	// rest is headroom for bursts: imports, a kitchen catching up, uneven
	// seconds). docs/capacity.md computes the share from the code.
	//
	// Changing it: a larger count is safe (the sweeper queries every shard
	// below it, old orders keep their old, smaller numbers); a smaller one
	// hides the orders stored under the shards it drops from the sweeper
	// until they leave PENDING.
	PendingShards = 64
	// EnvPendingIndexName is the environment variable that names the
	// pending index for the sweeper.
	EnvPendingIndexName = "ORDERS_PENDING_INDEX_NAME"
)

// PendingShard returns the pending-index shard of order id: FNV-1a (32 bits)
// of the ID, modulo PendingShards. Order IDs carry 128 random or hashed bits
// (NewID, IDFromKey), so orders spread evenly; the same ID always maps to
// the same shard, whoever writes it.
func PendingShard(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % PendingShards)
}

// pendingShardValue is the attribute value of PendingShard(id).
func pendingShardValue(id string) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.Itoa(PendingShard(id))}
}

// TableDesign is the Orders table's keys and indexes, in the shape of
// dynamodb.CreateTableInput (and of an AWS::DynamoDB::Table's properties).
// The stateful stack builds the table from it; the stack tests check the
// synthesized template against it, and simulations and local runs create
// their tables from it.
type TableDesign struct {
	AttributeDefinitions   []types.AttributeDefinition
	KeySchema              []types.KeySchemaElement
	GlobalSecondaryIndexes []types.GlobalSecondaryIndex
}

// Design returns the Orders table's design: partition key AttrOrderID (S)
// and the pending index (PendingIndexName: AttrPendingShard N,
// AttrCreatedAt S, keys only). With legacy it also has the status index
// (LegacyStatusIndexName: AttrStatus S, AttrCreatedAt S, keys only), for
// the release that moves a deployment from one to the other.
func Design(legacy bool) TableDesign {
	key := func(hash, rng string) []types.KeySchemaElement {
		ks := []types.KeySchemaElement{{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash}}
		if rng != "" {
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange})
		}
		return ks
	}
	attr := func(name string, t types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: t}
	}
	keysOnly := &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}
	d := TableDesign{
		AttributeDefinitions: []types.AttributeDefinition{
			attr(AttrOrderID, types.ScalarAttributeTypeS),
			attr(AttrPendingShard, types.ScalarAttributeTypeN),
			attr(AttrCreatedAt, types.ScalarAttributeTypeS),
		},
		KeySchema: key(AttrOrderID, ""),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String(PendingIndexName), KeySchema: key(AttrPendingShard, AttrCreatedAt), Projection: keysOnly},
		},
	}
	if legacy {
		d.AttributeDefinitions = append(d.AttributeDefinitions, attr(AttrStatus, types.ScalarAttributeTypeS))
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes,
			types.GlobalSecondaryIndex{IndexName: aws.String(LegacyStatusIndexName), KeySchema: key(AttrStatus, AttrCreatedAt), Projection: keysOnly})
	}
	return d
}
