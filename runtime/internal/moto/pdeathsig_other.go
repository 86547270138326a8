//go:build !linux

package moto

import "os/exec"

// setParentDeathSignal: only Linux has a parent-death signal; elsewhere the
// test's cleanup alone stops moto.
func setParentDeathSignal(*exec.Cmd) {}
