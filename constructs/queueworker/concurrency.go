package queueworker

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventsource"
)

// workersOf records, per function (the Go value of eventsource.BaseFunction,
// as jsii hands back the same value for the same object), the workers that
// cap their concurrency on it, in the order they were defined.
var workersOf = struct {
	sync.Mutex
	m map[awslambda.IFunction][]cap
}{m: map[awslambda.IFunction][]cap{}}

type cap struct {
	path string
	max  float64
}

// checkReservedConcurrency registers worker c's MaxConcurrency on fn and
// checks at synth, when fn's reserved concurrency is known then (a
// function of the app: its CfnFunction's ReservedConcurrentExecutions,
// however it was set), that the MaxConcurrency of fn's workers together
// does not exceed it. The first worker of fn reports the contradiction
// (once per function), naming every worker's value and the reserved
// concurrency.
func checkReservedConcurrency(c constructs.Construct, fn awslambda.IFunction, max float64) {
	path := eventsource.Path(c)
	workersOf.Lock()
	workersOf.m[fn] = append(workersOf.m[fn], cap{path, max})
	first := len(workersOf.m[fn]) == 1
	workersOf.Unlock()
	if !first {
		return
	}
	c.Node().AddValidation(&validation{func() []string {
		reserved, ok := eventsource.ReservedConcurrency(fn)
		if !ok {
			return nil
		}
		workersOf.Lock()
		caps := append([]cap(nil), workersOf.m[fn]...)
		workersOf.Unlock()
		total := 0.0
		for _, w := range caps {
			total += w.max
		}
		if total <= reserved {
			return nil
		}
		why := "throttled messages go back to the queue and count as receives, so they reach the dead-letter queue unprocessed; lower MaxConcurrency or raise the function's reserved concurrency"
		if len(caps) == 1 {
			return []string{fmt.Sprintf("queueworker: MaxConcurrency %s is above the reserved concurrency %s of Function %s: %s",
				eventsource.Num(max), eventsource.Num(reserved), eventsource.Path(fn), why)}
		}
		parts := make([]string, len(caps))
		for i, w := range caps {
			parts[i] = fmt.Sprintf("%s (%s)", eventsource.Num(w.max), w.path)
		}
		sort.Strings(parts[1:])
		return []string{fmt.Sprintf("queueworker: MaxConcurrency %s of the workers of Function %s add up to %s, above its reserved concurrency %s: %s",
			strings.Join(parts, " + "), eventsource.Path(fn), eventsource.Num(total), eventsource.Num(reserved), why)}
	}})
}

// validation is a constructs.IValidation running check at synth.
type validation struct{ check func() []string }

// Validate implements constructs.IValidation.
func (v *validation) Validate() *[]*string { return jsii.Strings(v.check()...) }
