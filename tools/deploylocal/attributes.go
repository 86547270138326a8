package deploylocal

import (
	"context"
	"fmt"
	"strings"

	"github.com/example/orderflow/tools/assembly"

	"github.com/aws/aws-sdk-go-v2/aws"
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
// checked against what exists: through the checker's read of the type.
func (c *clients) attribute(ctx context.Context, st *DeployedStack, standIns map[string]bool, logicalID, attr string) (string, error) {
	res, ok := st.Template.Resources[logicalID]
	physical, deployed := st.Physical[logicalID]
	if !ok || !deployed {
		return "", fmt.Errorf("Fn::GetAtt %s.%s: no deployed resource %s in %s", logicalID, attr, logicalID, st.Name)
	}
	if standIns[st.Name+"/"+logicalID] {
		return "", errStandIn{logicalID}
	}
	switch res.Type + "." + attr {
	case "AWS::SQS::Queue.QueueUrl":
		return physical, nil
	case "AWS::S3::Bucket.DomainName":
		return physical + ".s3.amazonaws.com", nil
	case "AWS::S3::Bucket.RegionalDomainName":
		return physical + ".s3." + c.lambda.Options().Region + ".amazonaws.com", nil
	}
	chk := checkers[res.Type]
	key, ok := chk.attrs[attr]
	if !ok {
		return "", fmt.Errorf("Fn::GetAtt %s.%s (%s): attribute not known to the read-back", logicalID, attr, res.Type)
	}
	got, err := chk.read(ctx, c, bare(st, logicalID))
	if err != nil {
		return "", err
	}
	if v := assembly.Text(got[key]); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("Fn::GetAtt %s.%s: the emulator did not report %s", logicalID, attr, key)
}

// exists probes whether the resource logicalID of a destroyed stack still
// exists. probed is false for a type it cannot probe.
func (c *clients) exists(ctx context.Context, st *DeployedStack, logicalID string) (exists, probed bool, err error) {
	r := bare(st, logicalID)
	switch typ := r.res.Type; {
	case typ == "AWS::Lambda::Version" || typ == "AWS::Lambda::Alias": // the physical ID is the qualified ARN
		// The function first: moto still answers for a version of a deleted
		// function, which Lambda deletes with it.
		if !strings.Contains(r.physical, ":function:") {
			return false, false, nil // not deployed, or not known: cannot probe
		}
		function := r.physical[:strings.LastIndex(r.physical, ":")]
		if _, err = c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &function}); err == nil {
			_, err = c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &r.physical})
		}
	case typ == "AWS::KMS::Key":
		var out *kms.DescribeKeyOutput
		if out, err = c.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &r.physical}); err == nil {
			// A deleted key is scheduled for deletion (7-30 days), as in AWS.
			s := out.KeyMetadata.KeyState
			return s != "PendingDeletion" && s != "PendingReplicaDeletion", true, nil
		}
	case checkers[typ].probe:
		_, err = checkers[typ].read(ctx, c, r)
	default:
		return c.existsAttached(ctx, r.res, st)
	}
	if notFound(err) {
		return false, true, nil
	}
	return err == nil, true, err
}

// bare is the resource logicalID of st, for a read without the template's
// properties (a probe, an attribute).
func bare(st *DeployedStack, logicalID string) *resourceCheck {
	return &resourceCheck{stack: st, id: logicalID, res: st.Template.Resources[logicalID], physical: st.Physical[logicalID], props: map[string]any{}}
}

// existsAttached probes the resources that live on others (a role's inline
// policy, a function's invoke configuration or permission, a bucket's,
// queue's or topic's policy): one exists while any of the targets its
// template names (deployed resources by their physical IDs) still has it.
// probed is false for other types.
func (c *clients) existsAttached(ctx context.Context, res assembly.Resource, d *DeployedStack) (exists, probed bool, err error) {
	p := res.Properties
	targets := func(v any) []string {
		var out []string
		for _, e := range assembly.List(v) {
			if id := assembly.RefID(e); id != "" {
				out = append(out, d.Physical[id])
			} else {
				out = append(out, assembly.Text(e))
			}
		}
		return out
	}
	var list []string
	var has func(target string) (bool, error)
	switch res.Type {
	case "AWS::IAM::Policy":
		name := assembly.Text(p["PolicyName"])
		list, has = targets(p["Roles"]), func(role string) (bool, error) {
			_, err := c.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &role, PolicyName: &name})
			return err == nil, err
		}
	case "AWS::Lambda::EventInvokeConfig":
		list, has = targets(p["FunctionName"]), func(fn string) (bool, error) {
			_, err := c.lambda.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: &fn})
			return err == nil, err
		}
	case "AWS::Lambda::Permission":
		list, has = targets(p["FunctionName"]), func(fn string) (bool, error) {
			_, err := c.lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: &fn})
			return err == nil, err
		}
	case "AWS::S3::BucketPolicy":
		list, has = targets(p["Bucket"]), func(b string) (bool, error) {
			out, err := c.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &b})
			return err == nil && aws.ToString(out.Policy) != "", err
		}
	case "AWS::SQS::QueuePolicy":
		list, has = targets(p["Queues"]), func(q string) (bool, error) {
			out, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &q,
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy}})
			return err == nil && out.Attributes["Policy"] != "", err
		}
	case "AWS::SNS::TopicPolicy":
		list, has = targets(p["Topics"]), func(t string) (bool, error) { // moto keeps no policy apart from its topic
			_, err := c.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &t})
			return err == nil, err
		}
	default:
		return false, false, nil
	}
	for _, t := range list {
		if ok, err := has(t); ok {
			return true, true, nil
		} else if err != nil && !notFound(err) && !strings.Contains(err.Error(), "NoSuchBucketPolicy") {
			return false, true, err
		}
	}
	return false, true, nil
}
