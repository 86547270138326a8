package eventfilter_test

import (
	"fmt"

	"github.com/example/orderflow/constructs/eventfilter"
)

// A filter for an SQS mapping built in Go, and one given as JSON with a
// mistake: the problem names the field and why.
func Example() {
	paid := eventfilter.Pattern{"body": eventfilter.Pattern{
		"status": eventfilter.Equals("PAID", "REFUNDED"),
		"total":  eventfilter.NumericRange(">", 0, "<=", 1000),
	}}
	pattern, problems := eventfilter.SQS.Render(paid)
	fmt.Println(pattern, problems)

	fmt.Println(eventfilter.SQS.Validate(eventfilter.JSON(`{"body": {"total": {"numeric": [">", 0]}}}`)))
	// Output:
	// {"body":{"status":["PAID","REFUNDED"],"total":[{"numeric":[">",0,"<=",1000]}]}} []
	// [body.total: rule {"numeric": ...} must be inside an array: [{"numeric": ...}]]
}

// The same grammar serves SNS filter policies, with SNS's operators and
// quotas: a construct wiring a subscription validates its policy with
// eventfilter.SNSAttributes (or SNSBody for FilterPolicyScope MessageBody).
func ExampleGrammar_Validate_sns() {
	policy := eventfilter.Pattern{
		"store":  eventfilter.AnythingButPrefix("test-"),
		"amount": eventfilter.Numeric(">", 1e10),
	}
	fmt.Println(eventfilter.SNSAttributes.Validate(policy))
	fmt.Println(eventfilter.SQS.Validate(eventfilter.Pattern{"body": policy}))
	// Output:
	// [amount[0]: number 10000000000 is outside -1000000000 to 1000000000 (SNS quotas)]
	// [body.store[0]: anything-but with an operator ({"prefix":"test-"}) is not supported by Lambda event filtering for SQS: it takes a value or an array of values]
}
