package synthcache

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/example/orderflow/tools/assembly"
	"github.com/example/orderflow/tools/findup"
	"golang.org/x/mod/modfile"
)

// CacheDir is the folder, inside the output folder, that holds the cached
// cloud assemblies: removing the output folder removes them too.
const CacheDir = ".synthcache"

// recordVersion changes when the key or the entries change meaning: entries
// of another version are not reused.
const recordVersion = 2

// keepEntries is how many cloud assemblies stay cached (the newest), e.g.
// two stages synthesized through make and through npx.
const keepEntries = 6

// cache is the assembly cache of one output folder.
type cache struct {
	r      *Runner
	outdir string // absolute
}

func (c *cache) dir() string { return filepath.Join(c.outdir, CacheDir) }

// key returns the key of a run of the app: every input it reads and every
// input of its build (see the package doc).
func (c *cache) key() (string, error) {
	r := c.r
	h := newHasher("synthcache assembly")
	h.str("version", fmt.Sprint(recordVersion))
	goBin, _ := lookPath("go", getenv(r.Env, "PATH"))
	h.str("go", statID(cmp.Or(goBin, "go")))
	h.optionalFile("go env file", goEnvFile(r.Env))
	if w := goWorkFile(r.ModuleDir, r.Env); w != "" {
		h.optionalFile("go.work "+w, w)
		h.optionalFile("go.work.sum "+w, w+".sum")
	}
	h.str("working directory", r.Dir)
	h.str("outdir", c.outdir)
	for i, a := range r.Args {
		h.str(fmt.Sprint("arg ", i), a)
	}
	for _, kv := range keyedEnv(r.Env) {
		h.str("env", kv)
	}
	for _, v := range contextOverflowVars {
		if p := getenv(r.Env, v); p != "" {
			if !filepath.IsAbs(p) {
				p = filepath.Join(r.Dir, p)
			}
			h.optionalFile("context file "+v, p)
		}
	}
	h.str("node", nodeID(r.Env))
	skip := map[string]bool{c.outdir: true, r.StateDir: true}
	if err := errors.Join(h.err, h.tree("module", r.ModuleDir, skip)); err != nil {
		return "", err
	}
	for _, d := range localDirs(r.ModuleDir, r.Env) {
		if !under(d, r.ModuleDir) {
			if err := h.tree(d, d, skip); err != nil {
				return "", err
			}
		}
	}
	return h.sum(), nil
}

// nodeID identifies the Node binary jsii runs the CDK on: JSII_NODE, or
// node on PATH.
func nodeID(env []string) string {
	node := cmp.Or(getenv(env, "JSII_NODE"), "node")
	if !strings.ContainsRune(node, filepath.Separator) {
		p, err := lookPath(node, getenv(env, "PATH"))
		if err != nil {
			return node + " not found"
		}
		node = p
	}
	id := statID(node)
	if real, err := filepath.EvalSymlinks(node); err == nil && real != node {
		id += " -> " + statID(real)
	}
	return id
}

// lookPath finds an executable named file in the directories of path.
func lookPath(file, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		dir = cmp.Or(dir, ".")
		p := filepath.Join(dir, file)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// localDirs returns the directories of local module replacements in go.mod
// and of the modules of go.work: their files are inputs too (a function
// may build from them).
func localDirs(moduleDir string, env []string) []string {
	var dirs []string
	add := func(base, p string) {
		if modfile.IsDirectoryPath(p) {
			if !filepath.IsAbs(p) {
				p = filepath.Join(base, p)
			}
			dirs = append(dirs, filepath.Clean(p))
		}
	}
	if b, err := os.ReadFile(filepath.Join(moduleDir, "go.mod")); err == nil {
		if f, err := modfile.Parse("go.mod", b, nil); err == nil {
			for _, r := range f.Replace {
				add(moduleDir, r.New.Path)
			}
		}
	}
	w := goWorkFile(moduleDir, env)
	if b, err := os.ReadFile(w); err == nil && w != "" {
		if f, err := modfile.ParseWork(w, b, nil); err == nil {
			for _, u := range f.Use {
				add(filepath.Dir(w), u.Path)
			}
		}
	}
	slices.Sort(dirs)
	return slices.Compact(dirs)
}

// stamp identifies a file's content cheaply: size, modification time, mode.
type stamp struct {
	Size  int64       `json:"size"`
	MTime int64       `json:"mtime"` // UnixNano
	Mode  fs.FileMode `json:"mode"`
}

func stampOf(fi fs.FileInfo) stamp {
	return stamp{Size: fi.Size(), MTime: fi.ModTime().UnixNano(), Mode: fi.Mode()}
}

// snapshot returns the stamps of the files of the output folder the app
// may write: everything but asset directories (asset.*), the cache, lock
// files of the CLI and the run's performance counters and error files.
func (c *cache) snapshot() (map[string]stamp, error) {
	skip := map[string]bool{}
	for _, v := range []string{envPerfCounters, envErrorFile} {
		if p := getenv(c.r.Env, v); p != "" {
			if !filepath.IsAbs(p) {
				p = filepath.Join(c.r.Dir, p)
			}
			skip[filepath.Clean(p)] = true
		}
	}
	out := map[string]stamp{}
	err := filepath.WalkDir(c.outdir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		name := d.Name()
		if p != c.outdir && (strings.HasPrefix(name, "asset.") || name == CacheDir || strings.HasPrefix(name, ".gofunction-build-")) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || strings.HasSuffix(name, ".lock") || skip[p] {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if fi.Mode().IsRegular() {
			rel, _ := filepath.Rel(c.outdir, p)
			out[filepath.ToSlash(rel)] = stampOf(fi)
		}
		return nil
	})
	return out, err
}

// entry is one cached cloud assembly: <outdir>/.synthcache/<key>/meta.json
// and files/.
type entry struct {
	Version int       `json:"version"`
	Key     string    `json:"key"`
	Created time.Time `json:"created"`
	// Files are the files the app wrote, relative to the output folder.
	Files []cachedFile `json:"files"`
	// Assets are the asset files and directories the assembly refers to
	// that the run did not write (built by an earlier run): each must still
	// be as it was for the entry to be reused.
	Assets []cachedAsset `json:"assets"`
	Stdout []byte        `json:"stdout,omitempty"`
	Stderr []byte        `json:"stderr,omitempty"`
}

type cachedFile struct {
	Path   string      `json:"path"`
	SHA256 string      `json:"sha256"`
	Mode   fs.FileMode `json:"mode"`
}

type cachedAsset struct {
	Path  string           `json:"path"`  // relative to the output folder, or absolute
	Files map[string]stamp `json:"files"` // by path relative to Path ("." for a file asset)
}

// record caches the files the app wrote since before, and the stamps of
// the assets they refer to, under key.
func (c *cache) record(key string, before map[string]stamp, out output) error {
	after, err := c.snapshot()
	if err != nil {
		return err
	}
	var produced []string
	for p, st := range after {
		if old, ok := before[p]; !ok || old != st {
			produced = append(produced, p)
		}
	}
	slices.Sort(produced)
	if !slices.Contains(produced, assembly.ManifestFile) {
		return errors.New("the app wrote no manifest.json")
	}
	e := entry{Version: recordVersion, Key: key, Created: c.r.now().UTC(), Stdout: out.Stdout, Stderr: out.Stderr}
	if err := os.MkdirAll(c.dir(), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(c.dir(), ".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, p := range produced {
		data, err := os.ReadFile(filepath.Join(c.outdir, filepath.FromSlash(p)))
		if err != nil {
			return err
		}
		dst := filepath.Join(tmp, "files", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
		e.Files = append(e.Files, cachedFile{Path: p, SHA256: digest(data), Mode: after[p].Mode.Perm()})
	}
	if e.Assets, err = c.assets(produced); err != nil {
		return err
	}
	meta, _ := json.MarshalIndent(e, "", "  ") // plain data: it cannot fail
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), meta, 0o644); err != nil {
		return err
	}
	// An entry dir for key is never modified in place: replace it whole.
	final := filepath.Join(c.dir(), key)
	old := final + ".old-" + filepath.Base(tmp)
	if err := os.Rename(final, old); err == nil {
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	c.evict()
	return nil
}

// assets returns the asset files and directories the assembly's asset
// manifests refer to (assembly.Assets) that the run did not write itself.
func (c *cache) assets(produced []string) ([]cachedAsset, error) {
	asm, err := assembly.Read(c.outdir)
	if err != nil {
		return nil, err
	}
	all, err := asm.Assets()
	if err != nil {
		return nil, err
	}
	var out []cachedAsset
	for _, a := range all {
		abs, path := filepath.Clean(a.Path), filepath.Clean(a.Path)
		if rel, err := filepath.Rel(c.outdir, abs); err == nil && !strings.HasPrefix(rel, "..") {
			path = filepath.ToSlash(rel)
		}
		if a.Path == "" || slices.Contains(produced, path) || len(out) > 0 && out[len(out)-1].Path == path {
			continue
		}
		files, err := stampTree(abs)
		if err != nil {
			return nil, fmt.Errorf("asset %s: %w", a.Path, err)
		}
		out = append(out, cachedAsset{Path: path, Files: files})
	}
	return out, nil
}

// stampTree returns the stamps of the file at root or of every file below
// it, by path relative to root.
func stampTree(root string) (map[string]stamp, error) {
	out := map[string]stamp{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.IsDir() && p != root:
			out[filepath.ToSlash(rel)+"/"] = stamp{Mode: fi.Mode().Type()}
		case !d.IsDir():
			out[filepath.ToSlash(rel)] = stampOf(fi)
		}
		return nil
	})
	return out, err
}

func (a cachedAsset) abs(outdir string) string {
	if filepath.IsAbs(a.Path) {
		return a.Path
	}
	return filepath.Join(outdir, filepath.FromSlash(a.Path))
}

// lookup returns the entry cached under key when every asset it refers to
// is still as it was recorded.
func (c *cache) lookup(key string) (entry, bool) {
	var e entry
	b, err := os.ReadFile(filepath.Join(c.dir(), key, "meta.json"))
	if err != nil || json.Unmarshal(b, &e) != nil || e.Version != recordVersion || e.Key != key {
		return entry{}, false
	}
	for _, a := range e.Assets {
		if now, err := stampTree(a.abs(c.outdir)); err != nil || !maps.Equal(now, a.Files) {
			return entry{}, false
		}
	}
	return e, true
}

// restore puts the entry's files back into the output folder, replays what
// the app printed, and says so.
func (c *cache) restore(e entry) error {
	dir := filepath.Join(c.dir(), e.Key, "files")
	data := make([][]byte, len(e.Files))
	for i, f := range e.Files {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return err
		}
		if digest(b) != f.SHA256 {
			return fmt.Errorf("cached %s is corrupt", f.Path)
		}
		data[i] = b
	}
	for i, f := range e.Files {
		dst := filepath.Join(c.outdir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := writeAtomic(dst, data[i]); err != nil {
			return err
		}
		_ = os.Chmod(dst, f.Mode|0o200)
	}
	now := c.r.now()
	_ = os.Chtimes(filepath.Join(c.dir(), e.Key), now, now) // most recently used
	rel := c.r.rel(c.dir())
	c.r.logf("no input of the app changed since the synth of %s: its cloud assembly was put back from %s (%s=off runs the app)",
		e.Created.Local().Format("2006-01-02 15:04:05"), rel, EnvCache)
	if len(e.Stdout) > 0 {
		_, _ = c.r.Stdout.Write(e.Stdout)
	}
	_, _ = c.r.Stderr.Write(withoutBundling(e.Stderr))
	return nil
}

// withoutBundling drops the CDK's "Bundling asset ..." progress lines: the
// recorded run built those assets, this one builds nothing.
func withoutBundling(b []byte) []byte {
	var out []byte
	for line := range bytes.Lines(b) {
		if !bytes.HasPrefix(line, []byte("Bundling asset ")) {
			out = append(out, line...)
		}
	}
	return out
}

// evict removes all but the keepEntries most recently used entries, and
// leftovers of interrupted writes older than an hour.
func (c *cache) evict() {
	ents, err := os.ReadDir(c.dir())
	if err != nil {
		return
	}
	type used struct {
		path string
		at   time.Time
	}
	var entries []used
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil || !e.IsDir() {
			continue
		}
		p := filepath.Join(c.dir(), e.Name())
		if strings.HasPrefix(e.Name(), ".") || strings.Contains(e.Name(), ".old-") {
			if time.Since(fi.ModTime()) > time.Hour {
				os.RemoveAll(p)
			}
			continue
		}
		entries = append(entries, used{p, fi.ModTime()})
	}
	slices.SortFunc(entries, func(a, b used) int { return b.at.Compare(a.at) })
	for _, e := range entries[min(len(entries), keepEntries):] {
		os.RemoveAll(e.path)
	}
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

// goWorkFile returns the go.work file the go command would use in dir:
// GOWORK's, or the first go.work in dir or a parent; "" for none.
func goWorkFile(dir string, env []string) string {
	switch w := getenv(env, "GOWORK"); w {
	case "off":
		return ""
	case "":
	default:
		return w
	}
	if d, err := findup.Dir(dir, "go.work"); err == nil {
		return filepath.Join(d, "go.work")
	}
	return ""
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
	_, err = tmp.Write(data)
	if err = errors.Join(err, tmp.Close(), os.Chmod(tmp.Name(), 0o644)); err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
