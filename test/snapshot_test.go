package test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/example/orderflow/stacks"
	"github.com/example/orderflow/tools/templatediff"
)

// Refresh the snapshots with `make snapshots` or
// `go test ./test -run TestSnapshot -update`; a change that deletes or
// replaces a stateful resource also needs -accept-replacement.
var (
	updateSnapshots = flag.Bool("update", false,
		"rewrite the template snapshots under testdata/snapshots from the app (refused when a stateful resource would be deleted or replaced, unless -accept-replacement)")
	acceptReplacement = flag.Bool("accept-replacement", false,
		"with -update: also write snapshots in which a stateful resource (table, bucket, queue, key, log group, ...) is deleted or replaced")
)

// snapshotStages are the stages whose templates are committed.
var snapshotStages = []string{stacks.StageDev, stacks.StageProd}

// TestSnapshot compares the normalized templates of every stack of the dev
// and prod stages with the committed snapshots in
// testdata/snapshots/<stage>/. On a difference it prints, per stack, the
// changes (resource, property path, old -> new) and, apart, the
// security-relevant part (IAM, resource policies, encryption, public
// access, stateful resources deleted or replaced), and fails.
//
// With -update it writes the snapshots instead, unless the change deletes
// or replaces a stateful resource: that also takes -accept-replacement, so
// that losing a table's data is a decision, not a side effect of
// refreshing snapshots.
func TestSnapshot(t *testing.T) {
	if *acceptReplacement && !*updateSnapshots {
		t.Fatal("-accept-replacement only applies with -update")
	}
	for _, stage := range snapshotStages {
		t.Run(stage, func(t *testing.T) {
			s := synth(t, stage)
			awscdk.Stage_Of(s.app.Service.Stack).Synth(nil) // the assembly already written
			got, err := readTemplateDir(s.outdir, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Fatalf("no templates in %s", s.outdir)
			}
			dir := filepath.Join("testdata", "snapshots", stage)
			want, err := readTemplateDir(dir, false)
			if err != nil {
				t.Fatal(err)
			}
			checkSnapshots(t, dir, want, got)
		})
	}
}

// snapshotOutcome is what compareSnapshots found or did.
type snapshotOutcome int

const (
	snapshotsEqual   snapshotOutcome = iota
	snapshotsDiffer                  // not updating: the test fails
	snapshotsRefused                 // -update without -accept-replacement on data loss: the test fails, nothing written
	snapshotsWritten                 // -update: dir now holds got
)

// checkSnapshots compares the snapshots of dir (want) with the app's
// templates (got) and fails on a difference, or with -update writes them.
func checkSnapshots(t *testing.T, dir string, want, got map[string]map[string]any) {
	t.Helper()
	outcome, report, err := compareSnapshots(dir, want, got, *updateSnapshots, *acceptReplacement)
	if err != nil {
		t.Fatal(err)
	}
	switch outcome {
	case snapshotsDiffer:
		t.Errorf("the templates differ from the snapshots in %s:\n\n%s", dir, report)
	case snapshotsRefused:
		t.Errorf("snapshots in %s NOT updated:\n\n%s", dir, report)
	case snapshotsWritten:
		t.Logf("updated the snapshots in %s:\n\n%s", dir, report)
	}
}

// compareSnapshots compares want (the snapshots of dir, by file name) with
// got (the app's normalized templates). Not updating, a difference is
// snapshotsDiffer. Updating, it writes got into dir (snapshotsWritten),
// unless a stateful resource is deleted or replaced and accept is not set
// (snapshotsRefused). The report is the readable difference, then its
// security-relevant part, then what to do.
func compareSnapshots(dir string, want, got map[string]map[string]any, update, accept bool) (snapshotOutcome, string, error) {
	var pairs []templatediff.Pair
	for _, file := range snapshotNames(want, got) {
		pairs = append(pairs, templatediff.Pair{Name: file, Old: want[file], New: got[file]})
	}
	results, err := templatediff.Diff(pairs...)
	if err != nil {
		return 0, "", err
	}
	var diffs []*templatediff.Result
	for _, d := range results {
		if !d.Empty {
			diffs = append(diffs, d)
		}
	}
	if len(diffs) == 0 {
		return snapshotsEqual, "", nil
	}
	report, dataLoss := snapshotReport(diffs)
	const refresh = "go test ./test -run TestSnapshot -update   (or: make snapshots)"
	const refreshLoss = "go test ./test -run TestSnapshot -update -accept-replacement   (or: make snapshots ACCEPT_REPLACEMENT=1)"
	switch {
	case !update:
		how := refresh
		if dataLoss {
			how = refreshLoss
		}
		return snapshotsDiffer, report + "\nReview the change. If it is intended, refresh the snapshots and commit them:\n  " + how, nil
	case dataLoss && !accept:
		return snapshotsRefused, report + "\nThe change deletes or replaces a stateful resource (marked !): a deploy loses or orphans its data.\n" +
			"If that is intended, update with:\n  " + refreshLoss, nil
	}
	if err := writeSnapshots(dir, want, got); err != nil {
		return 0, "", err
	}
	return snapshotsWritten, report, nil
}

// snapshotReport prints the changes of every stack, then their
// security-relevant part apart, and says whether a stateful resource is
// deleted or replaced.
func snapshotReport(diffs []*templatediff.Result) (string, bool) {
	var b bytes.Buffer
	dataLoss := false
	for _, d := range diffs {
		fmt.Fprintf(&b, "=== %s (%d added, %d removed, %d changed)\n", strings.TrimSuffix(d.Name, ".template.json"), d.Added, d.Removed, d.Changed)
		d.Format(&b)
		b.WriteString("\n")
	}
	var sec bytes.Buffer
	for _, d := range diffs {
		if !d.HasSecurity() {
			continue
		}
		fmt.Fprintf(&sec, "=== %s\n", strings.TrimSuffix(d.Name, ".template.json"))
		d.FormatSecurity(&sec)
		if len(d.DataLoss()) > 0 {
			dataLoss = true
		}
	}
	if sec.Len() > 0 {
		b.WriteString("SECURITY-RELEVANT CHANGES (the CDK's IAM and security group tables; then + widens access or weakens protection, ! deletes or replaces stateful data, - narrows access, ~ changes):\n")
		b.Write(sec.Bytes())
	} else {
		b.WriteString("No security-relevant changes.\n")
	}
	return b.String(), dataLoss
}

// readTemplateDir reads every *.template.json of dir by file name,
// normalized (templatediff.Normalize) when normalize is set. A missing dir
// holds no templates.
func readTemplateDir(dir string, normalize bool) (map[string]map[string]any, error) {
	out, err := templatediff.Load(dir)
	for name, t := range out {
		if normalize {
			out[name] = templatediff.Normalize(t)
		}
	}
	return out, err
}

// writeSnapshots writes got into dir (sorted keys, one-space indent, as
// cdk.out; each file replaced in one rename) and removes the snapshots of
// stacks the app no longer has.
func writeSnapshots(dir string, want, got map[string]map[string]any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for file, tmpl := range got {
		data, err := snapshotJSON(tmpl)
		if err != nil {
			return fmt.Errorf("%s: %v", file, err)
		}
		tmp, err := os.CreateTemp(dir, ".snapshot-*")
		if err != nil {
			return err
		}
		_, werr := tmp.Write(data)
		cerr := tmp.Close()
		if werr != nil || cerr != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("write %s: %v", file, cmp.Or(werr, cerr))
		}
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), filepath.Join(dir, file)); err != nil {
			os.Remove(tmp.Name())
			return err
		}
	}
	for file := range want {
		if _, ok := got[file]; !ok {
			if err := os.Remove(filepath.Join(dir, file)); err != nil {
				return err
			}
		}
	}
	return nil
}

// snapshotJSON encodes a template as the snapshots hold it: keys sorted,
// one-space indent, no HTML escaping, a final newline.
func snapshotJSON(tmpl map[string]any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(tmpl); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func snapshotNames(a, b map[string]map[string]any) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
