// Package ordermetrics names the order flow's business metrics and the
// namespace and dimensions its functions emit them with (through the
// runtime's metrics package, built by startup). The stacks read the same
// names for the dashboard and the functions' environment.
//
// Stage is a dimension besides Service because stages may share an account:
// without it dev traffic would show in prod's metrics.
package ordermetrics

import (
	"io"

	"github.com/example/orderflow/runtime/metrics"
	"github.com/example/orderflow/runtime/startup"
)

// Namespace is the CloudWatch namespace of every metric of the app.
const Namespace = "OrderFlow"

// Dimension names of every metric: the set [["Service","Stage"]].
const (
	DimensionService = "Service" // the function's short name: "api", "kitchen", ...
	DimensionStage   = "Stage"   // the deployment stage: "dev", "prod"
)

// EnvStage is the environment variable holding the stage, the value of the
// Stage dimension. The service stack sets it on every function.
const EnvStage = "ORDERFLOW_STAGE"

// DefaultStage is the Stage dimension's value when the stage is unknown
// (EnvStage unset, as in local runs).
const DefaultStage = "local"

// The business metrics, all of unit Count.
const (
	// OrdersCreated counts orders stored for the first time: by the api
	// (POST /orders, not idempotent replays) and by the importer (rows of a
	// bulk file, not duplicates of earlier imports).
	OrdersCreated = "OrdersCreated"
	// OrdersPrepared counts orders the kitchen moved to READY.
	OrdersPrepared = "OrdersPrepared"
	// StaleOrdersResent counts stale PENDING orders the sweeper sent to the
	// kitchen again.
	StaleOrdersResent = "StaleOrdersResent"
	// ImportRowsRejected counts rows of bulk files the importer rejected.
	ImportRowsRejected = "ImportRowsRejected"
	// NotificationsSent counts customer notifications the notifier
	// published (not the repeats the idempotency guard answered).
	NotificationsSent = "NotificationsSent"
)

// Startup returns the start-up configuration of the function named
// service with the required environment variables: its metrics in
// Namespace with dimensions Service and Stage (EnvStage, DefaultStage when
// unset).
func Startup(service string, required ...string) startup.Config {
	return startup.Config{
		Service:    service,
		Required:   required,
		Namespace:  Namespace,
		Dimensions: []startup.EnvDimension{{Name: DimensionStage, Env: EnvStage, Default: DefaultStage}},
	}
}

// New returns the emitter startup builds for service at stage ("" is
// DefaultStage), writing to w: for tests and local runs.
func New(w io.Writer, service, stage string) *metrics.Emitter {
	if stage == "" {
		stage = DefaultStage
	}
	return metrics.New(w, Namespace, metrics.Dimension{Name: DimensionService, Value: service}, metrics.Dimension{Name: DimensionStage, Value: stage})
}
