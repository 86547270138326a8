//go:build unix

package procgroup

import (
	"os"
	"syscall"
)

// attr puts a child in its own process group, killed with this process on
// Linux (setPdeathsig does nothing elsewhere).
func attr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	setPdeathsig(a)
	return a
}

func signal(p *os.Process, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-p.Pid, sig)
}
