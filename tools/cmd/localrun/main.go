// Command localrun runs the order flow's Lambda functions on this machine,
// under the Lambda Runtime Interface Emulator, against moto, a local AWS,
// each configured from the synthesized template
// cdk.out/OrderFlow-<stage>-Service.template.json (tools/localrun says how).
// The Makefile drives it (make local-services, invoke, events and api;
// docs/local.md); usage below lists its commands.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/tools/localrun"
	"github.com/example/orderflow/tools/moto"
)

const usage = `usage: localrun <command> [flags]

commands:
  services   start moto (a local AWS) on loopback, create the templates' tables, buckets,
             queues, topics and buses, seed sample data, run until interrupted
  invoke     run one function once: -fn NAME [-event FILE]: build it for the host, run it
             under the emulator, send FILE (default events/NAME.json, written from the
             sample when missing), print the response and logs
  events     write a sample event per function (existing ones kept unless -force): -out DIR
  api        serve the HTTP API's routes through the api function: -port N

Run "localrun <command> -h" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmds := map[string]func(context.Context, []string) error{
		"services": services, "invoke": invoke, "events": writeEvents, "api": api,
	}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "localrun: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err := cmd(ctx, os.Args[2:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "localrun:", err)
		}
		os.Exit(1)
	}
}

// options are the flags every command shares.
type options struct {
	stage, cdkOut, state, rie string
	env                       map[string]string // -env NAME=VALUE, repeated
	root                      string
	asm                       *localrun.Assembly
}

func newFlags(name string, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("localrun "+name, flag.ContinueOnError)
	fs.StringVar(&o.stage, "stage", "dev", "stage whose synthesized templates configure the functions")
	fs.StringVar(&o.cdkOut, "cdk-out", "cdk.out", "cloud assembly folder (make synth)")
	fs.StringVar(&o.state, "state", ".build/local/services.json", "state file of `localrun services`")
	fs.StringVar(&o.rie, "rie", "bin/aws-lambda-rie", "aws-lambda-rie binary; installed into a temp dir when missing")
	return fs
}

// load parses args and reads the cloud assembly.
func (o *options) load(fs *flag.FlagSet, args []string) error {
	if err := o.parse(fs, args); err != nil {
		return err
	}
	return o.loadAssembly()
}

func (o *options) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return nil
}

// loadAssembly finds the module root and reads the cloud assembly.
func (o *options) loadAssembly() error {
	var err error
	if o.root, err = localrun.ModuleRoot("."); err != nil {
		return err
	}
	o.asm, err = localrun.LoadAssembly(o.cdkOut)
	return err
}

// checkFunction returns nil when the service stack has a function name, or
// an error that lists the functions it has.
func (o *options) checkFunction(name string) error {
	names, err := o.asm.Functions(o.serviceStack())
	if err != nil {
		return err
	}
	if slices.Contains(names, name) {
		return nil
	}
	list, example := strings.Join(names, ", "), "<name>"
	if len(names) > 0 {
		example = names[0]
	}
	if name == "" {
		return fmt.Errorf("which function? %s has %s: make invoke FN=%s", o.serviceStack(), list, example)
	}
	return fmt.Errorf("unknown function %q: %s has %s (make invoke FN=%s)", name, o.serviceStack(), list, example)
}

// portTaken turns a *localrun.PortInUseError into what to do about it:
// the make variable that chooses the port, with a port free now.
func portTaken(err error, makeVar, target string) error {
	var inUse *localrun.PortInUseError
	if !errors.As(err, &inUse) {
		return err
	}
	suggest := "a free port"
	if p, ferr := localrun.FreePort(); ferr == nil {
		suggest = strconv.Itoa(p)
	}
	return fmt.Errorf("%w: choose another with `make %s %s=%s` (free now), or stop the process that holds it (`lsof -i :%d` names it)",
		err, target, makeVar, suggest, inUse.Port)
}

func (o *options) serviceStack() string { return "OrderFlow-" + o.stage + "-Service" }

// envFlag adds -env NAME=VALUE (repeatable), overriding the function's
// environment.
func (o *options) envFlag(fs *flag.FlagSet) {
	o.env = map[string]string{}
	fs.Func("env", "NAME=VALUE overriding the function's environment (repeatable)", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return fmt.Errorf("want NAME=VALUE, got %q", s)
		}
		o.env[k] = v
		return nil
	})
}

// services runs moto with the templates' resources until interrupted.
func services(ctx context.Context, args []string) error {
	var o options
	fs := newFlags("services", &o)
	seed := fs.Bool("seed", true, "store the sample order and upload the sample file the sample events refer to")
	if err := o.load(fs, args); err != nil {
		return err
	}
	if _, running, _ := localrun.ReadServicesState(o.state); running {
		return fmt.Errorf("local services already running (see %s)", o.state)
	}
	if err := os.MkdirAll(filepath.Dir(o.state), 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(filepath.Dir(o.state), "moto.log")
	m, err := moto.Start(ctx, o.root, "", logPath)
	if errors.Is(err, moto.ErrNotInstalled) {
		return fmt.Errorf("%w; or run `make moto` first", err)
	} else if err != nil {
		return err
	}
	defer m.Stop()
	if err := o.asm.CreateResources(ctx, m.Endpoint, os.Stdout); err != nil {
		return err
	}
	if *seed {
		imp, err := o.asm.Function(o.serviceStack(), "importer", m.Endpoint)
		if err != nil {
			return err
		}
		table, bucket := imp.Environment[orders.EnvTableName], imp.Environment[orders.EnvUploadsBucket]
		cfg := moto.Config(o.asm.Region, m.Endpoint)
		db, s3c := dynamodb.NewFromConfig(cfg), s3.NewFromConfig(cfg)
		if err := localrun.Seed(ctx, db, s3c, table, bucket); err != nil {
			return err
		}
		fmt.Printf("seeded  order %s (PENDING, an hour old) and s3://%s/%s\n", localrun.SampleOrderID, bucket, localrun.SampleUploadKey)
	}

	st := localrun.ServicesState{PID: os.Getpid(), Region: o.asm.Region, Endpoint: m.Endpoint}
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(o.state, append(b, '\n'), 0o644); err != nil {
		return err
	}
	defer os.Remove(o.state)
	fmt.Printf("\nmoto %s (in memory), its log in %s: AWS_ENDPOINT_URL=%s aws ... reads what the functions wrote\n", m.Version, logPath, m.Endpoint)
	fmt.Printf("state in %s; `make invoke` and `make api` use it. Ctrl-C stops it (data is not kept).\n", o.state)
	<-ctx.Done()
	fmt.Println("\nstopping local services")
	return nil
}

// start builds function name and starts it under the emulator, pointed at
// the local services when it uses a resource. Call stop when done.
func start(ctx context.Context, o *options, name string, log io.Writer) (emu *localrun.Emulator, stop func(), err error) {
	st, running, err := localrun.ReadServicesState(o.state)
	if err != nil {
		return nil, nil, err
	}
	fn, err := o.asm.Function(o.serviceStack(), name, st.Endpoint)
	if err != nil {
		return nil, nil, err
	}
	maps.Copy(fn.Environment, o.env)
	if len(fn.Uses) > 0 && !running {
		return nil, nil, fmt.Errorf("function %s uses %s: start the local services first (`make local-services` in another terminal)", name, strings.Join(fn.Uses, ", "))
	}
	dir, err := os.MkdirTemp("", "localrun-"+name+"-")
	if err != nil {
		return nil, nil, err
	}
	stop = func() {
		if emu != nil {
			emu.Stop()
		}
		os.RemoveAll(dir)
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	rie, err := localrun.FindRIE(ctx, o.rie, dir, log)
	if err != nil {
		return nil, nil, err
	}
	t0 := time.Now()
	bootstrap, err := localrun.Build(ctx, o.root, "functions/"+name, "", dir)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(log, "built   functions/%s for %s/%s in %s\n", name, runtime.GOOS, runtime.GOARCH, time.Since(t0).Round(100*time.Millisecond))
	if emu, err = localrun.StartEmulator(ctx, rie, bootstrap, fn.Env(o.asm.Region, st.Endpoint)); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(log, "running %s under aws-lambda-rie (timeout %ds, memory %d MB)\n", fn.FunctionName, fn.Timeout, fn.MemorySize)
	for _, k := range slices.Sorted(maps.Keys(fn.Environment)) {
		fmt.Fprintf(log, "  %s=%s\n", k, fn.Environment[k])
	}
	if st.Endpoint != "" {
		fmt.Fprintf(log, "  AWS_ENDPOINT_URL=%s  (moto: what the function sends stays there to read)\n", st.Endpoint)
	}
	return emu, stop, nil
}

// invoke runs one function once with one event.
func invoke(ctx context.Context, args []string) error {
	var o options
	fs := newFlags("invoke", &o)
	name := fs.String("fn", "", "function to run, one of the service stack's: api, publisher, kitchen, importer, sweeper, notifier (required)")
	event := fs.String("event", "", "JSON event file (default: EVENTS-DIR/<fn>.json, written from the sample when missing)")
	eventsDir := fs.String("events-dir", "events", "folder of the default events")
	o.envFlag(fs)
	if err := o.load(fs, args); err != nil {
		return err
	}
	if err := o.checkFunction(*name); err != nil {
		return err
	}
	eventFile, err := o.eventFile(*name, *event, *eventsDir, os.Stderr)
	if err != nil {
		return err
	}
	payload, err := os.ReadFile(eventFile)
	if err != nil {
		return err
	}
	if !json.Valid(payload) {
		return fmt.Errorf("%s is not valid JSON", eventFile)
	}
	emu, stop, err := start(ctx, &o, *name, os.Stderr)
	if err != nil {
		return err
	}
	defer stop()
	inv, err := emu.Invoke(ctx, "", payload)
	fmt.Fprintf(os.Stderr, "\n--- logs ---\n%s", inv.Logs)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "--- response (emulator HTTP %d) ---\n", inv.Status)
	var pretty bytes.Buffer
	if json.Indent(&pretty, inv.Body, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(inv.Body)
	}
	fmt.Println(pretty.String())
	if inv.FunctionError() {
		return errors.New("the function failed")
	}
	return nil
}

// writeEvents writes the sample events.
func writeEvents(_ context.Context, args []string) error {
	var o options
	fs := newFlags("events", &o)
	out := fs.String("out", "events", "folder to write the events into")
	force := fs.Bool("force", false, "overwrite events that exist (they may hold your edits)")
	if err := o.load(fs, args); err != nil {
		return err
	}
	evs, err := sampleEvents(&o)
	if err != nil {
		return err
	}
	written, kept, err := localrun.WriteSampleEvents(evs, *out, *force)
	for _, p := range written {
		fmt.Println("wrote", p)
	}
	for _, p := range kept {
		fmt.Printf("kept  %s (it exists and may hold your edits; `make events FORCE=1` overwrites)\n", p)
	}
	return err
}

// sampleEvents is localrun.SampleEvents of the service stack (a variable:
// tests replace it).
var sampleEvents = func(o *options) (map[string][]byte, error) {
	return localrun.SampleEvents(o.asm, o.serviceStack())
}

// eventFile returns the event file to send to function name: event when
// given (it must exist), else dir/<name>.json, written from the sample
// event when missing. An existing file is never overwritten.
func (o *options) eventFile(name, event, dir string, log io.Writer) (string, error) {
	if event != "" {
		if _, err := os.Stat(event); err != nil {
			return "", fmt.Errorf("event file %s: %w (`make events` writes a sample per function into events/)", event, errors.Unwrap(err))
		}
		return event, nil
	}
	p := filepath.Join(dir, name+".json")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	evs, err := sampleEvents(o)
	if err != nil {
		return "", err
	}
	if _, ok := evs[name+".json"]; !ok {
		return "", fmt.Errorf("no sample event for function %s: give one with `make invoke FN=%s EVENT=path/to/event.json`", name, name)
	}
	written, _, err := localrun.WriteSampleEvents(evs, dir, false, name+".json")
	if err != nil {
		return "", err
	}
	for _, w := range written {
		fmt.Fprintf(log, "wrote   %s, a sample event (edit it as you like: it is never overwritten)\n", w)
	}
	return p, nil
}

// api serves the HTTP API's routes until interrupted.
func api(ctx context.Context, args []string) error {
	var o options
	fs := newFlags("api", &o)
	port := fs.Int("port", 3000, "port on 127.0.0.1")
	o.envFlag(fs)
	if err := o.parse(fs, args); err != nil {
		return err
	}
	// Before building anything: a taken port is the most common failure.
	if err := localrun.CheckPort(*port); err != nil {
		return portTaken(err, "PORT", "api")
	}
	if err := o.loadAssembly(); err != nil {
		return err
	}
	routes, err := o.asm.Routes(o.serviceStack(), "api")
	if err != nil {
		return err
	}
	router, err := localrun.NewRouter(routes)
	if err != nil {
		return err
	}
	emu, stop, err := start(ctx, &o, "api", os.Stderr)
	if err != nil {
		return err
	}
	defer stop()
	proxy := &localrun.APIProxy{Router: router, Function: emu, Log: os.Stderr}
	srv, err := localrun.Serve(*port, proxy)
	if err != nil {
		return portTaken(err, "PORT", "api")
	}
	defer srv.Close()
	fmt.Fprintf(os.Stderr, "\nHTTP API on %s (payload format 2.0; one invocation at a time), routes:\n", srv.Endpoint)
	for _, r := range routes {
		note := ""
		if r.AuthorizationType != "NONE" {
			note = "  (deployed with " + r.AuthorizationType + " authorization; not checked locally)"
		}
		fmt.Fprintf(os.Stderr, "  %s%s\n", r.Key, note)
	}
	fmt.Fprintln(os.Stderr, "Ctrl-C stops it.")
	<-ctx.Done()
	return nil
}
