package moto

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal kills moto when the test binary dies without
// running its cleanups (a timeout's panic, a kill).
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
