//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/example/orderflow/tools/procgroup"
)

// measured is one command's wall time and memory.
type measured struct {
	Wall time.Duration
	// TreePeak is the largest sum of the resident set sizes of the command
	// and all its descendants, sampled every sampleEvery: what the process
	// tree held at once (shared pages counted once per process).
	TreePeak uint64
	// MaxSingle is the largest resident set of any one process of the tree
	// (ru_maxrss from wait4): what /usr/bin/time -v reports.
	MaxSingle uint64
	// CPU is the user+system time of the command and every descendant it
	// waited for: the work done, which other processes on the machine slow
	// down far less than the wall time.
	CPU time.Duration
}

const sampleEvery = 100 * time.Millisecond

// run runs name with args in dir with exactly env, measuring it. Its output
// is kept and returned in the error when it fails. The command gets its own
// process group, killed when ctx is done.
func run(ctx context.Context, dir string, env []string, name string, args ...string) (measured, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	p, err := procgroup.Start(cmd)
	if err != nil {
		return measured{}, err
	}
	var peak uint64
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
sample:
	for {
		peak = max(peak, treeRSS(cmd.Process.Pid))
		select {
		case <-tick.C:
		case <-ctx.Done():
			p.Stop(0)
			break sample
		case <-p.Done():
			break sample
		}
	}
	err = p.Err()
	m := measured{Wall: time.Since(start)}
	m.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.MaxSingle = uint64(ru.Maxrss) * 1024 // Linux reports KiB
	}
	m.TreePeak = max(peak, m.MaxSingle)
	if err != nil {
		return m, fmt.Errorf("%s %s in %s: %w\n%s", name, strings.Join(args, " "), dir, err, tail(out.String(), 4000))
	}
	return m, nil
}

// output runs a command and returns its standard output.
func output(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(stderr.String(), 4000))
	}
	return string(out), nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// procStat is what treeRSS and cpuTime need of /proc/PID/stat.
type procStat struct {
	pid, ppid int
	rss       uint64        // bytes
	cpu       time.Duration // utime+stime
}

// readStat parses /proc/PID/stat (the command name may hold spaces and
// parentheses: fields are counted from the last ')').
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, false
	}
	return parseStat(string(b))
}

func parseStat(s string) (procStat, bool) {
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s[:open]))
	if err != nil {
		return procStat{}, false
	}
	f := strings.Fields(s[end+1:]) // f[0] is field 3 (state)
	if len(f) < 22 {
		return procStat{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	ut, _ := strconv.ParseInt(f[11], 10, 64)     // field 14, clock ticks (USER_HZ = 100)
	st, _ := strconv.ParseInt(f[12], 10, 64)     // field 15
	pages, _ := strconv.ParseUint(f[21], 10, 64) // field 24: rss in pages
	return procStat{pid: pid, ppid: ppid, rss: pages * uint64(os.Getpagesize()), cpu: time.Duration(ut+st) * 10 * time.Millisecond}, true
}

// treeRSS returns the summed resident set size of root and its descendants.
func treeRSS(root int) uint64 {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	children := map[int][]int{}
	rss := map[int]uint64{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readStat(pid); ok {
			children[st.ppid] = append(children[st.ppid], pid)
			rss[pid] = st.rss
		}
	}
	var sum uint64
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		sum += rss[p]
		queue = append(queue, children[p]...)
	}
	return sum
}

// pidOf returns the ID of a running process whose executable is exe.
func pidOf(exe string) (int, bool) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && p == exe {
			return pid, true
		}
	}
	return 0, false
}

// cpuTime returns the CPU time process pid has used: the sum over its
// threads of /proc/PID/task/TID/schedstat (nanoseconds on CPU), or, when
// schedstat is missing, utime+stime of /proc/PID/stat (clock ticks).
func cpuTime(pid int) (time.Duration, bool) {
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "schedstat"))
	var sum time.Duration
	n := 0
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		sum += time.Duration(ns)
		n++
	}
	if n > 0 {
		return sum, true
	}
	st, ok := readStat(pid)
	return st.cpu, ok
}

// peakRSS returns VmHWM (the largest resident set so far) of process pid.
func peakRSS(pid int) (uint64, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, err := strconv.ParseUint(f[0], 10, 64)
				return kb * 1024, err == nil
			}
		}
	}
	return 0, false
}
