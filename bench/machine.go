//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// machine describes where the benchmark ran.
type machine struct {
	CPU       string    `json:"cpu"`
	Cores     int       `json:"cores"`
	MemTotal  uint64    `json:"memTotalBytes"`
	Go        string    `json:"go"`
	Kernel    string    `json:"kernel"`
	LoadStart string    `json:"loadStart"`
	LoadEnd   string    `json:"loadEnd"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
}

func describeMachine(ctx context.Context) machine {
	m := machine{Start: time.Now().UTC(), LoadStart: loadAvg(), Cores: runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		m.MemTotal = si.Totalram * uint64(si.Unit)
	}
	if v, err := output(ctx, ".", os.Environ(), "go", "env", "GOVERSION", "GOHOSTOS", "GOHOSTARCH"); err == nil {
		m.Go = strings.Join(strings.Fields(v), " ")
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func (m machine) String() string {
	return fmt.Sprintf("%s, %d cores, %s RAM, %s, Linux %s", m.CPU, m.Cores, gib(m.MemTotal), m.Go, m.Kernel)
}
