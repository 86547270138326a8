package templatediff

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

var update = flag.Bool("update", false, "rewrite spec.json from node_modules/aws-cdk/db.json.gz")

// cliDir is the pinned CDK CLI package that `npm ci` installs.
const cliDir = "../../node_modules/aws-cdk"

// TestSpecMatchesCDKDatabase extracts the stateful types, their replacing
// properties and the security-relevant (scrutinizable) types and properties
// from the CDK CLI's resource database and compares them with spec.json.
func TestSpecMatchesCDKDatabase(t *testing.T) {
	db := filepath.Join(cliDir, "db.json.gz")
	if _, err := os.Stat(db); err != nil {
		msg := "the CDK CLI is not installed (make test runs npm ci): " + err.Error()
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	got, err := extractSpec(db)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		data, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("spec.json", append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote spec.json from %s", got.GeneratedFrom)
		return
	}
	want := resourceSpec
	got.GeneratedFrom, want.GeneratedFrom = "", "" // a CLI upgrade that changes nothing here is fine
	if !reflect.DeepEqual(got, want) {
		t.Errorf("spec.json does not match %s: run `go test ./test/templatediff -run Spec -update` and review the change\n%s",
			db, specDifferences(want, got))
	}
}

// extractSpec reads the CDK CLI's resource database (a gzipped JSON of
// every CloudFormation resource type: properties, replacement behaviour,
// stateful flag, scrutiny kind).
func extractSpec(path string) (spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return spec{}, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return spec{}, err
	}
	var db struct {
		Schema struct {
			Resource struct {
				Entities []struct {
					CloudFormationType string `json:"cloudFormationType"`
					IsStateful         bool   `json:"isStateful"`
					Scrutinizable      string `json:"scrutinizable"`
					Properties         map[string]struct {
						CausesReplacement string `json:"causesReplacement"`
						Scrutinizable     string `json:"scrutinizable"`
					} `json:"properties"`
				} `json:"entities"`
			} `json:"resource"`
		} `json:"schema"`
	}
	if err := json.NewDecoder(zr).Decode(&db); err != nil {
		return spec{}, err
	}
	version, err := cliVersion()
	if err != nil {
		return spec{}, err
	}
	s := spec{
		GeneratedFrom:    "aws-cdk " + version + " (node_modules/aws-cdk/db.json.gz)",
		Stateful:         map[string]map[string]string{},
		ResourceScrutiny: map[string]string{},
		PropertyScrutiny: map[string]map[string]string{},
	}
	for _, r := range db.Schema.Resource.Entities {
		typ := r.CloudFormationType
		if r.IsStateful {
			if s.Stateful[typ] == nil {
				s.Stateful[typ] = map[string]string{}
			}
			for name, p := range r.Properties {
				if p.CausesReplacement == "yes" || p.CausesReplacement == "maybe" {
					s.Stateful[typ][name] = p.CausesReplacement
				}
			}
		}
		if r.Scrutinizable != "" && r.Scrutinizable != "None" {
			s.ResourceScrutiny[typ] = r.Scrutinizable
		}
		for name, p := range r.Properties {
			if p.Scrutinizable != "" && p.Scrutinizable != "None" {
				if s.PropertyScrutiny[typ] == nil {
					s.PropertyScrutiny[typ] = map[string]string{}
				}
				s.PropertyScrutiny[typ][name] = p.Scrutinizable
			}
		}
	}
	if len(s.Stateful) == 0 || len(s.ResourceScrutiny) == 0 {
		return spec{}, fmt.Errorf("%s: no stateful or scrutinizable types found: the database format changed?", path)
	}
	return s, nil
}

func cliVersion() (string, error) {
	data, err := os.ReadFile(filepath.Join(cliDir, "package.json"))
	if err != nil {
		return "", err
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(data, &pkg); err != nil {
		return "", err
	}
	return pkg.Version, nil
}

// specDifferences lists the types whose entries differ.
func specDifferences(want, got spec) string {
	var b bytes.Buffer
	diffMap := func(name string, w, g map[string]any) {
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		var sorted []string
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			if !reflect.DeepEqual(w[k], g[k]) {
				wj, _ := json.Marshal(w[k])
				gj, _ := json.Marshal(g[k])
				b.WriteString(name + " " + k + ": spec.json " + string(wj) + ", CLI " + string(gj) + "\n")
			}
		}
	}
	diffMap("stateful", toAny(want.Stateful), toAny(got.Stateful))
	diffMap("resourceScrutiny", toAny(want.ResourceScrutiny), toAny(got.ResourceScrutiny))
	diffMap("propertyScrutiny", toAny(want.PropertyScrutiny), toAny(got.PropertyScrutiny))
	return b.String()
}
