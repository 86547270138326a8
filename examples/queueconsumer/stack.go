package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

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

	// Server access logs of the Images bucket (cdk-nag AwsSolutions-S1): who
	// read or wrote which object. The log bucket's own logs would loop.
	accessLogs := awss3.NewBucket(stack, jsii.String("AccessLogs"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED, // access logs need SSE-S3
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		LifecycleRules:    &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(90))}},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(accessLogs, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-S1"), Reason: jsii.String("This is the access log bucket: logging its own accesses into itself would loop."),
	}}, nil)
	images := awss3.NewBucket(stack, jsii.String("Images"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:             jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		ServerAccessLogsBucket: accessLogs,
		ServerAccessLogsPrefix: jsii.String("images/"),
		// Default RETAIN: deleting the stack leaves the bucket and its images.
	})
	// EventBridge notifications through the bucket's own CloudFormation
	// property; BucketProps.EventBridgeEnabled would add a custom resource.
	buckettrigger.EnableEventBridge(images)

	thumb := gofunction.New(stack, jsii.String("Thumbnail"), &gofunction.Props{
		Entry:      jsii.String("functions/thumbnail"),
		MemorySize: jsii.Number(512), // decoding a large JPEG needs room
		Timeout:    awscdk.Duration_Seconds(jsii.Number(30)),
		Environment: &map[string]*string{
			"IMAGES_BUCKET_NAME": images.BucketName(),
		},
	})
	// Hand-written: GrantRead and GrantPut also allow listing, tagging and
	// ACL actions the code never calls (and cdk-nag flags their wildcards).
	thumb.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: jsii.Strings(*images.ArnForObjects(jsii.String(uploadsPrefix + "*"))),
	}))
	thumb.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:PutObject"),
		Resources: jsii.Strings(*images.ArnForObjects(jsii.String(thumbnailsPrefix + "*"))),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(thumb.Role.Node().FindChild(jsii.String("DefaultPolicy")).Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Objects under the prefixes the thumbnail function reads (uploads/) and writes (thumbnails/): keys are not known in advance."),
		AppliesTo: &[]interface{}{
			&cdknag.RegexAppliesTo{Regex: jsii.String("/^Resource::<Images[0-9A-F]+\\.Arn>\\/(uploads|thumbnails)\\/\\*$/")},
		},
	}}, nil)
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
