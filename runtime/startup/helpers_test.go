package startup

import "github.com/example/orderflow/runtime/metrics"

func metricsCount(name string) metrics.Metric { return metrics.Count(name, 1) }
