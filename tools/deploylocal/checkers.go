package deploylocal

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
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

// A checker reads one deployed resource of its type through the service's
// API and returns it shaped like the template's Properties (same property
// names and nesting), so that every property the template sets can be
// compared generically. Properties it cannot read are absent (reported as
// "not reported"); skip names template properties compared some other way
// or not at all, with the reason. The same read answers Fn::GetAtt: attrs
// maps an attribute to the key of the read-back holding it. probe: the
// resource stands alone, so after a destroy reading it back tells whether
// it still exists (a resource that lives on another is probed by
// existsAttached).
type checker struct {
	read  func(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error)
	skip  map[string]string
	attrs map[string]string
	probe bool
}

// resourceCheck is one resource being checked.
type resourceCheck struct {
	stack    *DeployedStack
	id       string
	res      assembly.Resource
	physical string
	// props: the template's properties, resolved.
	props map[string]any
	// extra checks a reader adds (e.g. the code's SHA-256).
	extra []Check
}

func (r *resourceCheck) add(property string, ok bool, want, got string) {
	st := OK
	if !ok {
		st = Mismatch
	}
	r.extra = append(r.extra, Check{Stack: r.stack.Name, LogicalID: r.id, Type: r.res.Type, Property: property, Want: want, Got: got, Status: st})
}

// checkers by CloudFormation type. A type missing here is deployed but not
// read back (listed as such).
var checkers = map[string]checker{
	"AWS::Lambda::Function": {read: readFunction, probe: true, attrs: map[string]string{"Arn": "FunctionArn"}, skip: map[string]string{
		"Code": "compared as the S3 object's SHA-256 with the function's CodeSha256",
	}},
	"AWS::Lambda::EventSourceMapping": {read: readEventSourceMapping, probe: true},
	"AWS::Lambda::EventInvokeConfig":  {read: readEventInvokeConfig},
	"AWS::Lambda::Permission":         {read: readPermission},
	"AWS::Lambda::Version":            {read: readVersion, attrs: map[string]string{"Version": "Version"}},
	"AWS::Lambda::Alias":              {read: readAlias},
	"AWS::SQS::Queue":                 {read: readQueue, probe: true, attrs: map[string]string{"Arn": "QueueArn", "QueueName": "QueueName"}},
	"AWS::SQS::QueuePolicy":           {read: readQueuePolicy},
	"AWS::DynamoDB::Table":            {read: readTable, probe: true, attrs: map[string]string{"Arn": "TableArn", "StreamArn": "LatestStreamArn"}},
	"AWS::S3::Bucket":                 {read: readBucket, probe: true, attrs: map[string]string{"Arn": "Arn"}, skip: map[string]string{"Tags": "not compared"}},
	"AWS::S3::BucketPolicy":           {read: readBucketPolicy},
	"AWS::Events::Rule":               {read: readRule, probe: true, attrs: map[string]string{"Arn": "Arn"}},
	"AWS::Events::EventBus":           {read: readEventBus, probe: true, attrs: map[string]string{"Arn": "Arn", "Name": "Name"}},
	"AWS::Events::Archive":            {read: readArchive, probe: true, attrs: map[string]string{"Arn": "ArchiveArn"}},
	"AWS::Logs::LogGroup":             {read: readLogGroup, probe: true, attrs: map[string]string{"Arn": "Arn"}},
	"AWS::CloudWatch::Alarm":          {read: readAlarm, probe: true, attrs: map[string]string{"Arn": "AlarmArn"}},
	"AWS::CloudWatch::Dashboard":      {read: readDashboard, probe: true},
	"AWS::SNS::Topic":                 {read: readTopic, probe: true, attrs: map[string]string{"TopicArn": "TopicArn", "TopicName": "TopicName"}},
	"AWS::SNS::TopicPolicy":           {read: readTopicPolicy},
	"AWS::SNS::Subscription":          {read: readSubscription},
	"AWS::IAM::Role":                  {read: readRole, probe: true, attrs: map[string]string{"Arn": "Arn", "RoleId": "RoleId"}},
	"AWS::IAM::Policy":                {read: readPolicy},
	"AWS::KMS::Key":                   {read: readKey, attrs: map[string]string{"Arn": "Arn", "KeyId": "KeyId"}},
}

func readFunction(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &r.physical})
	if err != nil {
		return nil, err
	}
	got, _ := normalize(out.Configuration).(map[string]any)
	if out.Concurrency != nil {
		got["ReservedConcurrentExecutions"] = aws.ToInt32(out.Concurrency.ReservedConcurrentExecutions)
	}
	if lc, ok := got["LoggingConfig"].(map[string]any); ok && len(lc) == 0 {
		delete(got, "LoggingConfig")
	}
	// The function's CodeSha256 is the SHA-256 of the asset object the
	// template names, which the CLI uploaded (no Code: a read for Fn::GetAtt
	// or a probe).
	code, ok := r.props["Code"].(map[string]any)
	if !ok {
		return got, nil
	}
	bucket, key := assembly.Text(code["S3Bucket"]), assembly.Text(code["S3Key"])
	want := "an S3 object s3://" + bucket + "/" + key
	obj, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		r.add("Code (asset object)", false, want, err.Error())
		return got, nil
	}
	h := sha256.New()
	n, err := io.Copy(h, obj.Body)
	obj.Body.Close()
	if err != nil {
		return nil, err
	}
	sum := base64.StdEncoding.EncodeToString(h.Sum(nil))
	r.add("Code (CodeSha256 of the asset object)", aws.ToString(out.Configuration.CodeSha256) == sum && out.Configuration.CodeSize == n && n > 0,
		fmt.Sprintf("%s (%d bytes)", sum, n), fmt.Sprintf("%s (%d bytes)", aws.ToString(out.Configuration.CodeSha256), out.Configuration.CodeSize))
	return got, nil
}

func readEventSourceMapping(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.lambda.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: &r.physical})
	if err != nil {
		return nil, err
	}
	got, _ := normalize(out).(map[string]any)
	got["FunctionName"] = functionName(aws.ToString(out.FunctionArn), r.props["FunctionName"])
	if out.State != nil {
		got["Enabled"] = *out.State == "Enabled" || *out.State == "Enabling"
	}
	return got, nil
}

// functionName returns what the template named the function by: its name
// (from the ARN), with the ARN's qualifier when the template gave one
// ("name:live", an alias), unless the template gave an ARN.
func functionName(arn string, templateValue any) string {
	want := assembly.Text(templateValue)
	if strings.HasPrefix(want, "arn:") {
		return arn
	}
	if i := strings.LastIndex(arn, ":function:"); i >= 0 {
		name := arn[i+len(":function:"):]
		if !strings.Contains(want, ":") {
			name, _, _ = strings.Cut(name, ":") // a qualifier the template did not name
		}
		return name
	}
	return arn
}

// readVersion reads a published version through its ARN (the physical ID,
// "...:function:<name>:<number>"): it must exist and be that number.
func readVersion(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &r.physical})
	if err != nil {
		return nil, err
	}
	want := r.physical[strings.LastIndex(r.physical, ":")+1:]
	got := aws.ToString(out.Configuration.Version)
	r.add("Version (the number in its ARN)", got == want, want, got)
	return map[string]any{"FunctionName": functionName(aws.ToString(out.Configuration.FunctionArn), r.props["FunctionName"]), "Version": got}, nil
}

// readAlias reads an alias (GetAlias): the version it points at, its name
// and description; its ARN must be the physical ID.
func readAlias(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	fn, name := assembly.Text(r.props["FunctionName"]), assembly.Text(r.props["Name"])
	out, err := c.lambda.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: &fn, Name: &name})
	if err != nil {
		return nil, err
	}
	got, _ := normalize(out).(map[string]any)
	got["FunctionName"] = functionName(aws.ToString(out.AliasArn), r.props["FunctionName"])
	r.add("AliasArn (physical ID)", aws.ToString(out.AliasArn) == r.physical, r.physical, aws.ToString(out.AliasArn))
	return got, nil
}

func readEventInvokeConfig(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	fn, qualifier := assembly.Text(r.props["FunctionName"]), assembly.Text(r.props["Qualifier"])
	in := &lambda.GetFunctionEventInvokeConfigInput{FunctionName: &fn}
	if qualifier != "" {
		in.Qualifier = &qualifier
	}
	out, err := c.lambda.GetFunctionEventInvokeConfig(ctx, in)
	if err != nil {
		return nil, err
	}
	got, _ := normalize(out).(map[string]any)
	got["FunctionName"] = functionName(aws.ToString(out.FunctionArn), r.props["FunctionName"])
	got["Qualifier"] = r.props["Qualifier"] // the API is asked for it
	return got, nil
}

// readPermission finds the function policy's statement with the template's
// action, principal and source ARN.
func readPermission(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	fn := assembly.Text(r.props["FunctionName"])
	out, err := c.lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: &fn})
	if err != nil {
		return nil, err
	}
	doc, _ := jsonDoc(aws.ToString(out.Policy))
	statements, _ := normalize(doc).(map[string]any)["Statement"].([]any)
	mismatch := map[string]any{}
	for i, s := range statements {
		m, _ := s.(map[string]any)
		got := map[string]any{"FunctionName": r.props["FunctionName"], "Action": first(m["Action"])}
		if p, ok := m["Principal"].(map[string]any); ok {
			for _, v := range p {
				got["Principal"] = first(v)
			}
		} else {
			got["Principal"] = m["Principal"]
		}
		if cond, ok := m["Condition"].(map[string]any); ok {
			for _, op := range cond {
				for k, v := range op.(map[string]any) {
					switch strings.ToLower(k) {
					case "aws:sourcearn":
						got["SourceArn"] = v
					case "aws:sourceaccount":
						got["SourceAccount"] = v
					}
				}
			}
		}
		if ok, _ := compare(r.props, got); ok {
			return got, nil
		} else if i == 0 {
			mismatch = got
		}
	}
	return mismatch, nil // the first statement, reported as a mismatch
}

func first(v any) any {
	if l, ok := v.([]any); ok && len(l) == 1 {
		return l[0]
	}
	return v
}

func readQueue(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &r.physical,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		return nil, err
	}
	got := attributes(out.Attributes)
	got["QueueName"] = r.physical[strings.LastIndex(r.physical, "/")+1:]
	return got, nil
}

func readQueuePolicy(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	return readPolicyOfEach(r, "Queues", func(u string) (string, error) {
		out, err := c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &u,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy}})
		if err != nil {
			return "", err
		}
		return out.Attributes["Policy"], nil
	})
}

// readPolicyOfEach reads the policy of each target listed in the
// resource's property list (a queue, topic or IAM policy resource applies
// one document to several): the first answers as the resource's
// PolicyDocument, the others are compared with the template's document
// as checks of their own.
func readPolicyOfEach(r *resourceCheck, list string, policy func(target string) (string, error)) (map[string]any, error) {
	targets, _ := r.props[list].([]any)
	got := map[string]any{list: targets}
	for i, t := range targets {
		target := assembly.Text(t)
		doc, err := policy(target)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			got["PolicyDocument"] = doc
			continue
		}
		ok, diff := compare(r.props["PolicyDocument"], doc)
		r.add("PolicyDocument of "+target, ok, "the template's document", diff)
	}
	return got, nil
}

func readTable(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &r.physical})
	if err != nil {
		return nil, err
	}
	t := out.Table
	got, _ := normalize(t).(map[string]any)
	if t.BillingModeSummary != nil {
		got["BillingMode"] = string(t.BillingModeSummary.BillingMode)
	} else if t.ProvisionedThroughput != nil && aws.ToInt64(t.ProvisionedThroughput.ReadCapacityUnits) == 0 {
		got["BillingMode"] = "PAY_PER_REQUEST"
	}
	if t.SSEDescription != nil {
		got["SSESpecification"] = map[string]any{"SSEEnabled": t.SSEDescription.Status == "ENABLED" || t.SSEDescription.Status == "ENABLING",
			"SSEType": string(t.SSEDescription.SSEType), "KMSMasterKeyId": aws.ToString(t.SSEDescription.KMSMasterKeyArn)}
	}
	backups, err := c.ddb.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: &r.physical})
	if err != nil {
		return nil, err
	}
	if d := backups.ContinuousBackupsDescription; d != nil && d.PointInTimeRecoveryDescription != nil {
		got["PointInTimeRecoverySpecification"] = map[string]any{
			"PointInTimeRecoveryEnabled": d.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus == "ENABLED",
		}
	}
	if _, ok := r.props["TimeToLiveSpecification"]; ok {
		ttl, err := c.ddb.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &r.physical})
		if err != nil {
			return nil, err
		}
		if d := ttl.TimeToLiveDescription; d != nil {
			got["TimeToLiveSpecification"] = map[string]any{"AttributeName": aws.ToString(d.AttributeName),
				"Enabled": d.TimeToLiveStatus == "ENABLED" || d.TimeToLiveStatus == "ENABLING"}
		}
	}
	return got, nil
}

func readBucket(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	b := &r.physical
	got := map[string]any{"BucketName": r.physical, "Arn": "arn:aws:s3:::" + r.physical}
	if v, err := c.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); err != nil {
		return nil, err
	} else if v.Status != "" {
		got["VersioningConfiguration"] = map[string]any{"Status": string(v.Status)}
	}
	if e, err := c.s3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b}); err == nil && e.ServerSideEncryptionConfiguration != nil {
		rules, _ := normalize(e.ServerSideEncryptionConfiguration.Rules).([]any)
		for _, rule := range rules { // the API's names for the template's
			m := rule.(map[string]any)
			m["ServerSideEncryptionByDefault"], m["BucketKeyEnabled"] = m["ApplyServerSideEncryptionByDefault"], m["BucketKeyEnabled"] == true
		}
		got["BucketEncryption"] = map[string]any{"ServerSideEncryptionConfiguration": rules}
	}
	if p, err := c.s3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b}); err == nil {
		got["PublicAccessBlockConfiguration"] = normalize(p.PublicAccessBlockConfiguration)
	}
	if n, err := c.s3.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: b}); err != nil {
		return nil, err
	} else {
		nc := map[string]any{}
		if n.EventBridgeConfiguration != nil {
			nc["EventBridgeConfiguration"] = map[string]any{"EventBridgeEnabled": true}
		}
		got["NotificationConfiguration"] = nc
	}
	if o, err := c.s3.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b}); err == nil && o.OwnershipControls != nil {
		got["OwnershipControls"] = normalize(o.OwnershipControls)
	}
	if l, err := c.s3.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: b}); err == nil && l.LoggingEnabled != nil {
		got["LoggingConfiguration"] = map[string]any{"DestinationBucketName": aws.ToString(l.LoggingEnabled.TargetBucket),
			"LogFilePrefix": aws.ToString(l.LoggingEnabled.TargetPrefix)}
	}
	if lc, err := c.s3.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b}); err == nil {
		rules, _ := normalize(lc.Rules).([]any)
		for _, rule := range rules { // the API's names for the template's
			m := rule.(map[string]any)
			exp, _ := m["Expiration"].(map[string]any)
			m["Id"], m["ExpirationInDays"] = m["ID"], exp["Days"]
		}
		got["LifecycleConfiguration"] = map[string]any{"Rules": rules}
	}
	return got, nil
}

func readBucketPolicy(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	bucket := assembly.Text(r.props["Bucket"])
	out, err := c.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &bucket})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Bucket": bucket, "PolicyDocument": aws.ToString(out.Policy)}, nil
}

// ruleName returns a rule's name from its physical ID, "bus|name" for a
// rule on a custom bus.
func ruleName(physical string) string {
	if i := strings.LastIndex(physical, "|"); i >= 0 {
		return physical[i+1:]
	}
	return physical
}

// describeRule is DescribeRule's input for a rule's physical ID.
func describeRule(physical string) *eventbridge.DescribeRuleInput {
	in := &eventbridge.DescribeRuleInput{Name: aws.String(ruleName(physical))}
	if i := strings.LastIndex(physical, "|"); i >= 0 {
		in.EventBusName = aws.String(physical[:i])
	}
	return in
}

func readRule(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	in := describeRule(r.physical)
	name := aws.ToString(in.Name)
	bus := r.props["EventBusName"]
	if bus != nil {
		in.EventBusName = aws.String(assembly.Text(bus))
	}
	out, err := c.events.DescribeRule(ctx, in)
	if err != nil {
		return nil, err
	}
	got, _ := normalize(out).(map[string]any)
	if bus != nil && !strings.HasPrefix(assembly.Text(bus), "arn:") {
		got["EventBusName"] = lastSegment(aws.ToString(out.EventBusName))
	}
	targets, err := c.events.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: &name, EventBusName: in.EventBusName})
	if err != nil {
		return nil, err
	}
	got["Targets"] = normalize(targets.Targets)
	return got, nil
}

func lastSegment(s string) string { return s[strings.LastIndex(s, "/")+1:] }

func readEventBus(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	name := lastSegment(r.physical)
	out, err := c.events.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: &name})
	if err != nil {
		return nil, err
	}
	got, _ := normalize(out).(map[string]any)
	return got, nil
}

func readArchive(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	name := lastSegment(r.physical)
	out, err := c.events.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: &name})
	if err != nil {
		return nil, err
	}
	got, _ := normalize(out).(map[string]any)
	got["SourceArn"] = aws.ToString(out.EventSourceArn)
	return got, nil
}

func readLogGroup(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: &r.physical})
	if err != nil {
		return nil, err
	}
	for _, g := range out.LogGroups {
		if aws.ToString(g.LogGroupName) == r.physical {
			got, _ := normalize(g).(map[string]any)
			return got, nil
		}
	}
	return nil, fmt.Errorf("log group %s: %w", r.physical, errNotFound)
}

func readAlarm(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{r.physical}})
	if err != nil {
		return nil, err
	}
	if len(out.MetricAlarms) == 0 {
		return nil, fmt.Errorf("alarm %s: %w", r.physical, errNotFound)
	} else if len(out.MetricAlarms) > 1 {
		return nil, fmt.Errorf("alarm %s: %d found", r.physical, len(out.MetricAlarms))
	}
	got, _ := normalize(out.MetricAlarms[0]).(map[string]any)
	return got, nil
}

func readDashboard(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: &r.physical})
	if err != nil {
		return nil, err
	}
	return map[string]any{"DashboardName": aws.ToString(out.DashboardName), "DashboardBody": aws.ToString(out.DashboardBody)}, nil
}

func readTopic(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &r.physical})
	if err != nil {
		return nil, err
	}
	got := attributes(out.Attributes)
	got["TopicName"] = r.physical[strings.LastIndex(r.physical, ":")+1:]
	return got, nil
}

func readTopicPolicy(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	return readPolicyOfEach(r, "Topics", func(arn string) (string, error) {
		out, err := c.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
		if err != nil {
			return "", err
		}
		return out.Attributes["Policy"], nil
	})
}

func readSubscription(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &r.physical})
	if err != nil {
		return nil, err
	}
	return attributes(out.Attributes), nil
}

// attributes is an API's attribute map as a read-back.
func attributes(m map[string]string) map[string]any {
	got := make(map[string]any, len(m))
	for k, v := range m {
		got[k] = v
	}
	return got
}

func readRole(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: &r.physical})
	if err != nil {
		return nil, err
	}
	got, _ := normalize(out.Role).(map[string]any)
	if doc, err := url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument)); err == nil {
		got["AssumeRolePolicyDocument"] = doc
	}
	attached, err := c.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: &r.physical})
	if err != nil {
		return nil, err
	}
	var arns []any
	for _, p := range attached.AttachedPolicies {
		arns = append(arns, aws.ToString(p.PolicyArn))
	}
	got["ManagedPolicyArns"] = arns
	if inline, ok := r.props["Policies"].([]any); ok {
		var policies []any
		for _, p := range inline {
			name := assembly.Text(p.(map[string]any)["PolicyName"])
			rp, err := c.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &r.physical, PolicyName: &name})
			if err != nil {
				return nil, err
			}
			doc, _ := url.QueryUnescape(aws.ToString(rp.PolicyDocument))
			policies = append(policies, map[string]any{"PolicyName": name, "PolicyDocument": doc})
		}
		got["Policies"] = policies
	}
	return got, nil
}

func readPolicy(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	name := assembly.Text(r.props["PolicyName"])
	got, err := readPolicyOfEach(r, "Roles", func(role string) (string, error) {
		out, err := c.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &role, PolicyName: &name})
		if err != nil {
			return "", err
		}
		doc, _ := url.QueryUnescape(aws.ToString(out.PolicyDocument))
		return doc, nil
	})
	if err == nil {
		got["PolicyName"] = name
	}
	return got, err
}

func readKey(ctx context.Context, c *clients, r *resourceCheck) (map[string]any, error) {
	out, err := c.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &r.physical})
	if err != nil {
		return nil, err
	}
	got, _ := normalize(out.KeyMetadata).(map[string]any)
	rot, err := c.kms.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: &r.physical})
	if err != nil {
		return nil, err
	}
	got["EnableKeyRotation"] = rot.KeyRotationEnabled
	pol, err := c.kms.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &r.physical, PolicyName: aws.String("default")})
	if err != nil {
		return nil, err
	}
	got["KeyPolicy"] = aws.ToString(pol.Policy)
	return got, nil
}
