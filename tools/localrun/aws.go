package localrun

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Dummy credentials for local services, which do not check them.
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

// NewFakeS3 returns an in-memory S3 (gofakes3); FakeS3Server serves it as
// S3 answers checksum requests.
func NewFakeS3() *gofakes3.GoFakeS3 {
	return gofakes3.New(s3mem.New())
}

// FakeS3Server returns a new in-memory S3 as an HTTP handler; serve it with
// Serve. Like S3, it answers a whole-object GetObject that asks for checksums
// (header x-amz-checksum-mode: ENABLED, which the SDK sends by default) with
// the object's checksum (CRC32, as for an object uploaded with one), so the
// SDK validates the payload instead of logging "Response has no supported
// checksum. Not validating response payload." on every read.
func FakeS3Server() http.Handler {
	return withObjectChecksums(NewFakeS3().Server())
}

// withObjectChecksums adds x-amz-checksum-crc32 to successful whole-object
// GET responses of h whose request asked for checksums and that carry none
// (gofakes3 returns the checksum an upload sent; S3 computes one for every
// object, uploaded with a checksum or not).
func withObjectChecksums(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.EqualFold(r.Header.Get("x-amz-checksum-mode"), "ENABLED") || r.Header.Get("Range") != "" {
			h.ServeHTTP(w, r)
			return
		}
		rec := &responseRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		if (rec.status == 0 || rec.status == http.StatusOK) && !hasChecksum(rec.header) {
			sum := crc32.ChecksumIEEE(rec.body.Bytes())
			w.Header().Set("x-amz-checksum-crc32", base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, sum)))
			w.Header().Set("x-amz-checksum-type", "FULL_OBJECT")
		}
		if rec.status != 0 {
			w.WriteHeader(rec.status)
		}
		_, _ = w.Write(rec.body.Bytes())
	})
}

// CreateBucket creates bucket b, with versioning when b.Versioned.
func CreateBucket(ctx context.Context, c *s3.Client, b Bucket) error {
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b.Name)}); err != nil {
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

// hasChecksum reports whether a response header carries an object checksum.
func hasChecksum(h http.Header) bool {
	for k := range h {
		if k := strings.ToLower(k); strings.HasPrefix(k, "x-amz-checksum-") && k != "x-amz-checksum-type" {
			return true
		}
	}
	return false
}
