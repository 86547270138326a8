package localrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/example/orderflow/tools/procgroup"
)

// process is a child process (and its own children) whose output is kept.
type process struct {
	*procgroup.Proc
	out *logBuffer
}

// startProcess starts name with args and exactly the environment env, in
// a process group of its own (so stop reaches its children too), killed
// with this process on Linux.
func startProcess(dir string, env []string, name string, args ...string) (*process, error) {
	p := &process{out: &logBuffer{}}
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, p.out, p.out
	var err error
	if p.Proc, err = procgroup.Start(cmd); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return p, nil
}

// waitListening waits until addr accepts TCP connections, the process exits
// (an error carrying its output), or timeout passes.
func (p *process) waitListening(ctx context.Context, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-p.Done():
			return fmt.Errorf("%s exited before listening on %s (%v); output:\n%s", p.Cmd.Path, addr, p.Err(), p.out)
		case <-ctx.Done():
			return fmt.Errorf("%s not listening on %s after %s; output:\n%s", p.Cmd.Path, addr, timeout, p.out)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// logBuffer is an append-only output buffer safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Len returns the number of bytes written so far.
func (b *logBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// since returns what was written after the first off bytes.
func (b *logBuffer) since(off int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf.Bytes()[min(off, b.buf.Len()):])
}

// freeAddrs returns n distinct free loopback TCP addresses. The ports are
// free when chosen: another process may still take one before it is used.
func freeAddrs(n int) ([]string, error) {
	addrs := make([]string, n)
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		defer ln.Close() // held until all are chosen, so they differ
		addrs[i] = ln.Addr().String()
	}
	return addrs, nil
}

// listen listens on 127.0.0.1:port (port 0: a free one). A port another
// process holds is a *PortInUseError.
func listen(port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, &PortInUseError{Port: port, Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1:%d: %w", port, err)
	}
	return ln, nil
}

// PortInUseError is the error of Serve (and CheckPort) when another process
// listens on the port asked for.
type PortInUseError struct {
	Port int
	Err  error
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("port %d on 127.0.0.1 is taken by another process", e.Port)
}

func (e *PortInUseError) Unwrap() error { return e.Err }

// CheckPort reports whether port on 127.0.0.1 can be listened on now (a
// *PortInUseError when it is taken), so a command can say so before it
// starts anything.
func CheckPort(port int) error {
	ln, err := listen(port)
	if err != nil {
		return err
	}
	return ln.Close()
}

// FreePort returns a port on 127.0.0.1 that is free now.
func FreePort() (int, error) {
	ln, err := listen(0)
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
