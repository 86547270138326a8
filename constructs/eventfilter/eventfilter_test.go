package eventfilter_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/eventfilter"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestBuiltPatternsRenderAsTheServiceTakesThem(t *testing.T) {
	tests := []struct {
		name    string
		grammar *eventfilter.Grammar
		filter  eventfilter.Filter
		want    string
	}{
		{"dynamodb inserts", eventfilter.DynamoDB, eventfilter.Pattern{"eventName": eventfilter.Equals("INSERT")}, `{"eventName":["INSERT"]}`},
		{"dynamodb typed attribute", eventfilter.DynamoDB, eventfilter.Pattern{"dynamodb": eventfilter.Pattern{
			"NewImage": eventfilter.Pattern{"status": eventfilter.Pattern{"S": eventfilter.AnyOf(eventfilter.Prefix("PAID"), eventfilter.Equals("OPEN"))}},
		}}, `{"dynamodb":{"NewImage":{"status":{"S":[{"prefix":"PAID"},"OPEN"]}}}}`},
		{"sqs json body", eventfilter.SQS, eventfilter.Pattern{"body": eventfilter.Pattern{
			"total":    eventfilter.NumericRange(">", 10, "<=", 20),
			"currency": eventfilter.EqualsIgnoreCase("eur"),
			"coupon":   eventfilter.NotExists(),
			"region":   eventfilter.AnythingBut("eu-west-1", "eu-west-3"),
			"file":     eventfilter.Suffix(".png"),
			"note":     eventfilter.AnyOf(eventfilter.Null(), eventfilter.Empty()),
		}}, `{"body":{"coupon":[{"exists":false}],"currency":[{"equals-ignore-case":"eur"}],"file":[{"suffix":".png"}],"note":[null,""],"region":[{"anything-but":["eu-west-1","eu-west-3"]}],"total":[{"numeric":[">",10,"<=",20]}]}}`},
		{"sqs plain-string body", eventfilter.SQS, eventfilter.Pattern{"body": eventfilter.Prefix("ORDER#")}, `{"body":[{"prefix":"ORDER#"}]}`},
		{"kinesis data", eventfilter.Kinesis, eventfilter.Pattern{"data": eventfilter.Pattern{"level": eventfilter.Equals("ERROR"), "ms": eventfilter.Numeric(">=", 1000)}},
			`{"data":{"level":["ERROR"],"ms":[{"numeric":[">=",1000]}]}}`},
		{"json entry", eventfilter.Kinesis, eventfilter.JSON(` { "data" : { "level" : [ "ERROR" ] } } `), `{"data":{"level":["ERROR"]}}`},
		{"sns attributes", eventfilter.SNSAttributes, eventfilter.Pattern{
			"store":  eventfilter.AnythingButPrefix("test-"),
			"source": eventfilter.CIDR("10.0.0.0/24"),
			"price":  eventfilter.Numeric("=", 301.5),
		}, `{"price":[{"numeric":["=",301.5]}],"source":[{"cidr":"10.0.0.0/24"}],"store":[{"anything-but":{"prefix":"test-"}}]}`},
		{"sns body with $or", eventfilter.SNSBody, eventfilter.Pattern{"order": eventfilter.Or(
			eventfilter.Pattern{"status": eventfilter.Equals("PAID")},
			eventfilter.Pattern{"total": eventfilter.Numeric(">", 100)},
		)}, `{"order":{"$or":[{"status":["PAID"]},{"total":[{"numeric":[">",100]}]}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := tt.grammar.Render(tt.filter)
			if len(problems) > 0 {
				t.Fatalf("got problems %q, want none", problems)
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// Each problem names the field path and why.
func TestBadPatternsNameTheFieldAndWhy(t *testing.T) {
	lambdaOps := "anything-but, equals-ignore-case, exists, numeric, prefix, suffix"
	tests := []struct {
		name    string
		grammar *eventfilter.Grammar
		filter  eventfilter.Filter
		want    []string
	}{
		{"not json", eventfilter.SQS, eventfilter.JSON(`{"body": `), []string{"is not valid JSON: unexpected EOF"}},
		{"not an object", eventfilter.SQS, eventfilter.JSON(`["x"]`), []string{`must be a JSON object of fields, got the array ["x"]`}},
		{"unknown top-level field", eventfilter.SQS, eventfilter.Pattern{"Body": eventfilter.Equals("x")},
			[]string{`Body: unknown field "Body": a record of this source has attributes, awsRegion, body, eventSource, eventSourceARN, md5OfBody, md5OfMessageAttributes, messageAttributes, messageId, receiptHandle (Lambda event filtering for SQS)`}},
		{"unknown operator", eventfilter.SQS, eventfilter.JSON(`{"body": {"path": [{"wildcard": "*/lib/*"}]}}`),
			[]string{`body.path[0]: unknown operator "wildcard": Lambda event filtering for SQS supports ` + lambdaOps}},
		{"sns-only operator on lambda", eventfilter.Kinesis, eventfilter.Pattern{"data": eventfilter.Pattern{"ip": eventfilter.CIDR("10.0.0.0/8")}},
			[]string{`data.ip[0]: unknown operator "cidr": Lambda event filtering for Kinesis supports ` + lambdaOps}},
		{"empty array", eventfilter.SQS, eventfilter.JSON(`{"body": {"status": []}}`),
			[]string{"body.status: is an empty array, which matches no value: every record fails this pattern (to match null, use [null])"}},
		{"empty object", eventfilter.SQS, eventfilter.JSON(`{"body": {}}`), []string{"body: is an empty object: a pattern needs at least one field"}},
		{"rule outside its array", eventfilter.SQS, eventfilter.JSON(`{"body": {"total": {"numeric": [">", 1]}}}`),
			[]string{`body.total: rule {"numeric": ...} must be inside an array: [{"numeric": ...}]`}},
		{"scalar instead of array", eventfilter.SQS, eventfilter.JSON(`{"body": {"status": "PAID"}}`),
			[]string{`body.status: must be an array of values and rules (e.g. ["PAID"]) or an object of nested fields, got the string "PAID"`}},
		{"numeric bounds reversed", eventfilter.SQS, eventfilter.Pattern{"body": eventfilter.Pattern{"total": eventfilter.NumericRange(">", 20, "<=", 10)}},
			[]string{`body.total[0]: numeric [">",20,"<=",10] is malformed: the lower bound 20 is not below the upper bound 10; write ["=", 5], [">", 0] or [">=", 0, "<", 10]`}},
		{"numeric two lower bounds", eventfilter.SQS, eventfilter.Pattern{"body": eventfilter.Pattern{"total": eventfilter.NumericRange(">", 10, ">", 20)}},
			[]string{`body.total[0]: numeric [">",10,">",20] is malformed: a range is a lower bound (> or >=) then an upper bound (< or <=); write ["=", 5], [">", 0] or [">=", 0, "<", 10]`}},
		{"numeric string number", eventfilter.SQS, eventfilter.JSON(`{"body": {"total": [{"numeric": [">", "10"]}]}}`),
			[]string{`body.total[0]: numeric [">","10"] is malformed: "10" after ">" is not a number; write ["=", 5], [">", 0] or [">=", 0, "<", 10]`}},
		{"numeric unknown operator", eventfilter.SQS, eventfilter.Pattern{"body": eventfilter.Pattern{"total": eventfilter.Numeric("!=", 1)}},
			[]string{`body.total[0]: numeric ["!=",1] is malformed: "!=" is not one of =, <, <=, >, >=; write ["=", 5], [">", 0] or [">=", 0, "<", 10]`}},
		{"exists value type", eventfilter.SQS, eventfilter.JSON(`{"body": {"coupon": [{"exists": "yes"}]}}`),
			[]string{`body.coupon[0]: exists takes true or false, got the string "yes"`}},
		{"prefix value type", eventfilter.SQS, eventfilter.JSON(`{"body": {"id": [{"prefix": 1}]}}`),
			[]string{`body.id[0]: prefix takes a non-empty string, got the number 1`}},
		{"two operators in one rule", eventfilter.SQS, eventfilter.JSON(`{"body": {"id": [{"prefix": "a", "suffix": "b"}]}}`),
			[]string{`body.id[0]: a rule object has exactly one operator, got 2 (prefix, suffix)`}},
		{"anything-but mixed", eventfilter.SQS, eventfilter.Pattern{"body": eventfilter.Pattern{"x": eventfilter.AnythingBut("a", 1)}},
			[]string{`body.x[0]: anything-but takes strings or numbers, not both`}},
		{"anything-but prefix on lambda", eventfilter.SQS, eventfilter.Pattern{"body": eventfilter.Pattern{"x": eventfilter.AnythingButPrefix("test-")}},
			[]string{`body.x[0]: anything-but with an operator ({"prefix":"test-"}) is not supported by Lambda event filtering for SQS: it takes a value or an array of values`}},
		{"$or on lambda", eventfilter.SQS, eventfilter.Pattern{"body": eventfilter.Or(eventfilter.Pattern{"a": eventfilter.Equals("1")}, eventfilter.Pattern{"b": eventfilter.Equals("2")})},
			[]string{"body.$or: $or is not supported by Lambda event filtering for SQS: give each alternative as a filter of its own: Lambda delivers a record that matches any filter"}},
		{"kinesis data not an object", eventfilter.Kinesis, eventfilter.Pattern{"data": eventfilter.Prefix("{")},
			[]string{"data: must be an object of fields, not a rule: Lambda event filtering for Kinesis matches the record's data as JSON"}},
		{"kinesis unknown field", eventfilter.Kinesis, eventfilter.JSON(`{"kinesis": {"data": {"a": ["b"]}}}`),
			[]string{`kinesis: unknown field "kinesis": a record of this source has approximateArrivalTimestamp, awsRegion, data, encryptionType, eventID, eventName, eventSource, eventSourceARN, eventVersion, invokeIdentityArn, kinesisSchemaVersion, partitionKey, sequenceNumber (Lambda event filtering for Kinesis)`}},
		{"dynamodb untyped attribute", eventfilter.DynamoDB, eventfilter.Pattern{"dynamodb": eventfilter.Pattern{"NewImage": eventfilter.Pattern{"status": eventfilter.Equals("PAID")}}},
			[]string{`dynamodb.NewImage.status: a DynamoDB attribute is matched through its type (B, BOOL, BS, L, M, N, NS, NULL, S, SS), e.g. {"status": {"S": ["PAID"]}}, got the array ["PAID"]`}},
		{"dynamodb unknown type", eventfilter.DynamoDB, eventfilter.JSON(`{"dynamodb": {"Keys": {"pk": {"STRING": ["a"]}}}}`),
			[]string{`dynamodb.Keys.pk.STRING: unknown DynamoDB type "STRING": one of B, BOOL, BS, L, M, N, NS, NULL, S, SS`}},
		{"dynamodb unknown field", eventfilter.DynamoDB, eventfilter.JSON(`{"dynamodb": {"Newimage": {"pk": {"S": ["a"]}}}}`),
			[]string{`dynamodb.Newimage: unknown field "Newimage": the dynamodb field of a stream record has ApproximateCreationDateTime, Keys, NewImage, OldImage, SequenceNumber, SizeBytes, StreamViewType`}},
		{"sns attributes nested", eventfilter.SNSAttributes, eventfilter.Pattern{"order": eventfilter.Pattern{"status": eventfilter.Equals("PAID")}},
			[]string{"order: is a nested object: SNS filter policies on message attributes match attribute names at the top level only (nested fields need FilterPolicyScope MessageBody)"}},
		{"sns $or with one branch", eventfilter.SNSBody, eventfilter.Or(eventfilter.Pattern{"a": eventfilter.Equals("1")}),
			[]string{`$or: $or must be an array of at least two patterns, got the array [{"a":["1"]}]`}},
		{"sns too many keys", eventfilter.SNSAttributes, eventfilter.Pattern{"a": eventfilter.Exists(), "b": eventfilter.Exists(), "c": eventfilter.Exists(), "d": eventfilter.Exists(), "e": eventfilter.Exists(), "f": eventfilter.Exists()},
			[]string{"has 6 top-level names, more than 5 (SNS quotas)"}},
		{"sns too many combinations", eventfilter.SNSAttributes, eventfilter.Pattern{"a": values(10), "b": values(4), "c": values(4)},
			[]string{"has 160 combinations of values, more than 150 (SNS quotas: the product of the number of values of each field)"}},
		{"sns body combinations count depth", eventfilter.SNSBody, eventfilter.Pattern{"a": values(10), "n": eventfilter.Pattern{"b": values(8)}},
			[]string{"has 160 combinations of values, more than 150 (SNS quotas: the product of the number of values of each field times its nesting depth)"}},
		{"sns number range and decimals", eventfilter.SNSAttributes, eventfilter.Pattern{"p": eventfilter.AnyOf(eventfilter.Numeric(">", 2e9), eventfilter.Numeric("=", 0.123456))},
			[]string{"p[0]: number 2000000000 is outside -1000000000 to 1000000000 (SNS quotas)", "p[1]: number 0.123456 has more than 5 digits after the decimal point (SNS quotas)"}},
		{"sns cidr", eventfilter.SNSAttributes, eventfilter.Pattern{"ip": eventfilter.CIDR("10.0.0.0")},
			[]string{`ip[0]: cidr takes an IP address block such as "10.0.0.0/24", got "10.0.0.0"`}},
		{"pattern too long", eventfilter.SQS, eventfilter.Pattern{"body": eventfilter.Pattern{"id": eventfilter.Equals(strings.Repeat("x", 4100))}},
			[]string{"is 4120 characters long, more than 4096 (CloudFormation's limit on a filter pattern)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.grammar.Validate(tt.filter)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func values(n int) eventfilter.Rule {
	r := eventfilter.Rule{}
	for i := range n {
		r = append(r, fmt.Sprint(i))
	}
	return r
}

func TestCheckCountsFiltersAndPrefixesEachProblem(t *testing.T) {
	var filters []eventfilter.Filter
	for i := range 6 {
		filters = append(filters, eventfilter.Pattern{"body": eventfilter.Pattern{"n": eventfilter.Equals(fmt.Sprint(i))}})
	}
	filters[2] = eventfilter.JSON(`{"body": {"n": []}}`)
	patterns, problems := eventfilter.SQS.Check(filters, eventfilter.DefaultMaxFilters)
	want := []string{
		"Filters has 6 filters, more than 5 (Lambda quota per event source mapping: 5 by default, up to 10 on request)",
		"Filters[2] body.n: is an empty array, which matches no value: every record fails this pattern (to match null, use [null])",
	}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", problems, want)
	}
	if len(patterns) != 5 || patterns[0] != `{"body":{"n":["0"]}}` {
		t.Errorf("got patterns %q, want the 5 valid ones", patterns)
	}
	if _, problems := eventfilter.SQS.Check(filters[:1], 1); problems != nil {
		t.Errorf("got %q, want none", problems)
	}
}

func TestMaxFiltersFromContext(t *testing.T) {
	for _, tt := range []struct {
		context any
		want    int
		problem string
	}{
		{nil, 5, ""},
		{"10", 10, ""},
		{float64(7), 7, ""},
		{"11", 5, `context eventfilter:maxFiltersPerMapping "11" is not a whole number within 1-10 (Lambda quota of filters per event source mapping)`},
	} {
		ctx := map[string]any{}
		if tt.context != nil {
			ctx[eventfilter.ContextMaxFilters] = tt.context
		}
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, AutoSynth: jsii.Bool(false)})
		got, problem := eventfilter.MaxFilters(app)
		if got != tt.want || problem != tt.problem {
			t.Errorf("context %v: got %d %q, want %d %q", tt.context, got, problem, tt.want, tt.problem)
		}
	}
}
