// Package moto starts moto's server, the one local AWS of the dev tooling
// (DynamoDB with conditional writes and ReturnValuesOnConditionCheckFailure,
// S3, SQS in the SDK's JSON protocol, SNS, EventBridge, CloudFormation,
// Lambda, IAM, ...), on a free port of 127.0.0.1, through motolaunch.py,
// which also teaches moto's CloudFormation what the CDK's templates need.
// Used by tools/localrun (make invoke, make api, make local-services),
// test/integration and bench (make test, make bench), and the deploy
// rehearsal, tools/deploylocal (make deploy-local, make test). The server
// stops on Stop and when the tool that started it dies.
package moto

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/example/orderflow/tools/procgroup"
)

// Version is the moto release the launcher is written against; the
// Makefile installs exactly this one (moto[server]==Version) where moto is
// missing.
const Version = "5.2.1"

// LauncherPath is the launcher script, relative to the project root.
const LauncherPath = "tools/moto/motolaunch.py"

// VenvDir is where `make` installs moto when the system Python has none,
// relative to the project root.
const VenvDir = ".build/moto"

// ErrNotInstalled means no Python with moto was found: the error of
// FindPython and Start wraps it.
var ErrNotInstalled = errors.New("moto is not installed")

// FindPython returns a Python interpreter that imports moto, and moto's
// version: $MOTO_PYTHON when set, else the project's VenvDir, else python3
// on PATH. The error wraps ErrNotInstalled when none does.
func FindPython(ctx context.Context, root string) (python, version string, err error) {
	candidates := []string{filepath.Join(root, VenvDir, "bin", "python")}
	if p := os.Getenv("MOTO_PYTHON"); p != "" {
		candidates = []string{p}
	} else if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, p := range candidates {
		out, err := exec.CommandContext(ctx, p, "-c", "import moto.server, flask; print(moto.__version__)").Output()
		if err == nil {
			return p, strings.TrimSpace(string(out)), nil
		}
	}
	return "", "", fmt.Errorf("%w (tried %s; moto[server] with Flask): `make deploy-local` installs moto[server]==%s into %s",
		ErrNotInstalled, strings.Join(candidates, ", "), Version, VenvDir)
}

// Dummy credentials: moto accepts any, and these can reach nothing else.
const (
	AccessKeyID     = "AKIALOCALMOTO0000000"
	SecretAccessKey = "local-moto-dummy-secret-not-a-real-key"
)

// Config is an AWS SDK configuration for the server at endpoint (Endpoint,
// or Localhost for what the CDK CLI deployed): region, the dummy
// credentials, nothing read from the environment or ~/.aws, no proxy.
func Config(region, endpoint string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}},
	}
}

// Server is a running moto server.
type Server struct {
	// Endpoint is http://127.0.0.1:PORT. Against an IP address the SDK's S3
	// clients (the functions' too) use path-style addressing, as they must
	// here (bucket.localhost resolves nowhere).
	Endpoint string
	// Version of moto.
	Version string
	port    int
	proc    *procgroup.Proc
	stdin   io.Closer
}

// Localhost is http://localhost:PORT, the endpoint for the CDK CLI: moto
// reads a TemplateURL's bucket from its host unless that is localhost.
func (m *Server) Localhost() string { return fmt.Sprintf("http://localhost:%d", m.port) }

// Start starts moto with python ("": FindPython's) through root's
// launcher (LauncherPath), its log in logPath, and waits until it listens.
// Stop it with Stop; it also stops when this program dies.
func Start(ctx context.Context, root, python, logPath string) (*Server, error) {
	if python == "" {
		var err error
		if python, _, err = FindPython(ctx, root); err != nil {
			return nil, err
		}
	}
	return start(ctx, python, filepath.Join(root, LauncherPath), logPath, 2*time.Minute)
}

// start runs launcher with python on a free port of 127.0.0.1, its output
// appended to logPath, and waits until it listens (at most timeout).
func start(ctx context.Context, python, launcher, logPath string, timeout time.Duration) (*Server, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, launcher, "--port", "0")
	cmd.Stderr = logFile
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1")
	stdin, err1 := cmd.StdinPipe() // the launcher exits when this closes
	stdout, err2 := cmd.StdoutPipe()
	m := &Server{stdin: stdin}
	if err = errors.Join(err1, err2); err == nil {
		m.proc, err = procgroup.Start(cmd)
	}
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s %s: %w", python, launcher, err)
	}
	go func() {
		<-m.proc.Done()
		logFile.Close()
	}()
	ready := make(chan error, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, err := r.ReadString('\n')
		var hello struct {
			Port int    `json:"port"`
			Moto string `json:"moto"`
		}
		switch {
		case err != nil:
			ready <- fmt.Errorf("launcher exited before listening (see %s)", logPath)
			return
		case json.Unmarshal([]byte(line), &hello) != nil || hello.Port == 0:
			ready <- fmt.Errorf("launcher said %q, want {\"port\": N, ...}", line)
			return
		}
		m.Endpoint, m.Version, m.port = fmt.Sprintf("http://127.0.0.1:%d", hello.Port), hello.Moto, hello.Port
		ready <- nil
		_, _ = io.Copy(logFile, r)
	}()
	select {
	case err = <-ready:
	case <-time.After(timeout):
		err = fmt.Errorf("launcher not listening after %s (see %s)", timeout, logPath)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		m.Stop()
		return nil, err
	}
	return m, nil
}

// Stop stops the server and waits for it to exit; it is safe to call more
// than once.
func (m *Server) Stop() {
	m.stdin.Close()
	m.proc.Stop(5 * time.Second)
}

// Report is what the launcher taught moto's CloudFormation or stood in for
// (see motolaunch.py).
type Report struct {
	Taught   []Resource `json:"taught"`
	StandIns []Resource `json:"standIns"`
	// Fixes are the properties of types moto supports that its
	// CloudFormation drops, which the launcher applies itself.
	Fixes []Fix `json:"fixes"`
}

// Fix is one property the launcher applies for moto.
type Fix struct {
	Type     string `json:"type"`
	Property string `json:"property"`
}

// Resource is one resource the launcher handled.
type Resource struct {
	StackName string `json:"stackName"`
	LogicalID string `json:"logicalId"`
	Type      string `json:"type"`
}

// Report asks the launcher what it taught moto or stood in for so far.
func (m *Server) Report(ctx context.Context) (*Report, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.Endpoint+"/_deploylocal/report", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r Report
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("launcher report: %w", err)
	}
	return &r, nil
}
