package localrun

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/example/orderflow/tools/findup"
	"github.com/example/orderflow/tools/moto"
)

// The Lambda Runtime Interface Emulator, pinned. The Makefile's RIE_VERSION
// must match (a test checks it).
const (
	RIEPackage = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
	RIEVersion = "v0.0.0-20261030222936-bef5c4ba774d"
)

// BuildFlags are the go build flags of a function, as deployed (see
// gofunction.BuildFlags; a test keeps the two equal), with CGO_ENABLED=0.
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w"}

// ModuleRoot returns the directory holding go.mod, searching upward from dir.
func ModuleRoot(dir string) (string, error) { return findup.Dir(dir, "go.mod") }

// Build builds the main package in root/dir (functions/<name>,
// bench/hello) with the deployment's flags (BuildFlags, CGO_ENABLED=0) into
// outDir/bootstrap and returns its path: for linux/goarch, or for this
// machine when goarch is "".
func Build(ctx context.Context, root, dir, goarch, outDir string) (string, error) {
	if _, err := os.Stat(filepath.Join(root, dir, "main.go")); err != nil {
		return "", fmt.Errorf("no function in %s: %w", dir, err)
	}
	out := filepath.Join(outDir, "bootstrap")
	args := append(append([]string{"build"}, BuildFlags...), "-o", out, "./"+filepath.ToSlash(dir))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if goarch != "" {
		cmd.Env = append(cmd.Env, "GOOS=linux", "GOARCH="+goarch)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", dir, err, b)
	}
	return out, nil
}

// FindRIE returns rie when it is a file (make installs it into
// bin/aws-lambda-rie); otherwise it installs RIEPackage@RIEVersion into dir
// with `go install` (a first build takes about half a minute), saying so
// on log, and returns that.
func FindRIE(ctx context.Context, rie, dir string, log io.Writer) (string, error) {
	if fi, err := os.Stat(rie); err == nil && fi.Mode().IsRegular() {
		return rie, nil
	}
	fmt.Fprintf(log, "installing %s@%s (not found at %s)\n", RIEPackage, RIEVersion, rie)
	cmd := exec.CommandContext(ctx, "go", "install", RIEPackage+"@"+RIEVersion)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("install %s@%s: %w\n%s", RIEPackage, RIEVersion, err, b)
	}
	return filepath.Join(dir, "aws-lambda-rie"), nil
}

// Env returns the complete environment of f under the emulator: PATH, f's
// variables, AWS_REGION, dummy credentials (no shared config files, no
// instance metadata), the Lambda settings the emulator and the logging
// package read, and the local AWS endpoint (AWS_ENDPOINT_URL, every
// service; none when empty). Nothing else of this process's
// environment leaks in (no real credentials, no AWS_PROFILE).
func (f Function) Env(region, endpoint string) []string {
	env := map[string]string{
		"PATH":                            os.Getenv("PATH"),
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"AWS_ACCESS_KEY_ID":               moto.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           moto.SecretAccessKey,
		"AWS_CONFIG_FILE":                 os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE":     os.DevNull,
		"AWS_EC2_METADATA_DISABLED":       "true",
		"AWS_LAMBDA_FUNCTION_NAME":        f.FunctionName,
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(f.Timeout),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.MemorySize),
	}
	for k, v := range map[string]string{"AWS_LAMBDA_LOG_LEVEL": f.LogLevel, "AWS_LAMBDA_LOG_FORMAT": f.LogFormat, "AWS_ENDPOINT_URL": endpoint} {
		if v != "" {
			env[k] = v
		}
	}
	maps.Copy(env, f.Environment)
	var out []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// Emulator is a function running under aws-lambda-rie on loopback ports. It
// serves one invocation at a time: Invoke serializes callers.
type Emulator struct {
	// URL is the emulator's invocation URL.
	URL  string
	proc *process
	mu   sync.Mutex
}

// StartEmulator starts bootstrap under the emulator rie with environment env
// (see Function.Env), both of its addresses on free loopback ports, and waits
// until it listens. The function itself starts at the first invocation.
func StartEmulator(ctx context.Context, rie, bootstrap string, env []string) (*Emulator, error) {
	rie, err := filepath.Abs(rie)
	if err != nil {
		return nil, err
	}
	if bootstrap, err = filepath.Abs(bootstrap); err != nil {
		return nil, err
	}
	addrs, err := freeAddrs(2)
	if err != nil {
		return nil, err
	}
	proc, err := startProcess(filepath.Dir(bootstrap), env, rie,
		"--runtime-interface-emulator-address", addrs[0],
		"--runtime-api-address", addrs[1],
		bootstrap)
	if err != nil {
		return nil, err
	}
	if err := proc.waitListening(ctx, addrs[0], 10*time.Second); err != nil {
		proc.Stop(0)
		return nil, err
	}
	return &Emulator{URL: "http://" + addrs[0] + "/2015-03-31/functions/function/invocations", proc: proc}, nil
}

// Invocation is the outcome of one invocation.
type Invocation struct {
	// Status is the emulator's HTTP status: 200 for a response and for a
	// function error (errorMessage, errorType); 502 for a crash or a failed
	// init; 200 with plain text for a timeout.
	Status int
	// Body is the function's response.
	Body []byte
	// Logs is what the function and the emulator printed during it.
	Logs string
	// Duration is the round trip of the invocation, as the client saw it.
	Duration time.Duration
}

// FunctionError reports whether the body is a function error
// ({"errorMessage":...,"errorType":...}) or the status is not 200.
func (i Invocation) FunctionError() bool {
	return i.Status != http.StatusOK || bytes.HasPrefix(i.Body, []byte(`{"errorMessage"`)) || bytes.HasPrefix(i.Body, []byte(`{"errorType"`))
}

// Invoke sends payload to the function with request ID requestID (the
// Lambda context's AwsRequestID; "": a new UUID) and returns its response and
// the logs printed meanwhile. A function error is not an error here: see
// Invocation.FunctionError.
func (e *Emulator) Invoke(ctx context.Context, requestID string, payload []byte) (Invocation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if requestID == "" {
		requestID = uuid.NewString()
	} else if strings.ContainsAny(requestID, "/?#% ") {
		return Invocation{}, fmt.Errorf("request ID %q: it goes into Runtime API paths, so no /?#%% or space", requestID)
	}
	select {
	case <-e.proc.Done():
		return Invocation{}, fmt.Errorf("emulator exited (%v); output:\n%s", e.proc.Err(), e.proc.out)
	default:
	}
	start := e.proc.out.Len()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(payload))
	if err != nil {
		return Invocation{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amzn-RequestId", requestID)
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Invocation{Logs: e.proc.out.since(start)}, fmt.Errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	took := time.Since(t0)
	if err != nil {
		return Invocation{Logs: e.proc.out.since(start)}, fmt.Errorf("read invocation response: %w", err)
	}
	// The emulator prints REPORT after the function's own lines; output
	// reaches the buffer through a pipe, so wait (briefly) for that line.
	report := "REPORT RequestId: " + requestID
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline) && !strings.Contains(e.proc.out.since(start), report); {
		time.Sleep(5 * time.Millisecond)
	}
	return Invocation{Status: resp.StatusCode, Body: body, Logs: e.proc.out.since(start), Duration: took}, nil
}

// Logs returns everything the function and the emulator printed so far.
func (e *Emulator) Logs() string { return e.proc.out.String() }

// Stop stops the emulator and the function.
func (e *Emulator) Stop() { e.proc.Stop(0) }
