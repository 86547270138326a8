package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/example/orderflow/internal/orders"
)

// Config is what the sweeper reads from its environment at cold start.
type Config struct {
	// Table is the Orders table's name (ORDERS_TABLE_NAME). Required.
	Table string
	// PendingIndex is the pending index: the sparse GSI keyed by
	// pendingShard and createdAt (ORDERS_PENDING_INDEX_NAME). Required.
	PendingIndex string
	// QueueURL is the kitchen queue's URL (KITCHEN_QUEUE_URL). Required.
	QueueURL string
	// StaleAfter is how long an order may stay PENDING before it is resent,
	// and the least time between two resends of one order (STALE_AFTER, a Go
	// duration in 1m..24h). Default: 15m.
	StaleAfter time.Duration
}

// LoadConfig reads Config through getenv (os.Getenv in main). The error
// names every missing variable and a STALE_AFTER that does not parse or is
// out of range.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Table:        getenv(orders.EnvTableName),
		PendingIndex: getenv(orders.EnvPendingIndexName),
		QueueURL:     getenv(orders.EnvKitchenQueueURL),
	}
	var errs []error
	for _, v := range []struct{ name, value string }{
		{orders.EnvTableName, c.Table},
		{orders.EnvPendingIndexName, c.PendingIndex},
		{orders.EnvKitchenQueueURL, c.QueueURL},
	} {
		if v.value == "" {
			errs = append(errs, fmt.Errorf("missing environment variable %s", v.name))
		}
	}
	var err error
	if c.StaleAfter, err = orders.ParseStaleAfter(getenv(orders.EnvStaleAfter)); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}
