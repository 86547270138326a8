// Command thumbnail reads thumbnail jobs from the Jobs queue: for each, it
// reads the uploaded image from the Images bucket and writes a PNG of at most
// 160 pixels a side under thumbnails/. See Handler.
//
// Environment: IMAGES_BUCKET_NAME, required: jobs naming another bucket fail.
// S3 operations: GetObject on uploads/*, PutObject on thumbnails/* of the
// Images bucket.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/orderflow/runtime/startup"
)

// EnvBucketName names the environment variable holding the Images bucket's name.
const EnvBucketName = "IMAGES_BUCKET_NAME"

func main() {
	rt := startup.Start(startup.Config{Service: "thumbnail", Required: []string{EnvBucketName}})
	client := s3.NewFromConfig(rt.AWS)
	h := &Handler{Objects: client, Thumbnails: client, Bucket: rt.Env(EnvBucketName), Log: rt.Log}
	lambda.Start(h.Handle)
}
