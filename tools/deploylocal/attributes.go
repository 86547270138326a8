package deploylocal

import (
	"context"
	"fmt"
	"strings"

	"github.com/example/orderflow/tools/assembly"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// errStandIn: the resource is a stand-in; its attributes are made up.
type errStandIn struct{ id string }

func (e errStandIn) Error() string { return e.id + " is a stand-in of the emulator" }

// attribute answers Fn::GetAtt [logicalID, attr] of a deployed resource
// from the service's API (not from CloudFormation), so references are
// checked against what exists.
func (c *clients) attribute(ctx context.Context, st *DeployedStack, standIns map[string]bool, logicalID, attr string) (string, error) {
	res, ok := st.Template.Resources[logicalID]
	physical, deployed := st.Physical[logicalID]
	if !ok || !deployed {
		return "", fmt.Errorf("Fn::GetAtt %s.%s: no deployed resource %s in %s", logicalID, attr, logicalID, st.Name)
	}
	if standIns[st.Name+"/"+logicalID] {
		return "", errStandIn{logicalID}
	}
	key := res.Type + "." + attr
	switch key {
	case "AWS::Lambda::Function.Arn":
		out, err := c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &physical})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Configuration.FunctionArn), nil
	case "AWS::Lambda::Version.Version": // the physical ID is the version's ARN
		out, err := c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &physical})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Configuration.Version), nil
	case "AWS::SQS::Queue.Arn", "AWS::SQS::Queue.QueueName", "AWS::SQS::Queue.QueueUrl":
		if attr == "QueueUrl" {
			return physical, nil
		}
		out, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &physical,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			return "", err
		}
		arn := out.Attributes["QueueArn"]
		if attr == "QueueName" {
			return arn[strings.LastIndex(arn, ":")+1:], nil
		}
		return arn, nil
	case "AWS::DynamoDB::Table.Arn", "AWS::DynamoDB::Table.StreamArn":
		out, err := c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &physical})
		if err != nil {
			return "", err
		}
		if attr == "StreamArn" {
			return aws.ToString(out.Table.LatestStreamArn), nil
		}
		return aws.ToString(out.Table.TableArn), nil
	case "AWS::S3::Bucket.Arn":
		if _, err := c.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &physical}); err != nil {
			return "", err
		}
		return "arn:aws:s3:::" + physical, nil
	case "AWS::S3::Bucket.DomainName":
		return physical + ".s3.amazonaws.com", nil
	case "AWS::S3::Bucket.RegionalDomainName":
		return physical + ".s3." + c.region() + ".amazonaws.com", nil
	case "AWS::IAM::Role.Arn", "AWS::IAM::Role.RoleId":
		out, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: &physical})
		if err != nil {
			return "", err
		}
		if attr == "RoleId" {
			return aws.ToString(out.Role.RoleId), nil
		}
		return aws.ToString(out.Role.Arn), nil
	case "AWS::Logs::LogGroup.Arn":
		out, err := c.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: &physical})
		if err != nil {
			return "", err
		}
		for _, g := range out.LogGroups {
			if aws.ToString(g.LogGroupName) == physical {
				return aws.ToString(g.Arn), nil
			}
		}
		return "", fmt.Errorf("log group %s not found", physical)
	case "AWS::SNS::Topic.TopicArn", "AWS::SNS::Topic.TopicName":
		if _, err := c.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &physical}); err != nil {
			return "", err
		}
		if attr == "TopicName" {
			return physical[strings.LastIndex(physical, ":")+1:], nil
		}
		return physical, nil
	case "AWS::KMS::Key.Arn", "AWS::KMS::Key.KeyId":
		out, err := c.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &physical})
		if err != nil {
			return "", err
		}
		if attr == "KeyId" {
			return aws.ToString(out.KeyMetadata.KeyId), nil
		}
		return aws.ToString(out.KeyMetadata.Arn), nil
	case "AWS::Events::Rule.Arn":
		out, err := c.events.DescribeRule(ctx, describeRule(physical))
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Arn), nil
	case "AWS::Events::EventBus.Arn", "AWS::Events::EventBus.Name":
		out, err := c.events.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(lastSegment(physical))})
		if err != nil {
			return "", err
		}
		if attr == "Name" {
			return aws.ToString(out.Name), nil
		}
		return aws.ToString(out.Arn), nil
	case "AWS::Events::Archive.Arn":
		out, err := c.events.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String(lastSegment(physical))})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ArchiveArn), nil
	case "AWS::CloudWatch::Alarm.Arn":
		out, err := c.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{physical}})
		if err != nil {
			return "", err
		}
		if len(out.MetricAlarms) != 1 {
			return "", fmt.Errorf("alarm %s not found", physical)
		}
		return aws.ToString(out.MetricAlarms[0].AlarmArn), nil
	}
	return "", fmt.Errorf("Fn::GetAtt %s.%s (%s): attribute not known to the read-back", logicalID, attr, res.Type)
}

// region returns the clients' region.
func (c *clients) region() string { return c.lambda.Options().Region }

// exists probes whether a resource of type typ with this physical ID still
// exists. probed is false for a type it cannot probe.
func (c *clients) exists(ctx context.Context, typ, physical string) (exists, probed bool, err error) {
	gone := func(err error) (bool, bool, error) {
		if err == nil {
			return true, true, nil
		}
		if notFound(err) {
			return false, true, nil
		}
		return false, true, err
	}
	switch typ {
	case "AWS::Lambda::Function":
		_, err := c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &physical})
		return gone(err)
	case "AWS::Lambda::Version", "AWS::Lambda::Alias": // the physical ID is the qualified ARN
		// The function first: moto still answers for a version of a deleted
		// function, which Lambda deletes with it.
		if !strings.Contains(physical, ":function:") {
			return false, false, nil // not deployed, or not known: cannot probe
		}
		function := physical[:strings.LastIndex(physical, ":")]
		if _, err := c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &function}); err != nil {
			return gone(err)
		}
		_, err := c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &physical})
		return gone(err)
	case "AWS::Lambda::EventSourceMapping":
		_, err := c.lambda.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: &physical})
		return gone(err)
	case "AWS::SQS::Queue":
		_, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &physical})
		return gone(err)
	case "AWS::DynamoDB::Table":
		_, err := c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &physical})
		return gone(err)
	case "AWS::S3::Bucket":
		_, err := c.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &physical})
		return gone(err)
	case "AWS::IAM::Role":
		_, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: &physical})
		return gone(err)
	case "AWS::SNS::Topic":
		_, err := c.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &physical})
		return gone(err)
	case "AWS::Events::Rule":
		_, err := c.events.DescribeRule(ctx, describeRule(physical))
		return gone(err)
	case "AWS::Events::EventBus":
		_, err := c.events.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(lastSegment(physical))})
		return gone(err)
	case "AWS::Events::Archive":
		_, err := c.events.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String(lastSegment(physical))})
		return gone(err)
	case "AWS::CloudWatch::Dashboard":
		_, err := c.cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: &physical})
		return gone(err)
	case "AWS::CloudWatch::Alarm":
		out, err := c.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{physical}})
		if err != nil {
			return false, true, err
		}
		return len(out.MetricAlarms) > 0, true, nil
	case "AWS::Logs::LogGroup":
		out, err := c.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: &physical})
		if err != nil {
			return false, true, err
		}
		for _, g := range out.LogGroups {
			if aws.ToString(g.LogGroupName) == physical {
				return true, true, nil
			}
		}
		return false, true, nil
	case "AWS::KMS::Key":
		out, err := c.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &physical})
		if err != nil {
			return gone(err)
		}
		// A deleted key is scheduled for deletion (7-30 days), as in AWS.
		s := out.KeyMetadata.KeyState
		return s != "PendingDeletion" && s != "PendingReplicaDeletion", true, nil
	}
	return false, false, nil
}

// existsAttached probes the resources that live on another resource (a
// role's inline policy, a function's invoke configuration or permission, a
// bucket's, queue's or topic's policy), found from the template's
// references to deployed resources. probed is false for other types.
func (c *clients) existsAttached(ctx context.Context, res assembly.Resource, d *DeployedStack) (exists, probed bool, err error) {
	ref := func(v any) string {
		if id := assembly.RefID(v); id != "" {
			return d.Physical[id]
		}
		return assembly.Text(v)
	}
	refs := func(v any) []string {
		var out []string
		list, _ := v.([]any)
		for _, e := range list {
			out = append(out, ref(e))
		}
		return out
	}
	p := res.Properties
	result := func(err error) (bool, bool, error) {
		if err == nil {
			return true, true, nil
		}
		if notFound(err) || strings.Contains(err.Error(), "NoSuchBucketPolicy") {
			return false, true, nil
		}
		return false, true, err
	}
	switch res.Type {
	case "AWS::IAM::Policy":
		name := assembly.Text(p["PolicyName"])
		for _, role := range refs(p["Roles"]) {
			if e, _, err := result(func() error {
				_, err := c.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &role, PolicyName: &name})
				return err
			}()); err != nil || e {
				return e, true, err
			}
		}
		return false, true, nil
	case "AWS::Lambda::EventInvokeConfig":
		fn := ref(p["FunctionName"])
		_, err := c.lambda.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: &fn})
		return result(err)
	case "AWS::Lambda::Permission":
		fn := ref(p["FunctionName"])
		_, err := c.lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: &fn})
		return result(err)
	case "AWS::S3::BucketPolicy":
		b := ref(p["Bucket"])
		out, err := c.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &b})
		if err == nil && aws.ToString(out.Policy) == "" {
			return false, true, nil
		}
		return result(err)
	case "AWS::SQS::QueuePolicy":
		for _, q := range refs(p["Queues"]) {
			out, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &q,
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy}})
			if err != nil {
				if notFound(err) {
					continue
				}
				return false, true, err
			}
			if out.Attributes["Policy"] != "" {
				return true, true, nil
			}
		}
		return false, true, nil
	case "AWS::SNS::TopicPolicy":
		for _, t := range refs(p["Topics"]) {
			if _, err := c.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &t}); err == nil {
				return true, true, nil // moto keeps no policy apart from its topic
			} else if !notFound(err) {
				return false, true, err
			}
		}
		return false, true, nil
	}
	return false, false, nil
}
