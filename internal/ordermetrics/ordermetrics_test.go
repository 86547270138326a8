package ordermetrics

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/example/orderflow/runtime/metrics"
	"github.com/example/orderflow/runtime/metrics/metricstest"
)

// The app's lines: namespace OrderFlow, dimension set [[Service Stage]],
// Stage defaulting to DefaultStage (what the old internal/metrics tested).
func TestNew(t *testing.T) {
	tests := []struct{ name, stage, wantStage string }{
		{"stage given", "prod", "prod"},
		{"empty stage is DefaultStage", "", DefaultStage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			New(&buf, "kitchen", tt.stage).Emit(context.Background(), metrics.Count(OrdersPrepared, 3))
			lines := metricstest.Lines(t, buf.Bytes())
			if len(lines) != 1 {
				t.Fatalf("got %d lines, want 1", len(lines))
			}
			l := lines[0]
			if l.Namespace != Namespace || !slices.Equal(l.DimensionNames, []string{DimensionService, DimensionStage}) ||
				l.Dimensions[DimensionService] != "kitchen" || l.Dimensions[DimensionStage] != tt.wantStage || l.Values[OrdersPrepared] != 3 {
				t.Errorf("got %+v, want OrderFlow [[Service Stage]] kitchen/%s OrdersPrepared 3", l, tt.wantStage)
			}
		})
	}
}

func TestStartup(t *testing.T) {
	c := Startup("api", "ORDERS_TABLE_NAME")
	if c.Service != "api" || c.Namespace != Namespace || !slices.Equal(c.Required, []string{"ORDERS_TABLE_NAME"}) ||
		len(c.Dimensions) != 1 || c.Dimensions[0].Env != EnvStage || c.Dimensions[0].Default != DefaultStage {
		t.Errorf("got %+v", c)
	}
}
