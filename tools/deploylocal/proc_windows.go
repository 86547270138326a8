package deploylocal

import (
	"os"
	"syscall"
	"time"
)

// sysProcAttr: no process groups on Windows.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// stopGroup kills p (its children are not tracked on Windows).
func stopGroup(p *os.Process, done <-chan struct{}, grace time.Duration) {
	_ = p.Kill()
	<-done
}
