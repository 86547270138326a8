package localrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/orderflow/tools/moto"
)

// CreateResources creates what the assembly's functions use on the local
// AWS at endpoint (moto's Endpoint): its tables, buckets, queues, topics
// and event buses, under their local names, one line each on log.
func (a *Assembly) CreateResources(ctx context.Context, endpoint string, log io.Writer) error {
	tables, err := a.Tables()
	if err != nil {
		return err
	}
	cfg := moto.Config(a.Region, endpoint)
	for _, t := range tables {
		if err := CreateTable(ctx, dynamodb.NewFromConfig(cfg), t.Name, t.Props); err != nil {
			return err
		}
		fmt.Fprintf(log, "table   %s (keys and indexes from the template)\n", t.Name)
	}
	for _, b := range a.Buckets() {
		if err := CreateBucket(ctx, s3.NewFromConfig(cfg), b); err != nil {
			return err
		}
		fmt.Fprintf(log, "bucket  %s (versioned: %t)\n", b.Name, b.Versioned)
	}
	var errs []error
	for _, q := range a.Names(TypeQueue) {
		_, err := sqs.NewFromConfig(cfg).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q)})
		errs = append(errs, err)
		fmt.Fprintf(log, "queue   %s\n", q)
	}
	for _, t := range a.Names(TypeTopic) {
		_, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(t)})
		errs = append(errs, err)
		fmt.Fprintf(log, "topic   %s\n", t)
	}
	for _, b := range a.Names(TypeEventBus) {
		_, err := eventbridge.NewFromConfig(cfg).CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(b)})
		errs = append(errs, err)
		fmt.Fprintf(log, "bus     %s\n", b)
	}
	return errors.Join(errs...)
}

// TableProps is the part of an AWS::DynamoDB::Table's Properties that a local
// table is made from (the CloudFormation names are the API's).
type TableProps struct {
	AttributeDefinitions   []types.AttributeDefinition
	KeySchema              []types.KeySchemaElement
	GlobalSecondaryIndexes []types.GlobalSecondaryIndex
	LocalSecondaryIndexes  []types.LocalSecondaryIndex
}

// CreateTable creates table name with props' keys and indexes (on demand)
// and waits until it is ACTIVE.
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
	if _, err := c.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	active := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay, o.MaxDelay = 20*time.Millisecond, time.Second })
	if err := active.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		return fmt.Errorf("table %s not active: %w", name, err)
	}
	return nil
}

// CreateBucket creates bucket b, with versioning when b.Versioned.
func CreateBucket(ctx context.Context, c *s3.Client, b Bucket) error {
	in := &s3.CreateBucketInput{Bucket: aws.String(b.Name)}
	if r := c.Options().Region; r != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(r)}
	}
	if _, err := c.CreateBucket(ctx, in); err != nil {
		return fmt.Errorf("create bucket %s: %w", b.Name, err)
	}
	if !b.Versioned {
		return nil
	}
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(b.Name),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
	})
	if err != nil {
		return fmt.Errorf("enable versioning of bucket %s: %w", b.Name, err)
	}
	return nil
}
