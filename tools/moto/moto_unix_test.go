//go:build unix

package moto

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEmulatorStopsItsProcessGroup starts a stand-in launcher (a shell
// script that says it listens and starts a child) and checks that Stop
// ends both.
func TestEmulatorStopsItsProcessGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	script := filepath.Join(dir, "launcher.sh")
	body := "sleep 300 &\necho $! > " + pidFile + "\necho '{\"port\": 4321, \"moto\": \"test\"}'\nwait\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	e, err := start(context.Background(), "/bin/sh", script, filepath.Join(dir, "moto.log"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if e.Endpoint != "http://127.0.0.1:4321" || e.Localhost() != "http://localhost:4321" || e.Version != "test" {
		t.Errorf("got %s (%s), moto %s", e.Endpoint, e.Localhost(), e.Version)
	}
	var pid int
	for i := 0; i < 100 && pid == 0; i++ {
		b, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		time.Sleep(10 * time.Millisecond)
	}
	if pid == 0 {
		t.Fatal("the launcher's child did not start")
	}
	e.Stop()
	e.Stop() // twice is fine
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the launcher's child %d still runs after Stop", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartEmulatorReportsALauncherThatDies(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "launcher.sh")
	if err := os.WriteFile(script, []byte("echo 'ModuleNotFoundError: moto' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := start(context.Background(), "/bin/sh", script, filepath.Join(dir, "moto.log"), 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "launcher exited before listening") {
		t.Fatalf("got %v, want the launcher's exit reported", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "moto.log")); !strings.Contains(string(b), "ModuleNotFoundError") {
		t.Errorf("moto.log: got %q, want the launcher's stderr", b)
	}
}
