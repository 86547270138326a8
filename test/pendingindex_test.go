package test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/stacks"
)

// canonical renders a list of CloudFormation objects as sorted JSON lines,
// so two lists compare without regard to order.
func canonical(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var list []any
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	lines := make([]string, len(list))
	for i, e := range list {
		b, _ := json.Marshal(e)
		lines[i] = string(b)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// TestOrdersTableIsTheDesign: the synthesized table's attribute
// definitions and indexes are exactly orders.Design, which the write
// simulation (tools/flowsim) runs; with -c legacyStatusIndex=true, the
// design with the legacy status index too.
func TestOrdersTableIsTheDesign(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		var tmpl assertions.Template
		if legacy {
			cfg, err := stacks.ConfigFor(stacks.StageDev)
			if err != nil {
				t.Fatal(err)
			}
			cfg.LegacyStatusIndex = true
			app := newApp(t, filepath.Join(runDir, "cdk.out-legacy"))
			st := stacks.NewStatefulStack(app, "Legacy", &stacks.StatefulStackProps{StackProps: awscdk.StackProps{}, Config: cfg})
			tmpl = assertions.Template_FromStack(st.Stack, nil)
		} else {
			tmpl = synth(t, stacks.StageDev).stateful
		}
		// The Orders table; the stack's other table is the notifier's
		// idempotency table (stack_test pins both logical IDs).
		tables := map[string]*map[string]any{}
		for id, r := range *tmpl.FindResources(jsii.String("AWS::DynamoDB::Table"), nil) {
			if strings.HasPrefix(id, stacks.OrdersTableID) {
				tables[id] = r
			}
		}
		if len(tables) != 1 {
			t.Fatalf("legacy %t: got %d Orders tables, want 1", legacy, len(tables))
		}
		for _, r := range tables {
			p := (*r)["Properties"].(map[string]any)
			d := orders.Design(legacy)
			var gsis []map[string]any
			for _, g := range d.GlobalSecondaryIndexes {
				var ks []map[string]any
				for _, k := range g.KeySchema {
					ks = append(ks, map[string]any{"AttributeName": *k.AttributeName, "KeyType": string(k.KeyType)})
				}
				gsis = append(gsis, map[string]any{"IndexName": *g.IndexName, "KeySchema": ks, "Projection": map[string]any{"ProjectionType": string(g.Projection.ProjectionType)}})
			}
			var attrs []map[string]any
			for _, a := range d.AttributeDefinitions {
				attrs = append(attrs, map[string]any{"AttributeName": *a.AttributeName, "AttributeType": string(a.AttributeType)})
			}
			if got, want := canonical(t, p["GlobalSecondaryIndexes"]), canonical(t, gsis); got != want {
				t.Errorf("legacy %t: indexes:\ngot  %s\nwant %s", legacy, got, want)
			}
			if got, want := canonical(t, p["AttributeDefinitions"]), canonical(t, attrs); got != want {
				t.Errorf("legacy %t: attribute definitions:\ngot  %s\nwant %s", legacy, got, want)
			}
		}
	}
}

// TestSweeperQueriesOnlyThePendingIndex: the sweeper's one hand-written
// statement allows Query on the pending index, not the table or the legacy
// index.
func TestSweeperQueriesOnlyThePendingIndex(t *testing.T) {
	s := synth(t, stacks.StageDev)
	found := false
	for _, r := range *s.service.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		doc, _ := json.Marshal((*r)["Properties"].(map[string]any)["PolicyDocument"])
		if !strings.Contains(string(doc), `"dynamodb:Query"`) {
			continue
		}
		found = true
		if !strings.Contains(string(doc), `/index/`+orders.PendingIndexName+`"`) || strings.Contains(string(doc), orders.LegacyStatusIndexName) {
			t.Errorf("Query statement: got %s, want the pending index only", doc)
		}
	}
	if !found {
		t.Error("no policy allows dynamodb:Query")
	}
}

func TestParseLegacyStatusIndex(t *testing.T) {
	for in, want := range map[string]bool{"": false, "false": false, "true": true} {
		if got, err := stacks.ParseLegacyStatusIndex(in); err != nil || got != want {
			t.Errorf("%q: got %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := stacks.ParseLegacyStatusIndex("yes"); err == nil || !strings.Contains(err.Error(), `legacyStatusIndex "yes"`) {
		t.Errorf("yes: got %v, want an error naming the value", err)
	}
}
