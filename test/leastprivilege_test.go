package test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/gofunction"
	"github.com/example/orderflow/constructs/idempotencytable"
	"github.com/example/orderflow/runtime/idempotency"
	"github.com/example/orderflow/stacks"
	"github.com/example/orderflow/tools/leastpriv"
)

// The least-privilege tests: each function's role allows exactly the AWS
// actions its code calls (see package leastpriv for how each side is read).
// The fixtures under testdata/lpfixture_* prove that the check fails in
// both directions.

const (
	// lpModule is the module path; function packages are lpModule/functions/<name>.
	lpModule = "github.com/example/orderflow"
	// lpFixtureMissing calls dynamodb DeleteItem, which its role does not grant.
	lpFixtureMissing = "./test/testdata/lpfixture_missing"
	// lpFixtureUnused has a role granting dynamodb:PutItem, which it never calls.
	lpFixtureUnused = "./test/testdata/lpfixture_unused"
	// lpFixturePublisher publishes to an SNS topic: its key needs depend on
	// the topic's encryption.
	lpFixturePublisher = "./test/testdata/lpfixture_publisher"
)

var lpAnalysis struct {
	once sync.Once
	code map[string]*leastpriv.Code
	err  error
}

// lpCode analyzes every function and both fixtures once per test binary
// run (one program: about 10 s and 1 GB), from the module root.
func lpCode(t *testing.T) map[string]*leastpriv.Code {
	t.Helper()
	lpAnalysis.once.Do(func() {
		lpAnalysis.code, lpAnalysis.err = leastpriv.Analyze("..", "./functions/...", lpFixtureMissing, lpFixtureUnused, lpFixturePublisher)
	})
	if lpAnalysis.err != nil {
		t.Fatalf("analyze the functions' code: %v", lpAnalysis.err)
	}
	return lpAnalysis.code
}

func TestLeastPrivilegeOfEveryFunctionRole(t *testing.T) {
	code := lpCode(t)
	s := synth(t, stacks.StageDev)
	tmpl := *s.service.ToJSON()
	stack := s.app.Service.Stack

	// Every function package has a function in the stack, and the other way round.
	var names []string
	for pkg := range code {
		if name, ok := strings.CutPrefix(pkg, lpModule+"/functions/"); ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var deployed []string
	for name := range s.app.Service.Functions {
		deployed = append(deployed, name)
	}
	sort.Strings(deployed)
	if !reflect.DeepEqual(names, deployed) {
		t.Fatalf("function packages %q, functions in the service stack %q: want the same names", names, deployed)
	}

	var summary strings.Builder
	tw := tabwriter.NewWriter(&summary, 0, 0, 2, ' ', 0)
	tw.Write([]byte("function\tcode needs (reachable SDK calls)\tgranted for code\tplatform grants\tmissing\tunused\n"))
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			c := code[lpModule+"/functions/"+name]
			f := s.app.Service.Functions[name]
			g, err := leastpriv.RoleGrants(tmpl,
				logicalID(stack, f.Role.Node().DefaultChild()),
				logicalID(stack, f.Function.Node().DefaultChild()))
			if err != nil {
				t.Fatal(err)
			}
			r := leastpriv.Check(c, g)
			t.Log("\n" + r.Report(c))
			tw.Write([]byte(strings.Join([]string{name, lpKeys(r.Needs), lpKeys(r.Granted),
				lpPlatformSummary(r.Platform), lpDash(r.Missing), lpDash(r.Unused)}, "\t") + "\n"))

			if len(r.Needs) == 0 {
				t.Errorf("found no AWS call in %s: every function of this app calls AWS, so the analysis missed them", name)
			}
			for _, a := range r.Missing {
				t.Errorf("%s calls %s (%s) but its role does not grant it", name, a, strings.Join(r.Needs[a], ", "))
			}
			for _, a := range r.Unused {
				t.Errorf("the role of %s grants %s on %s, but no code reachable from its main needs it",
					name, a, strings.Join(r.Granted[a], ", "))
			}
			for _, p := range r.Problems {
				t.Errorf("the role of %s: %s", name, p)
			}

			// The same check on this role, edited: one needed action taken
			// out of every policy, one extra action put in. It must report
			// exactly those two.
			if len(r.Needs) == 0 {
				return
			}
			drop := lpSortedKeys(r.Needs)[0]
			edited := lpEditTemplate(t, tmpl, drop, logicalID(stack, f.Role.Node().DefaultChild()), "sqs:PurgeQueue")
			eg, err := leastpriv.RoleGrants(edited,
				logicalID(stack, f.Role.Node().DefaultChild()),
				logicalID(stack, f.Function.Node().DefaultChild()))
			if err != nil {
				t.Fatal(err)
			}
			er := leastpriv.Check(c, eg)
			if want := []string{drop}; !reflect.DeepEqual(er.Missing, want) {
				t.Errorf("role without %s: missing: got %q, want %q", drop, er.Missing, want)
			}
			if want := []string{"sqs:PurgeQueue"}; !reflect.DeepEqual(er.Unused, want) {
				t.Errorf("role with sqs:PurgeQueue: unused: got %q, want %q", er.Unused, want)
			}
		})
	}
	tw.Flush()
	t.Log("least privilege, by function:\n" + summary.String())
}

func TestLeastPrivilegeCheckCatchesBothDirections(t *testing.T) {
	code := lpCode(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("LeastPrivilegeFixtures"), nil)
	table := awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("id"), Type: awsdynamodb.AttributeType_STRING},
	})
	fixture := func(id, pkg string) *gofunction.Function {
		return gofunction.New(stack, jsii.String(id), &gofunction.Props{Entry: jsii.String(filepath.Join(root, pkg))})
	}
	missing := fixture("Missing", lpFixtureMissing)
	table.Grant(missing.Function, jsii.String("dynamodb:GetItem"), jsii.String("dynamodb:Scan"))
	unused := fixture("Unused", lpFixtureUnused)
	table.Grant(unused.Function, jsii.String("dynamodb:GetItem"), jsii.String("dynamodb:PutItem"))
	// A queue event source: its grants are the platform's, by rule.
	work := awssqs.NewQueue(stack, jsii.String("Work"), nil)
	unused.Function.AddEventSource(awslambdaeventsources.NewSqsEventSource(work, nil))
	tmpl := *assertions.Template_FromStack(stack, nil).ToJSON()
	workID := logicalID(stack, work.Node().DefaultChild())

	tests := []struct {
		name         string
		pkg          string
		fn           *gofunction.Function
		wantNeeds    []string
		wantMissing  []string
		wantUnused   []string
		wantPlatform []string
	}{
		{
			name:        "call without grant",
			pkg:         lpFixtureMissing,
			fn:          missing,
			wantNeeds:   []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Scan"},
			wantMissing: []string{"dynamodb:DeleteItem"},
			wantPlatform: []string{
				"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
			},
		},
		{
			name: "grant without call",
			pkg:  lpFixtureUnused,
			fn:   unused,
			// Not PutItem: orders.Store.Create and putUnreachable are not reachable.
			wantNeeds:  []string{"dynamodb:GetItem"},
			wantUnused: []string{"dynamodb:PutItem"},
			wantPlatform: []string{
				"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
				"sqs:ChangeMessageVisibility on " + workID + ".Arn", "sqs:DeleteMessage on " + workID + ".Arn",
				"sqs:GetQueueAttributes on " + workID + ".Arn", "sqs:GetQueueUrl on " + workID + ".Arn",
				"sqs:ReceiveMessage on " + workID + ".Arn",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := code[lpModule+strings.TrimPrefix(tt.pkg, ".")]
			if c == nil {
				t.Fatalf("no analysis of %s", tt.pkg)
			}
			g, err := leastpriv.RoleGrants(tmpl,
				logicalID(stack, tt.fn.Role.Node().DefaultChild()),
				logicalID(stack, tt.fn.Function.Node().DefaultChild()))
			if err != nil {
				t.Fatal(err)
			}
			r := leastpriv.Check(c, g)
			t.Log("\n" + r.Report(c))
			if got := lpSortedKeys(r.Needs); !reflect.DeepEqual(got, tt.wantNeeds) {
				t.Errorf("needs: got %q, want %q", got, tt.wantNeeds)
			}
			if !reflect.DeepEqual(r.Missing, tt.wantMissing) {
				t.Errorf("missing: got %q, want %q", r.Missing, tt.wantMissing)
			}
			if !reflect.DeepEqual(r.Unused, tt.wantUnused) {
				t.Errorf("unused: got %q, want %q", r.Unused, tt.wantUnused)
			}
			if len(r.Problems) != 0 {
				t.Errorf("problems: got %q, want none", r.Problems)
			}
			if r.OK() {
				t.Error("OK: got true, want false")
			}
			var platform []string
			for _, p := range r.Platform {
				if strings.HasPrefix(p.Action, "sqs:") {
					platform = append(platform, p.Action+" on "+leastpriv.Render(p.Resource))
				} else {
					platform = append(platform, p.Action)
				}
			}
			sort.Strings(platform)
			sort.Strings(tt.wantPlatform)
			if !reflect.DeepEqual(platform, tt.wantPlatform) {
				t.Errorf("platform grants: got %q, want %q", platform, tt.wantPlatform)
			}
		})
	}
}

// A function that publishes to a topic encrypted with a customer managed key
// needs that key too (kms:Decrypt, kms:GenerateDataKey): the check derives
// it from the topic's KmsMasterKeyId, accepts the CDK's own grant
// (Topic.GrantPublish: kms:GenerateDataKey* on the key) and reports a role
// without it; a topic with the AWS managed key (alias/aws/sns, the
// notifications topic's) needs no key grant.
func TestLeastPrivilegeKeyOfAnEncryptedTopic(t *testing.T) {
	code := lpCode(t)[lpModule+strings.TrimPrefix(lpFixturePublisher, ".")]
	if code == nil {
		t.Fatalf("no analysis of %s", lpFixturePublisher)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("LeastPrivilegeKeys"), nil)
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	cmkTopic := awssns.NewTopic(stack, jsii.String("CmkTopic"), &awssns.TopicProps{MasterKey: key})
	managedTopic := awssns.NewTopic(stack, jsii.String("ManagedTopic"), &awssns.TopicProps{
		MasterKey: awskms.Alias_FromAliasName(stack, jsii.String("SnsManaged"), jsii.String("alias/aws/sns")),
	})
	fixture := func(id string) *gofunction.Function {
		return gofunction.New(stack, jsii.String(id), &gofunction.Props{Entry: jsii.String(filepath.Join(root, lpFixturePublisher))})
	}
	publish := func(f *gofunction.Function, topic awssns.Topic) {
		awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
			Grantee: f.Function, Actions: jsii.Strings("sns:Publish"), ResourceArns: jsii.Strings(*topic.TopicArn()),
		})
	}
	cdkGrant := fixture("CdkGrant")
	cmkTopic.GrantPublish(cdkGrant.Function)
	noKey := fixture("NoKeyGrant")
	publish(noKey, cmkTopic)
	managed := fixture("Managed")
	publish(managed, managedTopic)
	tmpl := *assertions.Template_FromStack(stack, nil).ToJSON()

	tests := []struct {
		name        string
		fn          *gofunction.Function
		wantNeeds   []string
		wantMissing []string
	}{
		{name: "customer managed key, CDK grant", fn: cdkGrant, wantNeeds: []string{"kms:Decrypt", "kms:GenerateDataKey", "sns:Publish"}},
		{name: "customer managed key, no key grant", fn: noKey, wantNeeds: []string{"kms:Decrypt", "kms:GenerateDataKey", "sns:Publish"},
			wantMissing: []string{"kms:Decrypt", "kms:GenerateDataKey"}},
		{name: "AWS managed key", fn: managed, wantNeeds: []string{"sns:Publish"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := leastpriv.RoleGrants(tmpl,
				logicalID(stack, tt.fn.Role.Node().DefaultChild()),
				logicalID(stack, tt.fn.Function.Node().DefaultChild()))
			if err != nil {
				t.Fatal(err)
			}
			r := leastpriv.Check(code, g)
			t.Log("\n" + r.Report(code))
			if got := lpSortedKeys(r.Needs); !reflect.DeepEqual(got, tt.wantNeeds) {
				t.Errorf("needs: got %q, want %q", got, tt.wantNeeds)
			}
			if !reflect.DeepEqual(r.Missing, tt.wantMissing) {
				t.Errorf("missing: got %q, want %q", r.Missing, tt.wantMissing)
			}
			if len(r.Unused) != 0 || len(r.Problems) != 0 {
				t.Errorf("unused %q, problems %q: want none", r.Unused, r.Problems)
			}
		})
	}
}

// lpEditTemplate returns a copy of tmpl in which no IAM policy allows
// drop, and role has one more policy allowing extra on an SQS queue ARN.
func lpEditTemplate(t *testing.T, tmpl map[string]any, drop, role, extra string) map[string]any {
	t.Helper()
	b, err := json.Marshal(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	res := out["Resources"].(map[string]any)
	for _, r := range res {
		rm := r.(map[string]any)
		if rm["Type"] != "AWS::IAM::Policy" {
			continue
		}
		doc := rm["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			stm := st.(map[string]any)
			actions, ok := stm["Action"].([]any)
			if !ok {
				actions = []any{stm["Action"]}
			}
			kept := []any{}
			for _, a := range actions {
				if a != drop {
					kept = append(kept, a)
				}
			}
			stm["Action"] = kept
		}
	}
	res["LeastPrivilegeExtraPolicy"] = map[string]any{
		"Type": "AWS::IAM::Policy",
		"Properties": map[string]any{
			"Roles": []any{map[string]any{"Ref": role}},
			"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Effect": "Allow", "Action": extra, "Resource": "arn:aws:sqs:us-east-1:123456789012:some-queue",
			}}},
		},
	}
	return out
}

// lpSortedKeys returns m's keys, sorted.
func lpSortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func lpKeys(m map[string][]string) string { return lpDash(lpSortedKeys(m)) }

func lpDash(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, " ")
}

// lpPlatformSummary names the platform grants by what they are for, shortly:
// "logs xray queue-source".
func lpPlatformSummary(gs []leastpriv.Grant) string {
	seen := map[string]bool{}
	var out []string
	for _, g := range gs {
		kind, _, _ := strings.Cut(g.Platform, " ")
		switch {
		case strings.HasPrefix(g.Platform, "own log group"):
			kind = "logs"
		case g.Platform == "active tracing":
			kind = "xray"
		case strings.Contains(g.Platform, "destination"):
			kind = "destination"
		case strings.HasPrefix(g.Platform, "event source"):
			kind = "queue-source"
		case strings.HasPrefix(g.Platform, "stream event source"):
			kind = "stream-source"
		}
		if !seen[kind] {
			seen[kind] = true
			out = append(out, kind)
		}
	}
	return lpDash(out)
}

// The notifier's DynamoDB actions are proved from the code, both ways: its
// reachable code (the runtime's idempotency guard, read as the functions'
// own code) needs exactly the runtime's idempotency.Actions on DynamoDB,
// every one at a site in runtime/idempotency; its role grants exactly
// those, on the idempotency table, and no other function's role grants
// anything on that table. The construct's grant list is the runtime's.
func TestNotifierIdempotencyActions(t *testing.T) {
	if !reflect.DeepEqual(idempotencytable.Actions, idempotency.Actions) {
		t.Fatalf("idempotencytable.Actions %q, idempotency.Actions %q: want the same (the construct grants what the runtime calls)",
			idempotencytable.Actions, idempotency.Actions)
	}
	if idempotencytable.PartitionKey != idempotency.AttrID || idempotencytable.TTLAttribute != idempotency.AttrExpiration {
		t.Errorf("table key %s, TTL %s; the runtime writes %s and %s", idempotencytable.PartitionKey, idempotencytable.TTLAttribute,
			idempotency.AttrID, idempotency.AttrExpiration)
	}
	code := lpCode(t)
	c := code[lpModule+"/functions/notifier"]
	needs := c.Needs()
	var dynamo []string
	for a, sites := range needs {
		if !strings.HasPrefix(a, "dynamodb:") {
			continue
		}
		dynamo = append(dynamo, a)
		for _, site := range sites {
			if !strings.HasPrefix(site, "runtime/idempotency/") {
				t.Errorf("%s needed at %s, want only the runtime's idempotency guard", a, site)
			}
		}
	}
	sort.Strings(dynamo)
	if !reflect.DeepEqual(dynamo, idempotency.Actions) {
		t.Errorf("notifier code needs DynamoDB actions %q, want exactly idempotency.Actions %q", dynamo, idempotency.Actions)
	}

	s := synth(t, stacks.StageDev)
	tmpl := *s.service.ToJSON()
	stack := s.app.Service.Stack
	for name, f := range s.app.Service.Functions {
		g, err := leastpriv.RoleGrants(tmpl, logicalID(stack, f.Role.Node().DefaultChild()), logicalID(stack, f.Function.Node().DefaultChild()))
		if err != nil {
			t.Fatal(err)
		}
		r := leastpriv.Check(code[lpModule+"/functions/"+name], g)
		var onTable []string
		for a, resources := range r.Granted {
			for _, res := range resources {
				if strings.Contains(res, "IdempotencyTable") {
					onTable = append(onTable, a)
				}
			}
		}
		sort.Strings(onTable)
		want := []string(nil)
		if name == "notifier" {
			want = idempotency.Actions
		}
		if !reflect.DeepEqual(onTable, want) {
			t.Errorf("%s: granted %q on the idempotency table, want %q", name, onTable, want)
		}
	}
}
