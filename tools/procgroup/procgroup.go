// Package procgroup is the dev tooling's one way to run child processes
// (moto, the Lambda emulator, the CDK CLI, the commands bench measures) in
// process groups of their own: stopping a child reaches its children too, a
// Ctrl-C in the terminal reaches only the tool (which then stops them), and
// on Linux a child dies with the tool. Used by tools/moto, tools/localrun,
// tools/deploylocal and bench (make invoke, make api, make local-services,
// make deploy-local, make bench, make test).
package procgroup

import (
	"context"
	"os/exec"
	"time"
)

// Proc is a child process running in a process group of its own.
type Proc struct {
	Cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start starts cmd in a process group of its own and waits for it in the
// background.
func Start(cmd *exec.Cmd) (*Proc, error) {
	cmd.SysProcAttr = attr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Proc{Cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// Done is closed once the process has exited; Err is then its exit status.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is the exit status (cmd.Wait's error), valid once Done is closed.
func (p *Proc) Err() error { return p.err }

// Stop sends SIGTERM to the process group, SIGKILL once grace has passed
// (at once when grace is 0), and waits for the process to exit. It is safe
// to call more than once.
func (p *Proc) Stop(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	signal(p.Cmd.Process, grace == 0)
	select {
	case <-p.done:
	case <-time.After(grace):
		signal(p.Cmd.Process, true)
		<-p.done
	}
}

// Run runs cmd in a process group of its own until it exits, or until ctx
// ends: then it stops the group (Stop(grace)) and returns ctx's error.
func Run(ctx context.Context, cmd *exec.Cmd, grace time.Duration) error {
	p, err := Start(cmd)
	if err != nil {
		return err
	}
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		p.Stop(grace)
		return ctx.Err()
	}
}
