package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/buckettrigger"
	"github.com/example/orderflow/constructs/idempotencytable"
	"github.com/example/orderflow/internal/orders"
)

// PendingIndexName is the Orders table's pending index: a sparse global
// secondary index of the PENDING orders only, partition key pendingShard
// (one of orders.PendingShards numbers derived from the order ID), sort key
// createdAt, keys only. See orders.PendingIndexName.
const PendingIndexName = orders.PendingIndexName

// Logical IDs of the stateful resources. They are pinned by a test: changing
// one makes CloudFormation replace the resource, which for a table or bucket
// means a new, empty one (the old one is retained, orphaned).
const (
	OrdersTableID      = "Orders"
	UploadsBucketID    = "Uploads"
	AccessLogsBucketID = "AccessLogs"
	// IdempotencyID is the idempotencytable construct's ID; its table's
	// logical ID (Idempotency/Table) is pinned by a test too.
	IdempotencyID = "Idempotency"
)

// StatefulStackProps configures NewStatefulStack.
type StatefulStackProps struct {
	awscdk.StackProps
	// Config of the stage. Required.
	Config Config
}

// StatefulStack holds the resources that keep data. Deploy it apart from
// the service so that code changes never touch them.
type StatefulStack struct {
	Stack awscdk.Stack
	// Orders: on-demand table, key orderId, stream NEW_AND_OLD_IMAGES, index
	// PendingIndexName (and the legacy status index while
	// Config.LegacyStatusIndex), point-in-time recovery, encrypted with the AWS managed
	// key, RETAIN unless Config.DestroyData (plus deletion protection in
	// prod).
	Orders awsdynamodb.Table
	// Uploads: versioned, encrypted (SSE-S3), TLS-only, public access
	// blocked, bucket owner enforced, EventBridge notifications on, RETAIN
	// unless Config.DestroyData.
	Uploads awss3.Bucket
	// Idempotency is the notifier's idempotency table (idempotencytable:
	// key id, TTL expiration, on demand, PITR, AWS managed key), RETAIN
	// unless Config.DestroyData, deletion protection in prod. Its records
	// are keyed per event: no hot key. Its ThrottleAlarm has no action (the
	// alarm topic is the service stack's, which depends on this one); the
	// service stack's IdempotencyThrottleNotice tells the topic, and its
	// dashboard shows the state.
	Idempotency *idempotencytable.Table
}

// NewStatefulStack defines the Orders table, the Uploads bucket and the
// notifier's idempotency table.
func NewStatefulStack(scope constructs.Construct, id string, props *StatefulStackProps) *StatefulStack {
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	cfg := props.Config

	table := awsdynamodb.NewTable(stack, jsii.String(OrdersTableID), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(orders.AttrOrderID), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Stream:       awsdynamodb.StreamViewType_NEW_AND_OLD_IMAGES,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:         awsdynamodb.TableEncryption_AWS_MANAGED,
		DeletionProtection: jsii.Bool(cfg.DeletionProtection),
		RemovalPolicy:      cfg.StatefulRemovalPolicy(),
	})
	// The indexes as orders.Design describes them (the simulation in
	// tools/flowsim runs the same design): the pending index, and during
	// the move from the status index (README, "Moving to the pending
	// index") the status index too.
	addIndexes(table, orders.Design(cfg.LegacyStatusIndex))

	// Server access logs of the Uploads bucket: who read or wrote which
	// object. Access logs require SSE-S3 on the target bucket.
	accessLogs := awss3.NewBucket(stack, jsii.String(AccessLogsBucketID), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     cfg.StatefulRemovalPolicy(),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:         jsii.String("ExpireAccessLogs"),
			Expiration: awscdk.Duration_Days(jsii.Number(365)),
		}},
	})

	bucket := awss3.NewBucket(stack, jsii.String(UploadsBucketID), &awss3.BucketProps{
		ServerAccessLogsBucket: accessLogs,
		ServerAccessLogsPrefix: jsii.String("uploads/"),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		Versioned:              jsii.Bool(true),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		// DESTROY (throwaway stages only) deletes an empty bucket; a bucket
		// with objects stays behind: empty it first.
		RemovalPolicy: cfg.StatefulRemovalPolicy(),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("TidyVersionsAndUploads"),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(90)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
	})
	// EventBridge notifications through the bucket's own CloudFormation
	// property. BucketProps.EventBridgeEnabled would add a custom resource
	// (a Lambda function with a broad role) to do the same thing.
	buckettrigger.EnableEventBridge(bucket)

	idem := idempotencytable.New(stack, jsii.String(IdempotencyID), &idempotencytable.Props{
		RemovalPolicy:      cfg.StatefulRemovalPolicy(),
		DeletionProtection: jsii.Bool(cfg.DeletionProtection),
	})

	return &StatefulStack{Stack: stack, Orders: table, Uploads: bucket, Idempotency: idem}
}

// addIndexes adds the design's global secondary indexes (keys only) to table.
func addIndexes(table awsdynamodb.Table, d orders.TableDesign) {
	attrType := map[string]awsdynamodb.AttributeType{}
	for _, a := range d.AttributeDefinitions {
		switch a.AttributeType {
		case "S":
			attrType[*a.AttributeName] = awsdynamodb.AttributeType_STRING
		case "N":
			attrType[*a.AttributeName] = awsdynamodb.AttributeType_NUMBER
		case "B":
			attrType[*a.AttributeName] = awsdynamodb.AttributeType_BINARY
		}
	}
	for _, g := range d.GlobalSecondaryIndexes {
		p := &awsdynamodb.GlobalSecondaryIndexProps{IndexName: g.IndexName, ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY}
		for _, k := range g.KeySchema {
			a := &awsdynamodb.Attribute{Name: k.AttributeName, Type: attrType[*k.AttributeName]}
			if k.KeyType == "HASH" {
				p.PartitionKey = a
			} else {
				p.SortKey = a
			}
		}
		table.AddGlobalSecondaryIndex(p)
	}
}
