package synthcache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// binRecord is what the last build of the app was made of (app.json in
// StateDir).
type binRecord struct {
	Version int    `json:"version"`
	Key     string `json:"key"`     // binaryKey over the fields below
	Package string `json:"package"` // the app's package, relative to the module
	// Dirs are the directories of the packages of the main module or of a
	// local replacement that the app imports (relative to the module
	// directory when inside it), hashed file by file.
	Dirs []string `json:"dirs"`
	// Trees are directories hashed with every file below them: packages
	// that embed files (a pattern may reach into subdirectories) and vendor/.
	Trees []string `json:"trees,omitempty"`
	// Always is set when the app links a local package that uses cgo: the C
	// toolchain and headers are out of reach, so go build decides every time.
	Always bool `json:"always,omitempty"`
}

const recordVersion = 1

// binaryKey returns the key of the app binary described by rec: a hash of
// the toolchain, the build environment and every file rec names.
func (r *Runner) binaryKey(rec binRecord) (string, error) {
	h := newHasher("synthcache binary")
	h.str("version", fmt.Sprint(recordVersion))
	h.str("package", rec.Package)
	h.str("go", runtime.Version()) // go run built this program with the toolchain it uses
	if goBin, err := exec.LookPath("go"); err == nil {
		h.str("go binary", statID(goBin))
	}
	for _, kv := range buildEnv(r.Env) {
		h.str("env", kv)
	}
	if err := h.optionalFile("go env file", goEnvFile(r.Env)); err != nil {
		return "", err
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if err := h.optionalFile(f, filepath.Join(r.ModuleDir, f)); err != nil {
			return "", err
		}
	}
	for _, w := range goWorkFiles(r.ModuleDir, r.Env) {
		if err := h.optionalFile("go.work "+w, w); err != nil {
			return "", err
		}
		if err := h.optionalFile("go.work.sum "+w, w+".sum"); err != nil {
			return "", err
		}
	}
	for _, d := range rec.Dirs {
		if err := h.dir("dir "+d, r.abs(d)); err != nil {
			return "", err
		}
	}
	for _, d := range rec.Trees {
		if err := h.tree(d, r.abs(d), nil); err != nil {
			return "", err
		}
	}
	return h.sum(), nil
}

// statID identifies a file by path, size and modification time.
func statID(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return path + " absent"
	}
	return fmt.Sprintf("%s %d %d", path, fi.Size(), fi.ModTime().UnixNano())
}

// goEnvFile is the file `go env -w` writes (GOENV, default
// os.UserConfigDir()/go/env).
func goEnvFile(env []string) string {
	if p := getenv(env, "GOENV"); p != "" {
		return p
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "go", "env")
	}
	return ""
}

// goWorkFiles returns the go.work file the go command would use in dir:
// GOWORK's, or the first go.work in dir or a parent.
func goWorkFiles(dir string, env []string) []string {
	switch w := getenv(env, "GOWORK"); w {
	case "off":
		return nil
	case "":
	default:
		return []string{w}
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "go.work")
		if _, err := os.Stat(p); err == nil {
			return []string{p}
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

func (r *Runner) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.ModuleDir, p)
}

func (r *Runner) stateFile(name string) string { return filepath.Join(r.StateDir, name) }

func (r *Runner) binPath(key string) string { return r.stateFile("app-" + key[:20]) }

// readRecord returns the record of the last build, if any.
func (r *Runner) readRecord() (binRecord, bool) {
	var rec binRecord
	b, err := os.ReadFile(r.stateFile("app.json"))
	if err != nil || json.Unmarshal(b, &rec) != nil || rec.Version != recordVersion || rec.Package != r.Package {
		return binRecord{}, false
	}
	return rec, true
}

// Binary returns the path of an up-to-date binary of the app and its key,
// building it when an input changed. cacheable is false when the key
// cannot be trusted to describe the binary (an input changed during the
// build, or the app links a cgo package): nothing may then be recorded
// under it.
func (r *Runner) Binary(ctx context.Context) (path, key string, cacheable bool, err error) {
	if rec, ok := r.readRecord(); ok && !rec.Always {
		if k, err := r.binaryKey(rec); err == nil && k == rec.Key {
			if _, err := os.Stat(r.binPath(k)); err == nil {
				return r.binPath(k), k, true, nil
			}
		}
	}
	return r.build(ctx)
}

// build lists and hashes the app's inputs, builds it, and lists and hashes
// them again: the record is written only when both agree, so that a file
// changed during the build makes the next run build again.
func (r *Runner) build(ctx context.Context) (string, string, bool, error) {
	if err := os.MkdirAll(r.StateDir, 0o755); err != nil {
		return "", "", false, err
	}
	_, statErr := os.Stat(r.stateFile("app.json"))
	stop := r.progress(errors.Is(statErr, fs.ErrNotExist))
	defer stop()
	before, beforeErr := r.inputs(ctx)
	var k1 string
	if beforeErr == nil {
		k1, beforeErr = r.binaryKey(before)
	}
	tmp, err := os.CreateTemp(r.StateDir, ".app-*.tmp")
	if err != nil {
		return "", "", false, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := r.goBuild(ctx, tmp.Name()); err != nil {
		return "", "", false, err
	}
	after, err := r.inputs(ctx)
	if err != nil {
		return "", "", false, err
	}
	k2, err := r.binaryKey(after)
	if err != nil {
		return "", "", false, err
	}
	path := r.binPath(k2)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", "", false, err
	}
	stable := beforeErr == nil && k1 == k2 && slices.Equal(before.Dirs, after.Dirs) && !after.Always
	after.Key = k2
	if stable {
		b, _ := json.MarshalIndent(after, "", "  ")
		if err := writeAtomic(r.stateFile("app.json"), append(b, '\n')); err != nil {
			return "", "", false, err
		}
		r.removeOldBinaries(path)
	} else {
		os.Remove(r.stateFile("app.json"))
	}
	return path, k2, stable, nil
}

// removeOldBinaries removes the binaries other than keep (a running one
// stays readable until it exits) and build leftovers older than an hour.
func (r *Runner) removeOldBinaries(keep string) {
	ents, _ := os.ReadDir(r.StateDir)
	for _, e := range ents {
		p := filepath.Join(r.StateDir, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), "app-") && p != keep:
			os.Remove(p)
		case strings.HasPrefix(e.Name(), ".app-") && strings.HasSuffix(e.Name(), ".tmp"):
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > time.Hour {
				os.Remove(p)
			}
		}
	}
}

// listedPackage is what inputs reads of `go list -deps`.
type listedPackage struct {
	ImportPath    string
	Dir           string
	Standard      bool
	Module        *listedModule
	CgoFiles      []string
	EmbedPatterns []string
	Error         *struct{ Err string }
}

type listedModule struct {
	Path    string
	Version string
	Replace *listedModule
}

// inputs lists the packages the app imports and returns the record of
// what its binary is made of (without Key).
func (r *Runner) inputs(ctx context.Context) (binRecord, error) {
	rec := binRecord{Version: recordVersion, Package: r.Package}
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-json=ImportPath,Dir,Standard,Module,CgoFiles,EmbedPatterns,Error", r.Package)
	cmd.Dir, cmd.Env = r.ModuleDir, r.Env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return rec, fmt.Errorf("go list -deps %s: %w: %s", r.Package, err, strings.TrimSpace(stderr.String()))
	}
	dirs, trees := map[string]bool{}, map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return rec, fmt.Errorf("go list -deps %s: %w", r.Package, err)
		}
		if p.Standard || p.Dir == "" {
			continue
		}
		if m := p.Module; m != nil {
			if m.Replace != nil {
				m = m.Replace
			}
			if m.Version != "" {
				continue // an immutable module version, pinned by go.mod and go.sum
			}
		}
		d := p.Dir
		if rel, err := filepath.Rel(r.ModuleDir, d); err == nil && !strings.HasPrefix(rel, "..") {
			d = filepath.ToSlash(rel)
		}
		dirs[d] = true
		if len(p.EmbedPatterns) > 0 {
			trees[d] = true
		}
		if len(p.CgoFiles) > 0 {
			rec.Always = true
		}
	}
	if fi, err := os.Stat(filepath.Join(r.ModuleDir, "vendor")); err == nil && fi.IsDir() {
		trees["vendor"] = true
	}
	for d := range dirs {
		rec.Dirs = append(rec.Dirs, d)
	}
	for d := range trees {
		rec.Trees = append(rec.Trees, d)
	}
	slices.Sort(rec.Dirs)
	slices.Sort(rec.Trees)
	return rec, nil
}

// goBuild builds the app into out.
func (r *Runner) goBuild(ctx context.Context, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-o", out, r.Package)
	cmd.Dir, cmd.Env = r.ModuleDir, r.Env
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", r.Package, err, strings.TrimSpace(string(output)))
	}
	return nil
}

// progress says on Stderr what a build that takes longer than NoticeAfter
// is doing, and every 30 seconds how long it has taken; the returned
// function ends that and, when something was said, tells the total.
func (r *Runner) progress(first bool) (stop func()) {
	start := time.Now()
	done, finished := make(chan struct{}), make(chan struct{})
	said := false
	go func() {
		defer close(finished)
		notice := time.NewTimer(r.NoticeAfter)
		defer notice.Stop()
		tick := time.NewTicker(30 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-notice.C:
				said = true
				if first {
					r.logf("compiling the CDK app (%s) into %s. The first build on a machine downloads the Go modules "+
						"and compiles aws-cdk-go, one very large package: about 3-5 minutes on 2 cores, under a minute "+
						"when the Go build cache is warm. Later builds take seconds; unchanged synths reuse the binary.",
						r.Package, r.rel(r.StateDir))
				} else {
					r.logf("compiling the CDK app (%s): its code or build settings changed", r.Package)
				}
			case <-tick.C:
				if said {
					r.logf("still compiling the CDK app (%s so far)", time.Since(start).Round(time.Second))
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		if said {
			r.logf("compiled the CDK app in %s", time.Since(start).Round(time.Second))
		}
	}
}

func (r *Runner) rel(p string) string {
	if rel, err := filepath.Rel(r.ModuleDir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

// writeAtomic writes data to path through a temp file and a rename.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
