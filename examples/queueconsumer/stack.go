package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/buckettrigger"
	"github.com/example/orderflow/constructs/gofunction"
	"github.com/example/orderflow/constructs/queueworker"
)

// Key prefixes of the Images bucket (the functions use the same ones:
// internal/thumbnail.UploadsPrefix and ThumbnailsPrefix).
const (
	uploadsPrefix    = "uploads/"
	thumbnailsPrefix = "thumbnails/"
)

// ThumbnailsStack is what NewThumbnailsStack built.
type ThumbnailsStack struct {
	Stack awscdk.Stack
	// Images holds uploads/ (sources) and thumbnails/ (results).
	Images awss3.Bucket
	// Enqueue turns each upload into a job on Jobs.Queue.
	Enqueue *gofunction.Function
	// Thumbnail consumes Jobs.Queue.
	Thumbnail *gofunction.Function
	// Jobs is the queue between them, with its dead-letter queue.
	Jobs *queueworker.QueueWorker
	// Uploads triggers Enqueue for objects created under uploads/.
	Uploads *buckettrigger.BucketTrigger
}

// NewThumbnailsStack defines the bucket, the two functions and their wiring.
// The queue between the trigger and the thumbnail function absorbs bursts of
// uploads: at most five thumbnail invocations run at once, each with up to
// five jobs, and a job that fails three times is kept in the dead-letter queue.
//
// Entries are relative to the working directory: run the app (or its tests)
// from this module's root.
func NewThumbnailsStack(scope constructs.Construct, id string, props *awscdk.StackProps) *ThumbnailsStack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)

	images := awss3.NewBucket(stack, jsii.String("Images"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		// Default RETAIN: deleting the stack leaves the bucket and its images.
	})
	// EventBridge notifications through the bucket's own CloudFormation
	// property; BucketProps.EventBridgeEnabled would add a custom resource.
	images.Node().DefaultChild().(awss3.CfnBucket).AddPropertyOverride(
		jsii.String("NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled"), jsii.Bool(true))

	thumb := gofunction.New(stack, jsii.String("Thumbnail"), &gofunction.Props{
		Entry:      jsii.String("functions/thumbnail"),
		MemorySize: jsii.Number(512), // decoding a large JPEG needs room
		Timeout:    awscdk.Duration_Seconds(jsii.Number(30)),
		Environment: &map[string]*string{
			"IMAGES_BUCKET_NAME": images.BucketName(),
		},
	})
	images.GrantRead(thumb.Function, jsii.String(uploadsPrefix+"*"))
	images.GrantPut(thumb.Function, jsii.String(thumbnailsPrefix+"*"))
	jobs := queueworker.New(stack, jsii.String("Jobs"), &queueworker.Props{
		Function:        thumb.Function,
		BatchSize:       jsii.Number(5),
		MaxConcurrency:  jsii.Number(5),
		MaxReceiveCount: jsii.Number(3),
	})

	enqueue := gofunction.New(stack, jsii.String("Enqueue"), &gofunction.Props{
		Entry: jsii.String("functions/enqueue"),
		Environment: &map[string]*string{
			"JOBS_QUEUE_URL": jobs.Queue.QueueUrl(),
		},
	})
	jobs.Queue.GrantSendMessages(enqueue.Function)
	uploads := buckettrigger.New(stack, jsii.String("Uploads"), &buckettrigger.Props{
		Bucket:   images,
		Function: enqueue.Function,
		Prefix:   jsii.String(uploadsPrefix), // thumbnails/ is outside it: no loop
	})

	return &ThumbnailsStack{Stack: stack, Images: images, Enqueue: enqueue, Thumbnail: thumb, Jobs: jobs, Uploads: uploads}
}
