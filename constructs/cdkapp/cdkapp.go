// Package cdkapp synthesizes a CDK app and turns a failed synth into an
// error instead of a Go panic.
//
// The constructs of this library report bad props as validations of the
// construct tree (eventsource.Problems), so synth fails once with every
// problem of every construct. jsii delivers that failure to Go as a panic
// out of app.Synth; Synth recovers it and returns an *Error listing the
// problems, one per line:
//
//	[Example/Worker] queueworker: BatchSize 11 is outside 1-10 (up to 10000 with a MaxBatchingWindow)
//	[Example/Api] gofunction: Timeout 901s is outside 1-900s (Lambda quotas)
//
// A main package prints them and exits non-zero, without a goroutine trace:
//
//	func main() {
//		defer jsii.Close()
//		app := awscdk.NewApp(nil)
//		// ... stacks ...
//		if _, err := cdkapp.Synth(app); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			jsii.Close() // os.Exit skips deferred calls
//			os.Exit(1)
//		}
//	}
package cdkapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
)

// validationHeader starts the message of a failed construct validation
// (aws-cdk-lib core's synthesis: "ValidationFailedWithErrors: Validation
// failed with the following errors:" then one "  [path] message" per
// problem).
const validationHeader = "Validation failed with the following errors:"

// Error is a failed synth.
type Error struct {
	// Problems are the validation errors of the construct tree, in the order
	// CDK reports them, each "[construct path] message" (a message may span
	// lines, e.g. a compiler's output), and the error annotations CDK's
	// validation report lists, such as cdk-nag findings:
	// "[S/Queue/Resource] AwsSolutions-SQS4: The SQS queue does not require
	// requests to use SSL. ...". Empty when synth failed otherwise.
	Problems []string
	// Message is the error CDK raised, without its JavaScript stack, when
	// it is not a validation failure (e.g. a dependency cycle).
	Message string
}

// Error returns the problems, one per line, or the message.
func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return "synth failed: " + e.Message
	}
	n := fmt.Sprintf("%d problems", len(e.Problems))
	if len(e.Problems) == 1 {
		n = "1 problem"
	}
	return "synth failed, " + n + ":\n" + strings.Join(e.Problems, "\n")
}

// Synth synthesizes app (an awscdk.App, or any awscdk.Stage) into its
// output directory and returns the cloud assembly. An error CDK raises while
// synthesizing (a construct's validation, an unresolvable reference) comes
// back as an *Error; so do error annotations (cdk-nag findings) when the
// app's context does not turn them into a failed synth itself (no cdk.json
// flags, e.g. `go run .`): the assembly is written, and returned with the
// *Error. A Go runtime error (a bug in Go code called back during synth)
// still panics.
func Synth(app awscdk.Stage) (assembly cxapi.CloudAssembly, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := asJsiiError(r)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	assembly = app.Synth(nil)
	if problems := errorAnnotations(app); len(problems) > 0 {
		return assembly, &Error{Problems: problems}
	}
	return assembly, nil
}

// errorAnnotations returns the error annotations of app's constructs, in
// tree order, each "[construct path] message".
func errorAnnotations(app awscdk.Stage) []string {
	var problems []string
	for _, c := range *app.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		for _, e := range *c.Node().Metadata() {
			if *e.Type == "aws:cdk:error" {
				problems = append(problems, "["+*c.Node().Path()+"] "+strings.TrimSpace(fmt.Sprint(e.Data)))
			}
		}
	}
	return problems
}

// Catch runs f, which builds constructs, and returns an error CDK raised
// from it (a CDK construct rejecting its props at once, e.g.
// awsevents.NewRule with both a schedule and a pattern) as an *Error
// instead of a panic. The constructs of this library never raise: they
// report at synth.
func Catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := asJsiiError(r)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	f()
	return nil
}

// asJsiiError converts what jsii panicked with (an error carrying the
// JavaScript error's name and message) to an *Error.
func asJsiiError(r any) (*Error, bool) {
	e, ok := r.(error)
	if !ok {
		return nil, false
	}
	var rt runtime.Error
	if errors.As(e, &rt) {
		return nil, false
	}
	return parse(e.Error()), true
}

// reportMarker precedes the path of the validation report CDK writes when
// error annotations (cdk-nag findings among them) fail synth: "ValidationFailed:
// Validation failed. A copy of this report can be found in: <dir>/validation-report.json".
const reportMarker = "A copy of this report can be found in: "

// parse reads a jsii error message.
func parse(msg string) *Error {
	_, body, ok := strings.Cut(msg, validationHeader)
	if !ok {
		if _, path, found := strings.Cut(msg, reportMarker); found {
			path, _, _ = strings.Cut(path, "\n")
			if problems := readReport(strings.TrimSpace(path)); len(problems) > 0 {
				return &Error{Problems: problems}
			}
		}
		return &Error{Message: withoutStack(msg)}
	}
	var problems []string
	for _, line := range strings.Split(body, "\n") {
		switch trimmed := strings.TrimSpace(line); {
		case trimmed == "":
		case strings.HasPrefix(line, "  [") || len(problems) == 0:
			problems = append(problems, trimmed)
		default: // continuation of a multi-line message
			problems[len(problems)-1] += "\n" + strings.TrimRight(line, " ")
		}
	}
	return &Error{Problems: problems}
}

// withoutStack drops the JavaScript stack frames ("    at ...") of msg.
func withoutStack(msg string) string {
	var keep []string
	for _, line := range strings.Split(msg, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "at ") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

// readReport returns the violations of the validation report at path (CDK's
// cloud assembly schema: pluginReports[].violations[]), one
// "[construct path] description" each, in report order; nil when the file
// cannot be read or holds none.
func readReport(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var report struct {
		PluginReports []struct {
			Violations []struct {
				Description         string `json:"description"`
				ViolatingConstructs []struct {
					ConstructPath string `json:"constructPath"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if json.Unmarshal(data, &report) != nil {
		return nil
	}
	var problems []string
	for _, plugin := range report.PluginReports {
		for _, v := range plugin.Violations {
			for _, c := range v.ViolatingConstructs {
				problems = append(problems, "["+c.ConstructPath+"] "+strings.TrimSpace(v.Description))
			}
		}
	}
	return problems
}
