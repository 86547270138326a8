package cdkapp

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want *Error
	}{
		{"validation", "ValidationFailedWithErrors: Validation failed with the following errors:\n  [S/A] pkg: Foo 1 is outside 2-3\n  [S/B] other: X bad",
			&Error{Problems: []string{"[S/A] pkg: Foo 1 is outside 2-3", "[S/B] other: X bad"}}},
		{"multi-line problem", "Validation failed with the following errors:\n  [S/Fn] gofunction: build of ./fn failed: exit status 1\n./main.go:3:13: undefined: x\n  [S/B] b: bad\n",
			&Error{Problems: []string{"[S/Fn] gofunction: build of ./fn failed: exit status 1\n./main.go:3:13: undefined: x", "[S/B] b: bad"}}},
		{"other error", "Error: 'S' depends on 'T'. Adding this dependency would create a cyclic reference.\n    at Stack._addAssemblyDependency (/x/stack.js:1:1)\n    at foo (/x/y.js:2:2)",
			&Error{Message: "Error: 'S' depends on 'T'. Adding this dependency would create a cyclic reference."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parse(tt.msg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"one", &Error{Problems: []string{"[S/A] a: x"}}, "synth failed, 1 problem:\n[S/A] a: x"},
		{"two", &Error{Problems: []string{"[S/A] a: x", "[S/B] b: y"}}, "synth failed, 2 problems:\n[S/A] a: x\n[S/B] b: y"},
		{"message", &Error{Message: "Error: cycle"}, "synth failed: Error: cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
