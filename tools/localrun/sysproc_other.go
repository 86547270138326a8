//go:build !linux

package localrun

import (
	"os"
	"syscall"
)

// sysProcAttr: outside Linux children get no special attributes (the Lambda
// emulator runs on Linux only; dynalite runs anywhere).
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills p (its children are not tracked outside Linux).
func killGroup(p *os.Process) { _ = p.Kill() }
