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
