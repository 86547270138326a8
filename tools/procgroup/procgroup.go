// Package procgroup runs a tool's child processes (moto, the Lambda
// emulator, the CDK CLI) in process groups of their own: stopping a
// child reaches its children too, a Ctrl-C in the terminal reaches only the
// tool (which then stops them), and on Linux a child dies with the tool.
// Used by tools/localrun and tools/deploylocal (make invoke, make api,
// make deploy-local, make test).
package procgroup

import (
	"os"
	"time"
)

// Stop sends SIGTERM to p's process group, then SIGKILL after grace unless
// done (closed when p has exited) closes first, and waits for done.
func Stop(p *os.Process, done <-chan struct{}, grace time.Duration) {
	signal(p, false)
	select {
	case <-done:
	case <-time.After(grace):
		signal(p, true)
		<-done
	}
}

// Kill sends SIGKILL to p's process group.
func Kill(p *os.Process) { signal(p, true) }
