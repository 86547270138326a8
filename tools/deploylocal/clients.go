package deploylocal

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/example/orderflow/tools/assembly"
	"github.com/example/orderflow/tools/moto"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"
)

// clients are SDK clients for the emulator: its endpoint, dummy keys, no
// shared configuration read, no proxy.
type clients struct {
	cfn    *cloudformation.Client
	lambda *lambda.Client
	sqs    *sqs.Client
	ddb    *dynamodb.Client
	s3     *s3.Client
	events *eventbridge.Client
	logs   *cloudwatchlogs.Client
	cw     *cloudwatch.Client
	iam    *iam.Client
	sns    *sns.Client
	kms    *kms.Client
}

func newClients(endpoint, region string) *clients {
	cfg := moto.Config(region, endpoint)
	return &clients{
		cfn:    cloudformation.NewFromConfig(cfg),
		lambda: lambda.NewFromConfig(cfg),
		sqs:    sqs.NewFromConfig(cfg),
		ddb:    dynamodb.NewFromConfig(cfg),
		s3:     s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		events: eventbridge.NewFromConfig(cfg),
		logs:   cloudwatchlogs.NewFromConfig(cfg),
		// The awsQuery protocol: moto does not speak the SDK's default for
		// CloudWatch (Smithy RPC v2 CBOR); CloudWatch itself speaks both.
		cw: cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
			o.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801)
		}),
		iam: iam.NewFromConfig(cfg),
		sns: sns.NewFromConfig(cfg),
		kms: kms.NewFromConfig(cfg),
	}
}

// errNotFound is a reader's error for a resource the API does not list.
var errNotFound = errors.New("not found")

// notFound reports whether err says the resource does not exist.
func notFound(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return errors.Is(err, errNotFound)
	}
	switch ae.ErrorCode() {
	case "ResourceNotFoundException", "ResourceNotFound", "NoSuchEntity", "NotFound", "NotFoundException",
		"NoSuchBucket", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist":
		return true
	}
	// CloudFormation: ValidationError "Stack with id X does not exist".
	return strings.Contains(strings.ToLower(ae.ErrorMessage()), "does not exist")
}

// stackGone reports whether the named stack no longer exists.
func (c *clients) stackGone(ctx context.Context, name string) (bool, error) {
	out, err := c.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
	if notFound(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	for _, s := range out.Stacks {
		if s.StackStatus != "DELETE_COMPLETE" {
			return false, nil
		}
	}
	return true, nil
}

// DeployedStack is a stack as deployed: its template and what
// CloudFormation says about it.
type DeployedStack struct {
	*assembly.Stack
	// Physical IDs by logical ID (ListStackResources).
	Physical map[string]string
	// Outputs and Parameters by key (DescribeStacks).
	Outputs, Parameters map[string]string
}

// sortedKeys returns m's keys, sorted.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// deployedStack reads a deployed stack's resources, outputs and parameters.
func (c *clients) deployedStack(ctx context.Context, st *assembly.Stack) (*DeployedStack, error) {
	d := &DeployedStack{Stack: st, Physical: map[string]string{},
		Outputs: map[string]string{}, Parameters: map[string]string{}}
	out, err := c.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &st.Name})
	if err != nil {
		return nil, fmt.Errorf("describe stack %s: %w", st.Name, err)
	}
	if len(out.Stacks) != 1 {
		return nil, fmt.Errorf("describe stack %s: %d stacks", st.Name, len(out.Stacks))
	}
	for _, o := range out.Stacks[0].Outputs {
		d.Outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	for _, p := range out.Stacks[0].Parameters {
		d.Parameters[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	pages := cloudformation.NewListStackResourcesPaginator(c.cfn, &cloudformation.ListStackResourcesInput{StackName: &st.Name})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list resources of %s: %w", st.Name, err)
		}
		for _, r := range page.StackResourceSummaries {
			d.Physical[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
		}
	}
	return d, nil
}

// emptyBucket deletes every object version and delete marker of a bucket,
// as docs/operations.md asks before destroying a stage with destroyData (CloudFormation
// cannot delete a bucket that holds objects). It returns how many it
// deleted.
func (c *clients) emptyBucket(ctx context.Context, bucket string) (int, error) {
	var n int
	pages := s3.NewListObjectVersionsPaginator(c.s3, &s3.ListObjectVersionsInput{Bucket: &bucket})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return n, fmt.Errorf("list %s: %w", bucket, err)
		}
		var ids []s3types.ObjectIdentifier
		for _, v := range page.Versions {
			ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range page.DeleteMarkers {
			ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		for batch := range slices.Chunk(ids, 1000) {
			out, err := c.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &s3types.Delete{Objects: batch, Quiet: aws.Bool(true)}})
			if err != nil {
				return n, fmt.Errorf("empty %s: %w", bucket, err)
			}
			if len(out.Errors) > 0 {
				return n, fmt.Errorf("empty %s: %s: %s", bucket, aws.ToString(out.Errors[0].Key), aws.ToString(out.Errors[0].Message))
			}
			n += len(batch)
		}
	}
	return n, nil
}
