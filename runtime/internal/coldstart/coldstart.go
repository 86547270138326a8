// Package coldstart tells whether an invocation is the first of its
// process (a cold start), for the logging and metrics packages.
package coldstart

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// first is the request ID of the first invocation seen.
var first atomic.Pointer[string]

// Is reports whether ctx is the first invocation of this process: the
// first request ID seen by Is is the cold one, and only it. False for a
// context without a Lambda request ID (a test, a local run).
func Is(ctx context.Context) bool {
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok || lc.AwsRequestID == "" {
		return false
	}
	if p := first.Load(); p != nil {
		return *p == lc.AwsRequestID
	}
	id := lc.AwsRequestID
	first.CompareAndSwap(nil, &id)
	return *first.Load() == lc.AwsRequestID
}

// Reset forgets the first invocation, for tests.
func Reset() { first.Store(nil) }
