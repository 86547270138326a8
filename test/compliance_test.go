package test

import (
	"sort"
	"testing"

	"github.com/example/orderflow/stacks"
)

// Retention of log groups, in days: prod keeps logs at least a year (a
// common audit baseline, e.g. PCI DSS 10.5.1), dev keeps them briefly.
const (
	minProdLogRetentionDays = 365
	maxDevLogRetentionDays  = 30
)

// TestLogRetention checks every log group of both stages (the functions'
// and the API's access log, and any other): each has a retention (a log
// group without one keeps logs forever, at a cost), at least 365 days in
// prod and at most 30 in dev.
func TestLogRetention(t *testing.T) {
	for _, stage := range []string{stacks.StageDev, stacks.StageProd} {
		t.Run(stage, func(t *testing.T) {
			s := synth(t, stage)
			var count int
			for _, tmpl := range []struct {
				name string
				res  map[string]map[string]any
			}{
				{"stateful", resources(s.stateful, "AWS::Logs::LogGroup")},
				{"service", resources(s.service, "AWS::Logs::LogGroup")},
			} {
				for _, id := range sortedResourceIDs(tmpl.res) {
					lg := tmpl.res[id]
					count++
					days, ok := props(lg)["RetentionInDays"].(float64)
					switch {
					case !ok:
						t.Errorf("%s %s: no RetentionInDays (logs kept forever), want a retention", tmpl.name, id)
					case stage == stacks.StageProd && days < minProdLogRetentionDays:
						t.Errorf("%s %s: got RetentionInDays %v, want at least %d in prod", tmpl.name, id, days, minProdLogRetentionDays)
					case stage == stacks.StageDev && days > maxDevLogRetentionDays:
						t.Errorf("%s %s: got RetentionInDays %v, want at most %d in dev", tmpl.name, id, days, maxDevLogRetentionDays)
					}
				}
			}
			if count == 0 {
				t.Fatal("found no log groups: the app changed, or this test reads the wrong templates")
			}
		})
	}
}

func sortedResourceIDs[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
