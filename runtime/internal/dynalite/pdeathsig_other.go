//go:build !linux

package dynalite

import "os/exec"

// setParentDeathSignal: only Linux has a parent-death signal; elsewhere the
// test's cleanup alone stops dynalite.
func setParentDeathSignal(*exec.Cmd) {}
