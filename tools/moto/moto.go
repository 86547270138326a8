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

	"github.com/example/orderflow/tools/procgroup"
)

// MotoVersion is the moto release the launcher is written against; the
// Makefile installs exactly this one (moto[server]==MotoVersion) where moto
// is missing.
const MotoVersion = "5.2.1"

// LauncherPath is the launcher script, relative to the project root.
const LauncherPath = "tools/moto/motolaunch.py"

// VenvDir is where `make` installs moto when the system Python has none,
// relative to the project root.
const VenvDir = ".build/moto"

// ErrNoMoto means no Python with moto was found: FindPython's error wraps it.
var ErrNoMoto = errors.New("moto is not installed")

// FindPython returns a Python interpreter that imports moto, and moto's
// version: $MOTO_PYTHON when set, else the project's VenvDir, else python3
// on PATH. The error wraps ErrNoMoto when none does.
func FindPython(ctx context.Context, root string) (python, version string, err error) {
	candidates := []string{filepath.Join(root, VenvDir, "bin", "python")}
	if p := os.Getenv("MOTO_PYTHON"); p != "" {
		candidates = []string{p}
	} else if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	var tried []string
	for _, p := range candidates {
		out, err := exec.CommandContext(ctx, p, "-c", "import moto.server, flask; print(moto.__version__)").Output()
		if err == nil {
			return p, strings.TrimSpace(string(out)), nil
		}
		tried = append(tried, p)
	}
	return "", "", fmt.Errorf("%w (tried %s; moto[server] with Flask): `make deploy-local` installs moto[server]==%s into %s",
		ErrNoMoto, strings.Join(tried, ", "), MotoVersion, VenvDir)
}

// Emulator is a running moto server.
type Emulator struct {
	// Endpoint is http://localhost:PORT. localhost, not 127.0.0.1: moto
	// reads a TemplateURL's bucket from its host unless that is localhost.
	Endpoint string
	// Version of moto.
	Version string
	proc    *procgroup.Proc
	stdin   io.Closer
}

// StartEmulator runs the launcher with python on a free port of 127.0.0.1,
// its output appended to logPath, and waits until it listens (at most
// timeout). Stop it with Stop; it also stops when this program dies.
func StartEmulator(ctx context.Context, python, launcher, logPath string, timeout time.Duration) (*Emulator, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, launcher, "--port", "0")
	cmd.Stderr = logFile
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1")
	stdin, err1 := cmd.StdinPipe() // the launcher exits when this closes
	stdout, err2 := cmd.StdoutPipe()
	e := &Emulator{stdin: stdin}
	if err = errors.Join(err1, err2); err == nil {
		e.proc, err = procgroup.Start(cmd)
	}
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s %s: %w", python, launcher, err)
	}
	go func() {
		<-e.proc.Done()
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
		e.Endpoint = fmt.Sprintf("http://localhost:%d", hello.Port)
		e.Version = hello.Moto
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
		e.Stop()
		return nil, err
	}
	return e, nil
}

// Stop stops the emulator and waits for it to exit; it is safe to call more
// than once.
func (e *Emulator) Stop() {
	e.stdin.Close()
	e.proc.Stop(5 * time.Second)
}

// LauncherReport is what the launcher taught moto or stood in for.
type LauncherReport struct {
	Taught   []LauncherResource `json:"taught"`
	StandIns []LauncherResource `json:"standIns"`
	// Fixes are the properties of types moto supports that its
	// CloudFormation drops, which the launcher applies itself.
	Fixes []LauncherFix `json:"fixes"`
}

// LauncherFix is one property the launcher applies for moto.
type LauncherFix struct {
	Type     string `json:"type"`
	Property string `json:"property"`
}

// LauncherResource is one resource the launcher handled.
type LauncherResource struct {
	StackName string `json:"stackName"`
	LogicalID string `json:"logicalId"`
	Type      string `json:"type"`
}

// Report asks the launcher what it taught moto or stood in for so far.
func (e *Emulator) Report(ctx context.Context) (*LauncherReport, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.Endpoint+"/_deploylocal/report", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r LauncherReport
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("launcher report: %w", err)
	}
	return &r, nil
}
