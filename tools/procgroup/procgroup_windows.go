package procgroup

import (
	"os"
	"syscall"
)

// attr: no process groups on Windows.
func attr() *syscall.SysProcAttr { return nil }

func signal(p *os.Process, _ bool) { _ = p.Kill() } // its children are not tracked
