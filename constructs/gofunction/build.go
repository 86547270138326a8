package gofunction

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// BuildFlags are the flags every function is built with: no RPC shim
// (provided.al2023 speaks the Runtime API), reproducible paths, no VCS stamp,
// stripped symbols. They are part of the asset hash.
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w"}

// placeholder starts what an asset's bootstrap holds between staging and the
// end of its build; a line naming the process that stages it follows
// (placeholderFor). A placeholder whose process is gone is a build that
// never finished (the synth was killed): such an asset directory is removed
// at the next synth so that it is built again. One whose process still runs
// belongs to another synth writing to the same output directory, and is
// left alone.
const placeholder = "gofunction: build in progress\n"

// placeholderFor is the placeholder written by this process.
func placeholderFor() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%spid=%d host=%s\n", placeholder, os.Getpid(), host)
}

// placeholderOwner returns the process named in a placeholder, and whether
// that process still runs on this machine. A placeholder without an owner
// (written by an older gofunction) has none that runs.
func placeholderOwner(content string) (pid int, running bool) {
	rest, _ := strings.CutPrefix(content, placeholder)
	var host string
	if n, _ := fmt.Sscanf(strings.TrimSpace(rest), "pid=%d host=%s", &pid, &host); n < 1 {
		return 0, false
	}
	if me, _ := os.Hostname(); host != "" && host != me {
		return pid, true // another machine's synth on a shared disk: not ours to judge
	}
	return pid, pid == os.Getpid() || processRunning(pid)
}

// target is one Go main package to build for one platform.
type target struct {
	moduleDir string // absolute directory holding go.mod
	pkg       string // package path relative to moduleDir, "./functions/api"
	goarch    string // "arm64" or "amd64"
}

// sourceHash returns a hex SHA-256 over everything that decides the binary:
// the Go version, the platform and flags, the files of every package of the
// main module (or of a local replacement) that the entry imports, directly or
// not, and the path@version of every other module it links. Paths are taken
// relative to the module root, so two checkouts at different paths agree.
//
// The packages come from `go list -deps`, asked once per scope (the stage
// whose functions are being defined), module and architecture for the entry
// and every package beside it (./functions/... for ./functions/api): the
// other functions of an app usually sit there, so one go command answers
// for all of them. A nil scope lists the entry alone.
func sourceHash(scope any, t target) (string, error) {
	goVersion, err := goVersionOf(t.moduleDir)
	if err != nil {
		return "", err
	}
	l, err := listingFor(scope, t)
	if err != nil {
		return "", err
	}
	closure, err := l.closure(t)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "go=%s\ngoos=linux\ngoarch=%s\ncgo=0\nflags=%q\ngoflags=%s\n",
		strings.TrimSpace(goVersion), t.goarch, BuildFlags, os.Getenv("GOFLAGS"))
	for _, p := range closure {
		if p.Standard {
			continue // decided by the Go version
		}
		if p.Module == nil {
			return "", fmt.Errorf("package %s is outside any module", p.ImportPath)
		}
		mod := p.Module
		if mod.Replace != nil {
			mod = mod.Replace
		}
		if mod.Version != "" {
			fmt.Fprintf(h, "pkg %s %s@%s\n", p.ImportPath, mod.Path, mod.Version)
			continue
		}
		// A package of the main module or of a local replacement: hash its files.
		fmt.Fprintf(h, "pkg %s go=%s\n", p.ImportPath, mod.GoVersion)
		files := append(append(append(append(append(append([]string{}, p.GoFiles...), p.CgoFiles...), p.SFiles...), p.HFiles...), p.SysoFiles...), p.EmbedFiles...)
		sort.Strings(files)
		for _, f := range files {
			sum, err := l.fileSum(filepath.Join(p.Dir, f))
			if err != nil {
				return "", fmt.Errorf("hash %s: %w", p.ImportPath, err)
			}
			fmt.Fprintf(h, "file %s %x\n", filepath.ToSlash(f), sum)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *listedModule
	GoFiles    []string
	CgoFiles   []string
	SFiles     []string
	HFiles     []string
	SysoFiles  []string
	EmbedFiles []string
	Deps       []string
	Error      *struct{ Err string }
	DepsErrors []*struct{ Err string }
}

type listedModule struct {
	Path      string
	Version   string
	GoVersion string
	Replace   *listedModule
}

// listing is one `go list -e -deps` answer: the listed packages and all
// their dependencies, by import path.
type listing struct {
	modulePath string
	pkgs       map[string]*listedPackage
	mu         sync.Mutex
	sums       map[string][sha256.Size]byte // file hashes, read once per listing
}

type listingKey struct {
	scope             any
	moduleDir, goarch string
	pattern           string
}

// keepListings bounds the listings kept: a process that defines many apps
// (a test binary) lists again for an app it comes back to after that many.
const keepListings = 8

var (
	listingsMu    sync.Mutex
	listings      = map[listingKey]*listing{}
	listingsOrder []listingKey // oldest first
	goListRuns    atomic.Int64 // go list commands run, for tests
)

// listingFor returns the listing that covers t in scope, running go list
// when none does yet.
func listingFor(scope any, t target) (*listing, error) {
	if scope == nil {
		return list(t, t.pkg)
	}
	pattern := t.pkg
	if parent := path.Dir(path.Clean(t.pkg)); parent != "." && !path.IsAbs(parent) {
		pattern = "./" + parent + "/..." // "./" makes it a directory pattern
	}
	k := listingKey{scope, t.moduleDir, t.goarch, pattern}
	listingsMu.Lock()
	defer listingsMu.Unlock()
	if l, ok := listings[k]; ok {
		if _, covered := l.pkgs[l.importPath(t.pkg)]; covered {
			return l, nil
		}
	}
	patterns := []string{t.pkg}
	if pattern != t.pkg {
		patterns = append(patterns, pattern)
	}
	l, err := list(t, patterns...)
	if err != nil {
		return nil, err
	}
	if _, ok := listings[k]; !ok {
		listingsOrder = append(listingsOrder, k)
	}
	listings[k] = l
	for len(listingsOrder) > keepListings {
		delete(listings, listingsOrder[0])
		listingsOrder = listingsOrder[1:]
	}
	return l, nil
}

// list runs `go list -e -deps` for patterns in t's module and architecture.
func list(t target, patterns ...string) (*listing, error) {
	modPath, err := modulePathOf(t.moduleDir)
	if err != nil {
		return nil, err
	}
	args := append([]string{"list", "-e", "-deps", "-tags", "lambda.norpc",
		"-json=ImportPath,Dir,Standard,Module,GoFiles,CgoFiles,SFiles,HFiles,SysoFiles,EmbedFiles,Deps,Error,DepsErrors"}, patterns...)
	goListRuns.Add(1)
	out, err := goOutput(t.moduleDir, buildEnv(t.goarch), args...)
	if err != nil {
		return nil, err
	}
	l := &listing{modulePath: modPath, pkgs: map[string]*listedPackage{}, sums: map[string][sha256.Size]byte{}}
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("read go list output for %s: %w", strings.Join(patterns, " "), err)
		}
		l.pkgs[p.ImportPath] = &p
	}
	return l, nil
}

// importPath is the import path of pkg, a directory relative to the
// module root ("./functions/api").
func (l *listing) importPath(pkg string) string {
	rel := strings.TrimPrefix(path.Clean(pkg), "./")
	if rel == "." {
		return l.modulePath
	}
	return l.modulePath + "/" + rel
}

// closure returns t's package and every package it depends on, sorted by
// import path, or the first error go list reported for any of them.
func (l *listing) closure(t target) ([]*listedPackage, error) {
	root, ok := l.pkgs[l.importPath(t.pkg)]
	if !ok {
		return nil, fmt.Errorf("go list did not list %s", t.pkg)
	}
	if root.Error != nil {
		return nil, fmt.Errorf("package %s: %s", root.ImportPath, root.Error.Err)
	}
	for _, e := range root.DepsErrors {
		return nil, fmt.Errorf("package %s: %s", root.ImportPath, e.Err)
	}
	out := []*listedPackage{root}
	for _, ip := range root.Deps {
		p, ok := l.pkgs[ip]
		if !ok {
			return nil, fmt.Errorf("package %s: go list did not list its dependency %s", root.ImportPath, ip)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("package %s: %s", p.ImportPath, p.Error.Err)
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ImportPath < out[j].ImportPath })
	return out, nil
}

// fileSum returns the SHA-256 of the file at path, read once per listing.
func (l *listing) fileSum(path string) ([sha256.Size]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.sums[path]; ok {
		return s, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	s := sha256.Sum256(data)
	l.sums[path] = s
	return s, nil
}

// modulePathOf returns the module path declared in dir/go.mod.
func modulePathOf(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			if p := strings.Trim(strings.TrimSpace(rest), `"`); p != "" {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%s has no module line", filepath.Join(dir, "go.mod"))
}

var goVersions sync.Map // module directory -> GOVERSION (go.mod's toolchain line may choose it)

// goVersionOf returns `go env GOVERSION` in dir, asked once per process.
func goVersionOf(dir string) (string, error) {
	if v, ok := goVersions.Load(dir); ok {
		return v.(string), nil
	}
	v, err := goOutput(dir, os.Environ(), "env", "GOVERSION")
	if err != nil {
		return "", err
	}
	goVersions.Store(dir, v)
	return v, nil
}

// buildEnv is the environment of go list and go build for a Lambda binary.
func buildEnv(goarch string) []string {
	return append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
}

func goOutput(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// builder runs the builds of all functions staged in this process. Staging
// (TryBundle) only registers a build; the first function whose build result
// is needed (at synth, when the construct tree is validated) starts one
// `go build` per module and architecture for every build registered so far.
// One go command compiles shared packages once and builds the packages in
// parallel, so five functions cost little more than one. (Starting each build
// at staging, to overlap it with the rest of construction, was measured
// slower on a loaded 2-core machine: the compiler took the CPU the jsii
// round trips of construction wait for.)
type builder struct {
	mu      sync.Mutex
	pending map[batchKey][]*build
	byAsset map[string]*build // by asset directory: the latest build registered for it
}

type batchKey struct{ moduleDir, goarch string }

// build is one function's binary on its way into an asset directory.
type build struct {
	target
	assetDir string // final asset directory; receives bootstrap
	done     chan struct{}
	err      error
}

var builds = &builder{pending: map[batchKey][]*build{}, byAsset: map[string]*build{}}

// register queues a build whose binary goes to assetDir/bootstrap.
func (b *builder) register(t target, assetDir string) *build {
	bd := &build{target: t, assetDir: assetDir, done: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	k := batchKey{t.moduleDir, t.goarch}
	b.pending[k] = append(b.pending[k], bd)
	b.byAsset[assetDir] = bd
	return bd
}

// lookup returns the build registered for assetDir, or nil when none was:
// the asset directory already existed, so CDK did not bundle it again.
func (b *builder) lookup(assetDir string) *build {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byAsset[assetDir]
}

// wait returns bd's result, starting the batch that holds bd if it has not
// started yet. Safe for concurrent use.
func (b *builder) wait(bd *build) error {
	b.mu.Lock()
	k := batchKey{bd.moduleDir, bd.goarch}
	batch := b.pending[k]
	queued := false
	for _, x := range batch {
		queued = queued || x == bd
	}
	if queued {
		delete(b.pending, k)
	}
	b.mu.Unlock()
	if queued {
		runBatch(batch)
	}
	<-bd.done
	return bd.err
}

// runBatch builds every target of one module and architecture with as few go
// commands as possible: one per set of packages whose directory names differ
// (go build -o DIR/ names each binary after its package directory).
func runBatch(batch []*build) {
	for len(batch) > 0 {
		seen := map[string]bool{}
		var now, later []*build
		for _, bd := range batch {
			if name := filepath.Base(bd.pkg); !seen[name] {
				seen[name] = true
				now = append(now, bd)
			} else {
				later = append(later, bd)
			}
		}
		scratch, err := goBuild(now)
		for _, bd := range now {
			bd.err = err
			if err == nil {
				bd.err = install(filepath.Join(scratch, filepath.Base(bd.pkg)), bd.assetDir)
			}
			if bd.err != nil {
				os.RemoveAll(bd.assetDir) // so that the next synth builds it again
			}
			close(bd.done)
		}
		if scratch != "" {
			os.RemoveAll(scratch)
		}
		batch = later
	}
}

// goBuild compiles the batch into a new scratch directory beside the first
// asset directory (same file system, so install is a rename) and returns it.
func goBuild(batch []*build) (string, error) {
	scratch, err := os.MkdirTemp(filepath.Dir(batch[0].assetDir), fmt.Sprintf(".gofunction-build-%d-", os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("create build directory: %w", err)
	}
	pkgs := make([]string, len(batch))
	for i, bd := range batch {
		pkgs[i] = bd.pkg
	}
	args := append(append([]string{"build", "-o", scratch + string(filepath.Separator)}, BuildFlags...), pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = batch[0].moduleDir
	cmd.Env = buildEnv(batch[0].goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(scratch)
		return "", fmt.Errorf("go build %s (GOOS=linux GOARCH=%s) in %s: %w\n%s",
			strings.Join(pkgs, " "), batch[0].goarch, batch[0].moduleDir, err, strings.TrimSpace(string(out)))
	}
	return scratch, nil
}

// install moves a built binary into assetDir as an executable bootstrap,
// replacing the placeholder atomically.
func install(binary, assetDir string) error {
	if err := os.Chmod(binary, 0o755); err != nil {
		return fmt.Errorf("install %s: %w", binary, err)
	}
	if err := os.MkdirAll(assetDir, 0o755); err != nil {
		return fmt.Errorf("install %s: %w", binary, err)
	}
	if err := os.Rename(binary, filepath.Join(assetDir, "bootstrap")); err != nil {
		return fmt.Errorf("install %s: %w", binary, err)
	}
	return nil
}

// writePlaceholder marks dir as an asset whose build has not finished yet.
func writePlaceholder(dir string) error {
	return os.WriteFile(filepath.Join(dir, "bootstrap"), []byte(placeholderFor()), 0o755)
}

var swept sync.Map // asset output directories already swept in this process

// sweepUnfinished removes, once per process and directory, asset directories
// of outdir whose bootstrap is still the placeholder of a process that is
// gone: builds of an earlier synth that was killed before they finished
// (CDK skips bundling when an asset's directory exists, so such a leftover
// would otherwise be deployed), and the scratch directories of such builds.
// What another running synth stages in the same directory stays.
func sweepUnfinished(outdir string) {
	if _, loaded := swept.LoadOrStore(outdir, true); loaded {
		return
	}
	matches, _ := filepath.Glob(filepath.Join(outdir, "asset.*", "bootstrap"))
	for _, m := range matches {
		if content, ok := readPlaceholder(m); ok {
			if _, running := placeholderOwner(content); !running {
				os.RemoveAll(filepath.Dir(m))
			}
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(outdir, ".gofunction-build-*"))
	for _, l := range leftovers {
		var pid int
		if _, err := fmt.Sscanf(strings.TrimPrefix(filepath.Base(l), ".gofunction-build-"), "%d-", &pid); err == nil &&
			(pid == os.Getpid() || processRunning(pid)) {
			continue
		}
		os.RemoveAll(l)
	}
}

// readPlaceholder returns the content of the file at path when it is a
// placeholder bootstrap.
func readPlaceholder(path string) (string, bool) {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() > 512 {
		return "", false
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(data), placeholder) {
		return "", false
	}
	return string(data), true
}

// absPath returns path made absolute and clean (path itself if that fails),
// so that paths CDK hands over and paths computed here compare equal.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

// moduleRoot returns the absolute directory of the go.mod that holds dir.
func moduleRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or any parent", abs)
		}
	}
}
