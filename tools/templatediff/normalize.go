package templatediff

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// AssetHash is what Normalize puts in place of an asset hash.
const AssetHash = "[asset hash]"

// assetHash matches the SHA-256 asset hashes the CDK writes into templates
// (S3 keys "<hash>.zip" of Lambda code, nested stack template URLs,
// container image tags).
var assetHash = regexp.MustCompile(`\b[0-9a-f]{64}\b`)

// VersionHash is what Normalize puts in place of the hash a function's
// current version carries in its logical ID.
const VersionHash = "[version hash]"

// versionID matches the logical ID the CDK gives a function's current
// version (Function.currentVersion): the version's own logical ID, ending
// in 8 upper-case hex digits, then an MD5 (32 lower-case hex digits) of
// the function's code and configuration, so that a new build publishes a
// new version.
var versionID = regexp.MustCompile(`(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}\b`)

// Normalize returns a copy of a synthesized template without what differs
// between two synths of the same app on different machines, checkouts, CDK
// CLI runs or builds, so that only a change to the app changes it:
//
//   - asset hashes (64 hex digits) in any string become AssetHash: they
//     follow the functions' code, which the templates do not show;
//   - the hash in a function's current version logical ID becomes
//     VersionHash, in resource keys and references alike: it follows the
//     code too (a change to the function's configuration shows in the
//     function itself);
//   - resource metadata the CDK adds for tools: aws:cdk:path (construct
//     paths; the CLI omits them with --no-path-metadata) and aws:asset:*
//     (where the CLI staged an asset); other metadata, such as cdk-nag
//     suppressions, stays;
//   - the AWS::CDK::Metadata resource (version reporting: a compressed
//     list of the CDK versions and constructs used) and its
//     CDKMetadataAvailable condition.
//
// The bootstrap version parameter and rule stay: they change only with the
// CDK library and say which bootstrap version a deploy needs. Normalize(nil)
// is nil (a stack one side does not have).
func Normalize(tmpl map[string]any) map[string]any {
	if tmpl == nil {
		return nil
	}
	out, _ := normalizeValue(tmpl).(map[string]any)
	if res, ok := out["Resources"].(map[string]any); ok {
		for id, r := range res {
			rm, _ := r.(map[string]any)
			if typeOf(rm) == "AWS::CDK::Metadata" {
				delete(res, id)
				continue
			}
			if meta, ok := rm["Metadata"].(map[string]any); ok {
				for k := range meta {
					if k == "aws:cdk:path" || strings.HasPrefix(k, "aws:asset:") {
						delete(meta, k)
					}
				}
				if len(meta) == 0 {
					delete(rm, "Metadata")
				}
			}
		}
	}
	if conds, ok := out["Conditions"].(map[string]any); ok {
		delete(conds, "CDKMetadataAvailable")
		if len(conds) == 0 {
			delete(out, "Conditions")
		}
	}
	return out
}

// normalizeValue deep-copies v, replacing asset and version hashes in
// strings and map keys.
func normalizeValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[normalizeString(k)] = normalizeValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeValue(e)
		}
		return out
	case string:
		return normalizeString(x)
	}
	return v
}

func normalizeString(s string) string {
	s = assetHash.ReplaceAllString(s, AssetHash)
	return versionID.ReplaceAllString(s, "${1}"+VersionHash)
}

// Load reads the template file path, or every *.template.json of the
// folder path (a cdk.out, a snapshot folder; a missing folder holds none),
// by file name.
func Load(path string) (map[string]map[string]any, error) {
	files := []string{path}
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		if files, err = filepath.Glob(filepath.Join(path, "*.template.json")); err != nil {
			return nil, err
		}
	}
	out := map[string]map[string]any{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var t map[string]any
		if err := json.Unmarshal(data, &t); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = t
	}
	return out, nil
}
