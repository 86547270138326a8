package eventfilter

import (
	"fmt"
	"strconv"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ContextMaxFilters is the context key (cdk.json "context", or -c) that
// tells the constructs how many filters your account allows per event
// source mapping, when its Lambda quota was raised: 1 to MaxFiltersQuota.
// Default: DefaultMaxFilters.
const ContextMaxFilters = "eventfilter:maxFiltersPerMapping"

// MaxFilters returns the number of filters a mapping under scope may have:
// the context value ContextMaxFilters, or DefaultMaxFilters. problem is not
// empty when the context value is not a whole number within
// 1-MaxFiltersQuota (DefaultMaxFilters is returned then).
func MaxFilters(scope constructs.IConstruct) (n int, problem string) {
	v := scope.Node().TryGetContext(jsii.String(ContextMaxFilters))
	if v == nil {
		return DefaultMaxFilters, ""
	}
	var s string
	switch x := v.(type) {
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		s = x
	default:
		s = fmt.Sprint(x)
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 1 && n <= MaxFiltersQuota {
		return n, ""
	}
	return DefaultMaxFilters, fmt.Sprintf("context %s %q is not a whole number within 1-%d (Lambda quota of filters per event source mapping)", ContextMaxFilters, s, MaxFiltersQuota)
}
