package synthcache

import (
	"slices"
	"strings"
)

// Environment variables the CLI sets for the app.
const (
	envOutdir          = "CDK_OUTDIR"
	envContextOverflow = "CONTEXT_OVERFLOW_LOCATION_ENV" // cx-api's name for the context file's variable
	envPerfCounters    = "CDK_PERF_COUNTERS_FILE"
	envErrorFile       = "CDK_ERROR_FILE"
	// EnvCache set to "off" runs the app every time.
	EnvCache = "SYNTHCACHE_CACHE"
	// EnvTimings names a file that Run writes how long each of its steps
	// took into (JSON, see Timings); make bench reads it. Not keyed.
	EnvTimings = "SYNTHCACHE_TIMINGS"
)

// contextOverflowVars are the variables through which the CLI may pass the
// context as a temp file (a new path per run) instead of CDK_CONTEXT_JSON:
// their file's content is keyed, not the path.
var contextOverflowVars = []string{"CDK_CONTEXT_OVERFLOW_LOCATION", envContextOverflow}

// skippedEnv are variables that describe the terminal, the shell or make,
// never what a CDK app synthesizes; every other variable is part of the
// key. A variable missing here costs a needless synth, never a stale one.
var skippedEnv = map[string]bool{
	"_": true, "SHLVL": true, "OLDPWD": true, "PWD": true,
	"MAKEFLAGS": true, "MFLAGS": true, "MAKELEVEL": true, "MAKE_TERMOUT": true, "MAKE_TERMERR": true,
	"TERM": true, "COLORTERM": true, "TERM_PROGRAM": true, "TERM_PROGRAM_VERSION": true, "TERM_SESSION_ID": true,
	"WINDOWID": true, "DISPLAY": true, "XAUTHORITY": true, "WAYLAND_DISPLAY": true,
	"DBUS_SESSION_BUS_ADDRESS": true, "XDG_SESSION_ID": true, "XDG_SESSION_TYPE": true, "XDG_SESSION_CLASS": true,
	"XDG_VTNR": true, "XDG_SEAT": true,
	"SSH_AUTH_SOCK": true, "SSH_AGENT_PID": true, "SSH_CLIENT": true, "SSH_CONNECTION": true, "SSH_TTY": true,
	"TMUX": true, "TMUX_PANE": true, "STY": true, "WINDOW": true,
	"LS_COLORS": true, "PS1": true, "PS2": true, "PS4": true, "PROMPT_COMMAND": true,
	"HISTFILE": true, "HISTSIZE": true, "HISTFILESIZE": true, "HISTCONTROL": true,
	"LINES": true, "COLUMNS": true, "GPG_TTY": true, "MAIL": true,
	EnvTimings: true,
}

// keyedEnv returns the variables of env that are part of the key, sorted,
// without the context overflow variables (keyed by content instead).
func keyedEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if skippedEnv[k] || slices.Contains(contextOverflowVars, k) {
			continue
		}
		out = append(out, kv)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// getenv returns the last value of key in env ("" when unset).
func getenv(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}
