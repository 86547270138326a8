package templatediff

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// tmpl decodes a hand-made template; t fails on bad JSON.
func tmpl(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test template: %v\n%s", err, s)
	}
	return m
}

const hashA = "b9c87df4e6201eca0390b332e6b6fa94819ac3d0a319513104a2cdb7aec5a132"
const hashB = "31dd8ac6cfaaf0e2d0343efc334325727d8a43cf59b010d2143b487d68e1c647"

func TestNormalize(t *testing.T) {
	synthA := `{
	  "Resources": {
	    "Fn": {"Type": "AWS::Lambda::Function",
	      "Properties": {"Code": {"S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}, "S3Key": "` + hashA + `.zip"}},
	      "Metadata": {"aws:cdk:path": "S/Fn/Resource", "aws:asset:path": "asset.` + hashA + `", "aws:asset:is-bundled": true, "aws:asset:property": "Code",
	        "cdk_nag": {"rules_to_suppress": [{"id": "AwsSolutions-L1", "reason": "r"}]}}},
	    "Role": {"Type": "AWS::IAM::Role", "Properties": {}, "Metadata": {"aws:cdk:path": "S/Role/Resource"}},
	    "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:H4sIAAAAAAAA/zPSszTQM1BMLC9WSE7N1"}, "Condition": "CDKMetadataAvailable"}
	  },
	  "Conditions": {"CDKMetadataAvailable": {"Fn::Or": []}},
	  "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}}
	}`
	// Another machine: another code hash, no path metadata (CLI
	// --no-path-metadata), no asset metadata (a direct run), no version
	// reporting.
	synthB := `{
	  "Resources": {
	    "Fn": {"Type": "AWS::Lambda::Function",
	      "Properties": {"Code": {"S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}, "S3Key": "` + hashB + `.zip"}},
	      "Metadata": {"cdk_nag": {"rules_to_suppress": [{"id": "AwsSolutions-L1", "reason": "r"}]}}},
	    "Role": {"Type": "AWS::IAM::Role", "Properties": {}}
	  },
	  "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}}
	}`
	a, b := tmpl(t, synthA), tmpl(t, synthB)
	before := tmpl(t, synthA)
	na, nb := Normalize(a), Normalize(b)
	if !reflect.DeepEqual(na, nb) {
		t.Errorf("normalized templates differ:\n%v\n%v", na, nb)
	}
	if !reflect.DeepEqual(a, before) {
		t.Error("Normalize changed its input")
	}
	fn := na["Resources"].(map[string]any)["Fn"].(map[string]any)
	if got := fn["Properties"].(map[string]any)["Code"].(map[string]any)["S3Key"]; got != AssetHash+".zip" {
		t.Errorf("S3Key: got %v, want %q", got, AssetHash+".zip")
	}
	if _, ok := fn["Metadata"].(map[string]any)["cdk_nag"]; !ok {
		t.Error("cdk_nag metadata was removed: suppressions are part of what a review must see")
	}
	if _, ok := na["Resources"].(map[string]any)["Role"].(map[string]any)["Metadata"]; ok {
		t.Error("Role keeps an empty Metadata")
	}
	if _, ok := na["Parameters"]; !ok {
		t.Error("the BootstrapVersion parameter was removed")
	}
}

func TestNormalizeKeepsChanges(t *testing.T) {
	// What Normalize hides must not hide a real change next to it.
	a := tmpl(t, `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Key": "`+hashA+`.zip"}, "MemorySize": 128}}}}`)
	b := tmpl(t, `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Key": "`+hashB+`.zip"}, "MemorySize": 256}}}}`)
	rs, err := Diff(Pair{Old: Normalize(a), New: Normalize(b)})
	if err != nil {
		t.Fatal(err)
	}
	if d := rs[0]; d.Changed != 1 || !strings.Contains(d.Text, "MemorySize") || strings.Contains(d.Text, "S3Key") {
		t.Errorf("got %d changes\n%s\nwant only MemorySize", d.Changed, d.Text)
	}
	// A 63-digit hex string is not an asset hash.
	short := hashA[:63]
	n := Normalize(tmpl(t, `{"Description": "`+short+`"}`))
	if n["Description"] != short {
		t.Errorf("Description: got %v, want it unchanged", n["Description"])
	}
}

func TestNormalizeVersionIDs(t *testing.T) {
	// Two builds of the same function: another code hash, so another
	// current version logical ID, referenced by the alias and an alarm.
	build := func(hash, md5 string) map[string]any {
		v := "KitchenFunctionCurrentVersionE93ED429" + md5
		return tmpl(t, `{"Resources": {
		  "KitchenFunction": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Key": "`+hash+`.zip"}}},
		  "`+v+`": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "KitchenFunction"}}},
		  "KitchenAlias": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionVersion": {"Fn::GetAtt": ["`+v+`", "Version"]}}, "DependsOn": ["`+v+`"]}
		}}`)
	}
	a := Normalize(build(hashA, "4a0064cc4044fad6694d004068b39d9e"))
	b := Normalize(build(hashB, "2ddc035578de7bad452cd2d2506dcca9"))
	if !reflect.DeepEqual(a, b) {
		t.Errorf("normalized builds differ:\n%v\n%v", a, b)
	}
	want := "KitchenFunctionCurrentVersionE93ED429" + VersionHash
	res := a["Resources"].(map[string]any)
	if _, ok := res[want]; !ok {
		t.Errorf("no resource %s in %v", want, res)
	}
	alias := res["KitchenAlias"].(map[string]any)
	if got := alias["Properties"].(map[string]any)["FunctionVersion"].(map[string]any)["Fn::GetAtt"].([]any)[0]; got != want {
		t.Errorf("alias refers to %v, want %s", got, want)
	}
	// Another function's version stays apart, and an ID without the hash
	// is left alone.
	n := Normalize(tmpl(t, `{"Resources": {"PublisherFunctionCurrentVersion3B6E777C181d1f5cf67e4340da7d485db4bf456c": {}, "FnCurrentVersionABCDEF12": {}}}`))
	for _, id := range []string{"PublisherFunctionCurrentVersion3B6E777C" + VersionHash, "FnCurrentVersionABCDEF12"} {
		if _, ok := n["Resources"].(map[string]any)[id]; !ok {
			t.Errorf("no resource %s in %v", id, n["Resources"])
		}
	}
}
