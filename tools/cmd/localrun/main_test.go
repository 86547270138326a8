package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/orderflow/tools/localrun"
)

// testAssembly copies tools/localrun's test assembly into a temp dir,
// naming its service stack as stage "test" names it (OrderFlow-test-Service);
// its functions are api and worker.
func testAssembly(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "..", "localrun", "testdata", "assembly")
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "manifest.json" {
			b = []byte(strings.Replace(string(b), `"properties": {"templateFile": "App-test-Service.template.json"}`,
				`"properties": {"templateFile": "App-test-Service.template.json", "stackName": "OrderFlow-test-Service"}`, 1))
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// fakeSamples replaces the sample events for the duration of the test.
func fakeSamples(t *testing.T, evs map[string][]byte) {
	old := sampleEvents
	sampleEvents = func(*options) (map[string][]byte, error) { return evs, nil }
	t.Cleanup(func() { sampleEvents = old })
}

// TestInvokeUnknownFunctionListsTheFunctions: `make invoke FN=nope` names
// the functions there are, before anything is built or written.
func TestInvokeUnknownFunctionListsTheFunctions(t *testing.T) {
	asm := testAssembly(t)
	events := filepath.Join(t.TempDir(), "events")
	for _, tt := range []struct{ name, fn, want string }{
		{"unknown", "nope", `unknown function "nope": OrderFlow-test-Service has api, worker (make invoke FN=api)`},
		{"missing", "", "which function? OrderFlow-test-Service has api, worker"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := invoke(context.Background(), []string{"-stage", "test", "-cdk-out", asm, "-fn", tt.fn, "-events-dir", events})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if _, err := os.Stat(events); !os.IsNotExist(err) {
				t.Errorf("events folder: got %v, want nothing written for a bad function name", err)
			}
		})
	}
}

// TestInvokeEventFileIsWrittenOnceAndNeverOverwritten: the default event
// of a function is written from the sample only when it is missing; an
// edited one is what gets sent.
func TestInvokeEventFileIsWrittenOnceAndNeverOverwritten(t *testing.T) {
	fakeSamples(t, map[string][]byte{"api.json": []byte(`{"sample":true}`)})
	o := &options{}
	dir := filepath.Join(t.TempDir(), "events")
	p, err := o.eventFile("api", "", dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != `{"sample":true}` {
		t.Fatalf("first use: got %s, want the sample", b)
	}
	if err := os.WriteFile(p, []byte(`{"edited":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if p2, err := o.eventFile("api", "", dir, io.Discard); err != nil || p2 != p {
		t.Fatalf("second use: got %s (%v), want %s", p2, err, p)
	}
	if b, _ := os.ReadFile(p); string(b) != `{"edited":true}` {
		t.Errorf("second use: the event holds %s, want the user's edit", b)
	}
	if _, err := o.eventFile("worker", "", dir, io.Discard); err == nil || !strings.Contains(err.Error(), "EVENT=path/to/event.json") {
		t.Errorf("a function without a sample: got %v, want an error saying to pass EVENT=", err)
	}
	if _, err := o.eventFile("api", filepath.Join(dir, "missing.json"), dir, io.Discard); err == nil || !strings.Contains(err.Error(), "make events") {
		t.Errorf("a missing EVENT file: got %v, want an error naming make events", err)
	}
}

// TestEventsKeepsEditedFiles: `make events` writes what is missing and keeps
// what exists; FORCE=1 (-force) overwrites.
func TestEventsKeepsEditedFiles(t *testing.T) {
	asm := testAssembly(t)
	fakeSamples(t, map[string][]byte{"api.json": []byte(`{"sample":1}`), "worker.json": []byte(`{"sample":2}`)})
	dir := filepath.Join(t.TempDir(), "events")
	args := []string{"-stage", "test", "-cdk-out", asm, "-out", dir}
	if err := writeEvents(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	edited := filepath.Join(dir, "api.json")
	if err := os.WriteFile(edited, []byte(`{"mine":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeEvents(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(edited); string(b) != `{"mine":true}` {
		t.Errorf("after make events: api.json holds %s, want the edit kept", b)
	}
	if err := writeEvents(context.Background(), append(args, "-force")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(edited); string(b) != `{"sample":1}` {
		t.Errorf("after make events FORCE=1: api.json holds %s, want the sample", b)
	}
}

// TestAPIOnATakenPortSuggestsPORT: `make api` when the port is taken says
// so before building anything, and which PORT= to use.
func TestAPIOnATakenPortSuggestsPORT(t *testing.T) {
	holder, err := localrun.Serve(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	port := holder.Endpoint[strings.LastIndex(holder.Endpoint, ":")+1:]
	err = api(context.Background(), []string{"-port", port, "-cdk-out", t.TempDir()})
	for _, want := range []string{"port " + port + " on 127.0.0.1 is taken by another process", "make api PORT=", "lsof -i :" + port} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error containing %q", err, want)
		}
	}
}
