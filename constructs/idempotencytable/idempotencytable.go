// Package idempotencytable provides the DynamoDB table of the handler
// runtime's idempotency package (github.com/example/orderflow/runtime/
// idempotency, Powertools' layout): partition key "id" (string), the TTL
// attribute "expiration", on demand, point-in-time recovery, encrypted, and
// a Grant that gives a function exactly the actions that package calls.
//
//	idem := idempotencytable.New(stack, jsii.String("Idempotency"), nil)
//	idem.Grant(notifier.Function) // dynamodb:DeleteItem, GetItem, PutItem on the table only
//	notifier.Function.AddEnvironment(jsii.String("IDEMPOTENCY_TABLE_NAME"), idem.Table.TableName(), nil)
//
// and in the function: idempotency.Guard{Client: dynamodb.NewFromConfig(cfg),
// Table: os.Getenv("IDEMPOTENCY_TABLE_NAME")}. Records are keyed per
// request (an event's ID): the table has no hot key however many requests
// share a function.
package idempotencytable

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
)

// The runtime's record layout (idempotency.AttrID, AttrExpiration), as data:
// the construct module does not depend on the runtime module; a test of the
// app holds the two equal.
const (
	// PartitionKey is the table's partition key (string).
	PartitionKey = "id"
	// TTLAttribute is the table's time-to-live attribute (number, epoch
	// seconds).
	TTLAttribute = "expiration"
)

// Actions are the DynamoDB actions Grant gives: exactly what the runtime's
// idempotency package calls (its Actions), on the table's ARN only.
var Actions = []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"}

// DynamoDB's on-demand throughput limits per table (DynamoDB quotas:
// 40,000 read and 40,000 write request units per second by default), the
// bounds of the Max*RequestUnits props.
const maxRequestUnits = 40000

// Props configures a Table. Nil fields take the documented default.
type Props struct {
	// RemovalPolicy is what CloudFormation does with the table when it
	// leaves the stack or is replaced. Records live for an hour by
	// default, but a table deleted under traffic lets repeated events run
	// again. Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// DeletionProtection refuses DeleteTable while set. Default: false.
	DeletionProtection *bool
	// EncryptionKey is a customer managed key to encrypt the table with;
	// Grant then also gives encrypt and decrypt on it. Default: the AWS
	// managed key alias/aws/dynamodb (no key policy to keep, no key grant).
	EncryptionKey awskms.IKey
	// MaxWriteRequestUnits caps the table's on-demand write throughput, in
	// request units per second, 1-40000: a ceiling on cost; writes beyond
	// it are throttled (and the guarded handler fails and is retried). Each
	// first-seen request costs 2 write units, a repeat 1. Default: no cap
	// (the table quota).
	MaxWriteRequestUnits *float64
	// AlarmAction is told when ThrottleAlarm changes state. Default: none.
	AlarmAction awscloudwatch.IAlarmAction
}

// Table is what New built: a construct (tags and dependencies reach
// everything below it) with the resources as fields.
type Table struct {
	constructs.Construct
	// Table is the DynamoDB table: key PartitionKey, TTL TTLAttribute, on
	// demand, point-in-time recovery, encrypted, no stream, no index.
	Table awsdynamodb.Table
	// ThrottleAlarm alarms when any request to the table was throttled in
	// 5 minutes (ReadThrottleEvents + WriteThrottleEvents, Sum > 0): the
	// guarded functions fail while it lasts.
	ThrottleAlarm awscloudwatch.Alarm
	key           awskms.IKey
}

// ToString is the construct's path; it is also the override jsii needs to
// let a Go type embed a construct.
func (t *Table) ToString() *string { return t.Construct.ToString() }

// New defines the table and its alarm under the construct id in scope.
// Construct IDs below id: "Table", "ThrottleAlarm". The table has no
// physical name. Bad props fail synth (see eventsource.Problems).
func New(scope constructs.Construct, id *string, props *Props) *Table {
	t := &Table{}
	constructs.NewConstruct_Override(t, scope, id)
	problems := eventsource.NewProblems(t, "idempotencytable")
	var p Props
	if props != nil {
		p = *props
	}
	// Defaults, in one place.
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	if p.DeletionProtection == nil {
		p.DeletionProtection = jsii.Bool(false)
	}
	var maxWrite *float64
	if p.MaxWriteRequestUnits != nil {
		maxWrite = problems.Count("MaxWriteRequestUnits", p.MaxWriteRequestUnits, 0, 1, maxRequestUnits, "",
			"DynamoDB's on-demand table quota")
		if *maxWrite == 0 {
			maxWrite = nil
		}
	}
	encryption := awsdynamodb.TableEncryption_AWS_MANAGED
	if p.EncryptionKey != nil {
		encryption = awsdynamodb.TableEncryption_CUSTOMER_MANAGED
	}
	t.key = p.EncryptionKey
	t.Table = awsdynamodb.NewTable(t, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String(PartitionKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(TTLAttribute),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:           encryption,
		EncryptionKey:        p.EncryptionKey,
		DeletionProtection:   p.DeletionProtection,
		RemovalPolicy:        p.RemovalPolicy,
		MaxWriteRequestUnits: maxWrite,
	})
	t.ThrottleAlarm = eventsource.NewTableThrottleAlarm(t, "ThrottleAlarm", t.Table, nil,
		"the guarded functions fail and are retried. With MaxWriteRequestUnits set, raise it; without, look for a burst past "+
			"on-demand's instant capacity (twice the table's previous peak).", p.AlarmAction)
	return t
}

// Grant gives grantee exactly Actions (dynamodb:DeleteItem,
// dynamodb:GetItem, dynamodb:PutItem) on the table's ARN, and, with a
// customer managed EncryptionKey, kms:Decrypt, kms:Encrypt,
// kms:ReEncrypt*, kms:GenerateDataKey* on that key.
func (t *Table) Grant(grantee awsiam.IGrantable) awsiam.Grant {
	g := t.Table.Grant(grantee, *jsii.Strings(Actions...)...)
	if t.key != nil {
		t.key.GrantEncryptDecrypt(grantee)
	}
	return g
}
