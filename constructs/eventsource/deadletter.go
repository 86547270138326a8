package eventsource

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/internal/nag"
	"github.com/example/orderflow/constructs/internal/propsoverride"
)

// Limits of a dead-letter queue's retention (SQS quotas).
const (
	MinRetentionSeconds     = 60             // 1 minute
	MaxRetentionSeconds     = 14 * 24 * 3600 // 14 days
	DefaultRetentionSeconds = MaxRetentionSeconds
)

// DeadLetterQueueProps configures NewDeadLetterQueue. Nil fields take the
// documented default.
type DeadLetterQueueProps struct {
	// RetentionPeriod of the messages, 60 s-14 days (SQS quotas; check it
	// with Problems.Duration first, NewDeadLetterQueue does not).
	// Default: 14 days, the SQS maximum: time to notice, fix and redrive.
	RetentionPeriod awscdk.Duration
	// EncryptionMasterKey encrypts the queue with this KMS key instead of
	// SSE-SQS. Every sender must be allowed to use it: the key policy must
	// let sns.amazonaws.com or events.amazonaws.com call kms:GenerateDataKey
	// and kms:Decrypt, and a function's role (on-failure destination) needs
	// the same. Default: none (SSE-SQS: encrypted with keys SQS manages, which
	// every AWS service that delivers to a dead-letter queue can use).
	EncryptionMasterKey awskms.IKey
	// RedriveTarget says that the queue is the target of an SQS redrive
	// policy (another queue's DeadLetterQueue). cdk-nag then recognises it as
	// a dead-letter queue; otherwise (a destination of Lambda, of an event
	// source mapping, of EventBridge or SNS) its AwsSolutions-SQS3 finding
	// ("no dead-letter queue") is suppressed with that reason.
	// Default: false.
	RedriveTarget bool
	// QueueProps override the queue's props field by field, in the manner
	// of the AWS Solutions Constructs (deadLetterQueueProps): every field
	// set here wins over the defaults above, e.g. a QueueName or
	// VisibilityTimeout. What it weakens (EnforceSSL false, no encryption)
	// cdk-nag reports; a Fifo queue is refused by the constructs whose
	// service cannot write to one (Problems.StandardQueue).
	// Default: none.
	QueueProps *awssqs.QueueProps
}

// NewDeadLetterQueue defines an encrypted, TLS-only queue (a queue policy
// denies requests without TLS) to serve as a dead-letter queue. A
// dead-letter queue has no dead-letter queue of its own, which would only
// move the problem: the cdk-nag findings saying so (Serverless-
// SQSRedrivePolicy, and AwsSolutions-SQS3 unless props.RedriveTarget) are
// suppressed on it with that reason.
//
// Senders need a grant: a function's role through an on-failure destination
// (the CDK grants sqs:SendMessage when it binds one), a service through the
// queue policy (AllowServiceToSend; awssns.Subscription and
// awseventstargets.LambdaFunction add their statement themselves).
func NewDeadLetterQueue(scope constructs.Construct, id string, props *DeadLetterQueueProps) awssqs.Queue {
	var p DeadLetterQueueProps
	if props != nil {
		p = *props
	}
	if p.RetentionPeriod == nil {
		p.RetentionPeriod = awscdk.Duration_Seconds(jsii.Number(DefaultRetentionSeconds))
	}
	qp := &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: p.RetentionPeriod,
	}
	if p.EncryptionMasterKey != nil {
		qp.Encryption = awssqs.QueueEncryption_KMS
		qp.EncryptionMasterKey = p.EncryptionMasterKey
	}
	propsoverride.Apply(qp, p.QueueProps, nil)
	if p.QueueProps != nil && p.QueueProps.EncryptionMasterKey != nil && p.QueueProps.Encryption == "" {
		// A key without an encryption type means KMS, as for awssqs.NewQueue
		// (the default here, SSE-SQS, would refuse the key).
		qp.Encryption = awssqs.QueueEncryption_KMS
	}
	q := awssqs.NewQueue(scope, jsii.String(id), qp)
	nag.Suppress(q, "Serverless-SQSRedrivePolicy", "This queue is a dead-letter queue; messages that land here are inspected and redriven by an operator.")
	if !p.RedriveTarget {
		nag.Suppress(q, "AwsSolutions-SQS3", "This queue is a dead-letter queue (failure destination of a Lambda invocation, an event source mapping, an EventBridge target or an SNS subscription), which cdk-nag only recognises through SQS redrive policies.")
	}
	return q
}

// AllowServiceToSend adds to q's queue policy the statement that lets an AWS
// service (servicePrincipal, e.g. "sns.amazonaws.com") send messages to it
// on behalf of one resource only: sqs:SendMessage on q, with the conditions
// ArnEquals aws:SourceArn = sourceArn and StringEquals aws:SourceAccount =
// sourceAccount, the account that owns the source (nil: the account of q's
// stack) (no confused deputy: another topic or rule, of this account or any
// other, cannot use the grant; a service principal calling SQS directly
// sends both keys, see "AWS global condition context keys" in the IAM User
// Guide). For a source whose service delivers failures to a dead-letter
// queue (an SNS subscription's redrive policy, an EventBridge target's
// dead-letter queue).
func AllowServiceToSend(q awssqs.IQueue, servicePrincipal string, sourceArn, sourceAccount *string) {
	if sourceAccount == nil {
		sourceAccount = awscdk.Stack_Of(q).Account()
	}
	q.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(servicePrincipal), nil)},
		Actions:    jsii.Strings("sqs:SendMessage"),
		Resources:  jsii.Strings(*q.QueueArn()),
		Conditions: &map[string]any{
			"ArnEquals":    map[string]any{"aws:SourceArn": sourceArn},
			"StringEquals": map[string]any{"aws:SourceAccount": sourceAccount},
		},
	}))
}

// StandardQueue reports (as field) a FIFO queue given where the service
// writing to it accepts standard queues only (why names the service and
// its documentation), and returns whether q is usable. A queue of the app
// says whether it is FIFO; an imported one does by its name (".fifo").
func (p *Problems) StandardQueue(field string, q awssqs.IQueue, why string) bool {
	if q == nil || q.Fifo() == nil || !*q.Fifo() {
		return true
	}
	p.Addf("%s %s is a FIFO queue: %s; give a standard queue", field, Path(q), why)
	return false
}
