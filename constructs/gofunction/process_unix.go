//go:build unix

package gofunction

import (
	"errors"
	"syscall"
)

// processRunning reports whether a process with this ID runs on this
// machine (signal 0 checks without sending anything).
func processRunning(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
