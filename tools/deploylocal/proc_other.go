//go:build unix && !linux

package deploylocal

import (
	"os"
	"syscall"
	"time"
)

// sysProcAttr puts a child in its own process group.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// stopGroup sends SIGTERM to p's process group, and SIGKILL after grace
// unless done closes first.
func stopGroup(p *os.Process, done <-chan struct{}, grace time.Duration) {
	_ = syscall.Kill(-p.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
		<-done
	}
}
