package localrun

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Dummy credentials for the local AWS, which does not check them.
const (
	AccessKeyID     = "local"
	SecretAccessKey = "local"
)

// SDKConfig returns an AWS SDK configuration for local services: region and
// the dummy credentials, nothing read from the environment or ~/.aws.
func SDKConfig(region string) aws.Config {
	return aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey, Source: "localrun"}, nil
		}),
	}
}

// DynamoDBClient returns a DynamoDB client for the local endpoint.
func DynamoDBClient(region, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(SDKConfig(region), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

// S3Client returns an S3 client for the local endpoint, with path-style addressing.
func S3Client(region, endpoint string) *s3.Client {
	return s3.NewFromConfig(SDKConfig(region), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})
}

// CreateBucket creates bucket b, with versioning when b.Versioned.
func CreateBucket(ctx context.Context, c *s3.Client, b Bucket) error {
	in := &s3.CreateBucketInput{Bucket: aws.String(b.Name)}
	if r := c.Options().Region; r != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(r)}
	}
	if _, err := c.CreateBucket(ctx, in); err != nil {
		return fmt.Errorf("create bucket %s: %w", b.Name, err)
	}
	if !b.Versioned {
		return nil
	}
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(b.Name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	})
	if err != nil {
		return fmt.Errorf("enable versioning of bucket %s: %w", b.Name, err)
	}
	return nil
}
