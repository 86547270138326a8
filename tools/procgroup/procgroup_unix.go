//go:build unix

package procgroup

import (
	"os"
	"runtime"
	"syscall"
)

// attr puts a child in its own process group, killed with this process on
// Linux.
func attr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if runtime.GOOS == "linux" {
		setPdeathsig(a)
	}
	return a
}

func signal(p *os.Process, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-p.Pid, sig)
}
