package eventsource

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Problems collects what is wrong with a construct's props and reports it
// the CDK way: as a validation of the construct, so that synth (`cdk synth`,
// app.Synth, assertions.Template_FromStack) fails once, listing every
// problem of every construct of the app with its path:
//
//	Validation failed with the following errors:
//	  [App/Svc/Worker] queueworker: BatchSize 11 is outside 1-10 (up to 10000 with a MaxBatchingWindow)
//	  [App/Svc/Api] gofunction: Timeout 901s is outside 1-900s (Lambda quotas)
//
// Every construct of this library reports its bad props through Problems and
// never panics on them: it builds what it can (a bad value is replaced by its
// default, a missing resource leaves out what needs it) so that the rest of
// the app still constructs and every problem is reported in the same synth.
// cdkapp.Synth turns that failure into an error instead of a Go panic.
//
// The checks (Count, Duration, Required...) each take the field name and
// return the value to build with.
type Problems struct {
	pkg  string
	path string // of the construct
	list []string
}

// NewProblems returns the problem list of the construct scope, registered as
// a validation of scope: what is added to it, until synth, fails synth.
// pkg prefixes every message ("queueworker").
func NewProblems(scope constructs.IConstruct, pkg string) *Problems {
	p := &Problems{pkg: pkg, path: Path(scope)}
	scope.Node().AddValidation(p)
	return p
}

// Addf records a problem: "<pkg>: " followed by the formatted message, which
// should name the field, its value and what is allowed.
func (p *Problems) Addf(format string, args ...any) {
	p.list = append(p.list, p.pkg+": "+fmt.Sprintf(format, args...))
}

// List returns the problems recorded so far.
func (p *Problems) List() []string { return append([]string(nil), p.list...) }

// Validate implements constructs.IValidation: CDK calls it at synth.
func (p *Problems) Validate() *[]*string { return jsii.Strings(p.list...) }

// Required reports field as missing unless present, with hint saying what
// to give (e.g. "the function that consumes the queue"), and returns present.
func (p *Problems) Required(field string, present bool, hint string) bool {
	if !present {
		p.Addf("%s is required (%s)", field, hint)
	}
	return present
}

// Count checks an optional whole number: nil gives def; otherwise it must be
// a whole number within min-max (unit, e.g. " MB", may be empty). note, when
// not empty, is added in parentheses: where the limit comes from, or how to
// lift it. Returns the value to build with: v, or def when v is bad.
func (p *Problems) Count(field string, v *float64, def, min, max float64, unit, note string) *float64 {
	if v == nil || isToken(*v) {
		if v == nil {
			return jsii.Number(def)
		}
		return v
	}
	switch {
	case *v < min || *v > max:
		p.Addf("%s %s%s is outside %s-%s%s%s", field, Num(*v), unit, Num(min), Num(max), unit, paren(note))
	case *v != math.Trunc(*v):
		p.Addf("%s %s%s is not a whole number", field, Num(*v), unit)
	default:
		return v
	}
	return jsii.Number(def)
}

// Duration checks an optional duration: nil gives def; otherwise it must lie
// within minSeconds-maxSeconds and, if whole, be a whole number of seconds
// (most CloudFormation properties hold integer seconds). Returns the value to
// build with: d, or def when d is bad. Unresolved tokens pass unchecked.
func (p *Problems) Duration(field string, d, def awscdk.Duration, minSeconds, maxSeconds float64, whole bool, note string) awscdk.Duration {
	if d == nil {
		return def
	}
	if *d.IsUnresolved() {
		return d
	}
	s := Seconds(d)
	switch {
	case s < minSeconds || s > maxSeconds:
		p.Addf("%s %ss is outside %s-%ss%s", field, Num(s), Num(minSeconds), Num(maxSeconds), paren(note))
	case whole && s != math.Trunc(s):
		p.Addf("%s %ss is not a whole number of seconds", field, Num(s))
	default:
		return d
	}
	return def
}

// MinDuration checks an optional duration with a lower bound only (an alarm
// threshold): nil gives def; below minSeconds is reported. Returns the value
// to build with.
func (p *Problems) MinDuration(field string, d, def awscdk.Duration, minSeconds float64) awscdk.Duration {
	if d == nil {
		return def
	}
	if *d.IsUnresolved() {
		return d
	}
	if s := Seconds(d); s < minSeconds {
		p.Addf("%s %ss must be at least %ss", field, Num(s), Num(minSeconds))
		return def
	}
	return d
}

// Seconds returns d in seconds, fractions kept (Duration.ToSeconds fails on
// a duration that is not a whole number of seconds).
func Seconds(d awscdk.Duration) float64 {
	return *d.ToMilliseconds(&awscdk.TimeConversionOptions{Integral: jsii.Bool(false)}) / 1000
}

// Num formats a number as written, without exponent: 1209600, 1.5.
func Num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func paren(note string) string {
	if note == "" {
		return ""
	}
	return " (" + note + ")"
}

// isToken reports whether v is a CDK token standing for a number resolved at
// deploy time (jsii.Number(*awscdk.Token_AsNumber(...))): such values are not
// checked.
func isToken(v float64) bool {
	// Number tokens are encoded as huge negative doubles (-1.8881545897087e+289);
	// asking jsii for every number would cost a round trip each.
	return v < -1e280 && *awscdk.Token_IsUnresolved(v)
}

// Path returns the construct path of c, for messages naming another
// construct: "App/Stack/Bucket".
func Path(c constructs.IConstruct) string {
	if c == nil {
		return "<nil>"
	}
	return strings.TrimPrefix(*c.Node().Path(), "/")
}
