// Package startup is the one start-up path of a Lambda function: at cold
// start it reads the function's environment variables once (every missing
// required one named in one JSON log line, then exit 1), builds the JSON
// logger (package logging) and the metrics emitter (package metrics), and
// loads the AWS configuration once, so that a function's main.go is wiring
// only:
//
//	func main() {
//		rt := startup.Start(startup.Config{Service: "kitchen", Required: []string{"ORDERS_TABLE_NAME"}, Namespace: "OrderFlow"})
//		h := &Handler{Store: store.New(dynamodb.NewFromConfig(rt.AWS), rt.Env("ORDERS_TABLE_NAME")), Log: rt.Log, Metrics: rt.Metrics}
//		lambda.Start(h.Handle)
//	}
//
// It pairs with the gofunction construct, which sets the environment
// variables, Lambda's JSON log format and the log level the logger reads.
package startup

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/example/orderflow/runtime/logging"
	"github.com/example/orderflow/runtime/metrics"
)

// Config says what a function needs at start.
type Config struct {
	// Service names the function: the "service" attribute of every log
	// line and the first dimension ("Service") of its metrics. Required.
	Service string
	// Required are the environment variables the function cannot run
	// without. Default: none.
	Required []string
	// Optional are environment variables with the value to use when unset
	// or empty. Default: none.
	Optional map[string]string
	// Namespace of the function's metrics. Default (""): no metrics
	// (Runtime.Metrics is nil, which writes nothing).
	Namespace string
	// Dimensions of the metrics after Service, each read from an
	// environment variable. Default: none.
	Dimensions []EnvDimension
	// NoAWS skips loading the AWS configuration, for a function that calls
	// no AWS service. Default (false): load it.
	NoAWS bool
}

// EnvDimension is a metric dimension whose value an environment variable
// holds.
type EnvDimension struct {
	// Name of the dimension, e.g. "Stage".
	Name string
	// Env is the variable, e.g. "ORDERFLOW_STAGE".
	Env string
	// Default is the value when the variable is unset or empty (CloudWatch
	// rejects an empty dimension value). Required.
	Default string
}

// Runtime is what Start built.
type Runtime struct {
	// Log is the JSON logger (logging.New) with "service".
	Log *slog.Logger
	// Metrics writes EMF lines with Service and the Config's dimensions;
	// nil when Config.Namespace is empty.
	Metrics *metrics.Emitter
	// AWS is the SDK configuration (config.LoadDefaultConfig); zero with
	// Config.NoAWS.
	AWS aws.Config
	env map[string]string
}

// Env returns a variable of Config.Required or Config.Optional as read at
// start (an optional one's default when it was unset); "" for any other
// name.
func (r *Runtime) Env(name string) string { return r.env[name] }

// MissingError names the required environment variables that were unset
// or empty.
type MissingError struct {
	// Names in Config.Required order.
	Names []string
}

// Error is "missing environment variables: A, B".
func (e *MissingError) Error() string {
	return fmt.Sprintf("missing environment variables: %v", e.Names)
}

// deps are the process's side of start-up, replaceable in tests.
type deps struct {
	getenv  func(string) string
	stdout  io.Writer
	loadAWS func(ctx context.Context) (aws.Config, error)
	exit    func(code int)
}

var process = deps{
	getenv: os.Getenv,
	stdout: os.Stdout,
	loadAWS: func(ctx context.Context) (aws.Config, error) {
		return config.LoadDefaultConfig(ctx)
	},
	exit: os.Exit,
}

// Start builds the Runtime, or logs why it cannot (one JSON line at ERROR:
// "missing environment variables" with "names", or "load AWS config" with
// "error") and exits 1. Call it once, first thing in main.
func Start(cfg Config) *Runtime {
	return start(context.Background(), cfg, process)
}

func start(ctx context.Context, cfg Config, d deps) *Runtime {
	rt, err := build(ctx, cfg, d)
	if err != nil {
		if me, ok := err.(*MissingError); ok {
			rt.Log.Error("missing environment variables", "names", me.Names)
		} else {
			rt.Log.Error("load AWS config", "error", err.Error())
		}
		d.exit(1)
		return nil
	}
	return rt
}

// build makes the Runtime; on an error the Runtime still has its logger.
func build(ctx context.Context, cfg Config, d deps) (*Runtime, error) {
	rt := &Runtime{Log: logging.New(d.stdout, slog.String("service", cfg.Service)), env: map[string]string{}}
	var missing []string
	for _, name := range cfg.Required {
		v := d.getenv(name)
		if v == "" && !slices.Contains(missing, name) {
			missing = append(missing, name)
		}
		rt.env[name] = v
	}
	if len(missing) > 0 {
		return rt, &MissingError{Names: missing}
	}
	for name, def := range cfg.Optional {
		v := d.getenv(name)
		if v == "" {
			v = def
		}
		rt.env[name] = v
	}
	if cfg.Namespace != "" {
		dims := []metrics.Dimension{{Name: "Service", Value: cfg.Service}}
		for _, ed := range cfg.Dimensions {
			v := d.getenv(ed.Env)
			if v == "" {
				v = ed.Default
			}
			dims = append(dims, metrics.Dimension{Name: ed.Name, Value: v})
		}
		rt.Metrics = metrics.New(d.stdout, cfg.Namespace, dims...)
	}
	if !cfg.NoAWS {
		c, err := d.loadAWS(ctx)
		if err != nil {
			return rt, err
		}
		rt.AWS = c
	}
	return rt, nil
}

// Fatal logs msg with err at ERROR and exits 1: for a configuration the
// function checks itself (a bad value, not a missing one) at start. Never
// while handling an event.
func (r *Runtime) Fatal(msg string, err error) {
	r.Log.Error(msg, "error", err.Error())
	process.exit(1)
}
