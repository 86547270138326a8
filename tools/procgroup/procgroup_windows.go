package procgroup

import (
	"os"
	"syscall"
)

// Attr: no process groups on Windows.
func Attr() *syscall.SysProcAttr { return nil }

func signal(p *os.Process, _ bool) { _ = p.Kill() } // its children are not tracked
