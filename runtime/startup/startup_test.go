package startup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/example/orderflow/runtime/metrics/metricstest"
)

func fakeDeps(env map[string]string, out *bytes.Buffer, awsErr error, exited *int) deps {
	return deps{
		getenv: func(k string) string { return env[k] },
		stdout: out,
		loadAWS: func(context.Context) (aws.Config, error) {
			return aws.Config{Region: "eu-west-1"}, awsErr
		},
		exit: func(code int) { *exited = code },
	}
}

func TestStart(t *testing.T) {
	cfg := Config{
		Service:    "kitchen",
		Required:   []string{"ORDERS_TABLE_NAME", "ORDER_EVENTS_BUS_NAME"},
		Optional:   map[string]string{"MAX_IMPORT_BYTES": "1048576"},
		Namespace:  "OrderFlow",
		Dimensions: []EnvDimension{{Name: "Stage", Env: "ORDERFLOW_STAGE", Default: "local"}},
	}
	tests := []struct {
		name      string
		env       map[string]string
		awsErr    error
		wantExit  int
		wantLine  map[string]any // the one log line; nil: none
		wantStage string
	}{
		{name: "all there", env: map[string]string{"ORDERS_TABLE_NAME": "T", "ORDER_EVENTS_BUS_NAME": "B", "ORDERFLOW_STAGE": "prod"},
			wantStage: "prod"},
		{name: "stage unset: its default", env: map[string]string{"ORDERS_TABLE_NAME": "T", "ORDER_EVENTS_BUS_NAME": "B"},
			wantStage: "local"},
		{name: "every missing variable in one line", env: map[string]string{"ORDER_EVENTS_BUS_NAME": ""}, wantExit: 1,
			wantLine: map[string]any{"level": "ERROR", "msg": "missing environment variables", "service": "kitchen",
				"names": []any{"ORDERS_TABLE_NAME", "ORDER_EVENTS_BUS_NAME"}}},
		{name: "AWS config fails", env: map[string]string{"ORDERS_TABLE_NAME": "T", "ORDER_EVENTS_BUS_NAME": "B"},
			awsErr: errors.New("no region"), wantExit: 1,
			wantLine: map[string]any{"level": "ERROR", "msg": "load AWS config", "error": "no region"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			exited := 0
			rt := start(context.Background(), cfg, fakeDeps(tt.env, &out, tt.awsErr, &exited))
			if exited != tt.wantExit {
				t.Fatalf("got exit %d, want %d", exited, tt.wantExit)
			}
			if tt.wantLine != nil {
				lines := strings.Split(strings.TrimSpace(out.String()), "\n")
				if len(lines) != 1 {
					t.Fatalf("got %d lines, want 1:\n%s", len(lines), out.String())
				}
				var got map[string]any
				if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
					t.Fatal(err)
				}
				for k, v := range tt.wantLine {
					if b1, b2 := mustJSON(got[k]), mustJSON(v); b1 != b2 {
						t.Errorf("%s: got %s, want %s", k, b1, b2)
					}
				}
				return
			}
			if rt.Env("ORDERS_TABLE_NAME") != "T" || rt.Env("MAX_IMPORT_BYTES") != "1048576" || rt.Env("OTHER") != "" {
				t.Errorf("got env %v, want the required, the optional's default, nothing else", rt.env)
			}
			if rt.AWS.Region != "eu-west-1" {
				t.Errorf("got AWS config %+v, want the loaded one", rt.AWS)
			}
			rt.Metrics.Emit(context.Background(), metricsCount("OrdersPrepared"))
			lines := metricstest.Lines(t, out.Bytes())
			if len(lines) != 1 || lines[0].Namespace != "OrderFlow" || !slices.Equal(lines[0].DimensionNames, []string{"Service", "Stage"}) ||
				lines[0].Dimensions["Service"] != "kitchen" || lines[0].Dimensions["Stage"] != tt.wantStage {
				t.Errorf("got metric lines %+v, want OrderFlow with Service=kitchen Stage=%s", lines, tt.wantStage)
			}
		})
	}
}

func TestNoMetricsNoAWS(t *testing.T) {
	var out bytes.Buffer
	exited := 0
	d := fakeDeps(nil, &out, nil, &exited)
	d.loadAWS = func(context.Context) (aws.Config, error) {
		t.Error("loaded the AWS config, want not with NoAWS")
		return aws.Config{}, nil
	}
	rt := start(context.Background(), Config{Service: "records", NoAWS: true}, d)
	if rt == nil || rt.Metrics != nil || exited != 0 {
		t.Errorf("got %+v (exit %d), want a Runtime without metrics", rt, exited)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
