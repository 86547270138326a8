// Command thumbnail reads thumbnail jobs from the Jobs queue: for each, it
// reads the uploaded image from the Images bucket and writes a PNG of at most
// 160 pixels a side under thumbnails/. See Handler.
//
// Environment: IMAGES_BUCKET_NAME, required: jobs naming another bucket fail.
// S3 operations: GetObject on uploads/*, PutObject on thumbnails/* of the
// Images bucket.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// EnvBucketName names the environment variable holding the Images bucket's name.
const EnvBucketName = "IMAGES_BUCKET_NAME"

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	bucket := os.Getenv(EnvBucketName)
	if bucket == "" {
		log.Error("missing environment variable", "name", EnvBucketName)
		os.Exit(1)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("load AWS config", "error", err.Error())
		os.Exit(1)
	}
	client := s3.NewFromConfig(cfg)
	h := &Handler{Objects: client, Thumbnails: client, Bucket: bucket, Log: log}
	lambda.Start(h.Handle)
}
