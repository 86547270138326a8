package scheduledfunction

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zone names are checked at synth without the system's zoneinfo
)

// checkExpression returns what is wrong with a schedule expression, "" when
// nothing: rate(value unit), cron(6 fields) or, with EventBridge Scheduler
// only (oneTime), at(yyyy-mm-ddThh:mm:ss). The grammar is EventBridge
// Scheduler's and EventBridge's ("Schedule types in EventBridge Scheduler",
// "Cron expressions" in the EventBridge User Guide).
func checkExpression(expr string, oneTime bool) string {
	open, close := strings.Index(expr, "("), strings.LastIndex(expr, ")")
	if open < 0 || close != len(expr)-1 {
		return "is not a rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss) expression"
	}
	kind, body := expr[:open], expr[open+1:close]
	switch kind {
	case "rate":
		return checkRate(body)
	case "cron":
		return checkCron(body)
	case "at":
		if !oneTime {
			return "is a one-time schedule, which only EventBridge Scheduler runs: EventBridge rules take rate and cron expressions; use Kind KindScheduler"
		}
		if _, err := time.Parse("2006-01-02T15:04:05", body); err != nil {
			return fmt.Sprintf("has the date and time %q, not yyyy-mm-ddThh:mm:ss (e.g. at(2027-01-31T09:30:00), in TimeZone)", body)
		}
		return ""
	}
	return "is not a rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss) expression"
}

// checkRate checks "value unit": value a positive whole number; unit
// minute(s), hour(s), day(s), singular exactly when value is 1.
func checkRate(body string) string {
	f := strings.Fields(body)
	if len(f) != 2 {
		return "is not rate(value unit), e.g. rate(5 minutes)"
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 {
		return fmt.Sprintf("has the rate value %q, which is not a positive whole number", f[0])
	}
	unit := f[1]
	singular := strings.TrimSuffix(unit, "s")
	if singular != "minute" && singular != "hour" && singular != "day" {
		return fmt.Sprintf("has the rate unit %q, not one of minute, minutes, hour, hours, day, days", unit)
	}
	switch {
	case n == 1 && unit != singular:
		return fmt.Sprintf("needs the singular unit with the value 1: rate(1 %s)", singular)
	case n > 1 && unit == singular:
		return fmt.Sprintf("needs the plural unit with a value above 1: rate(%d %ss)", n, singular)
	}
	return ""
}

// cronField describes one of the six fields of a cron expression.
type cronField struct {
	name     string
	min, max int
	names    []string // names of the values from min on (JAN..., SUN...)
	special  string   // wildcards besides , - * / (EventBridge's table)
}

var cronFields = []cronField{
	{name: "minutes", min: 0, max: 59},
	{name: "hours", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, special: "?LW"},
	{name: "month", min: 1, max: 12, names: strings.Fields("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC")},
	{name: "day-of-week", min: 1, max: 7, names: strings.Fields("SUN MON TUE WED THU FRI SAT"), special: "?L#"},
	{name: "year", min: 1970, max: 2199},
}

// checkCron checks the six fields of a cron expression: values, ranges,
// steps and the wildcards each allows; and that exactly one of
// day-of-month and day-of-week is "?".
func checkCron(body string) string {
	f := strings.Fields(body)
	if len(f) != len(cronFields) {
		return fmt.Sprintf("has %d cron fields, not 6 (minutes hours day-of-month month day-of-week year)", len(f))
	}
	for i, spec := range cronFields {
		if msg := spec.check(strings.ToUpper(f[i])); msg != "" {
			return fmt.Sprintf("has the %s field %q: %s", spec.name, f[i], msg)
		}
	}
	if (f[2] == "?") == (f[4] == "?") {
		return "must have ? in exactly one of day-of-month and day-of-week (a value or * in one, ? in the other)"
	}
	return ""
}

func (c cronField) check(v string) string {
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z', strings.ContainsRune(",-*/", r):
		case strings.ContainsRune(c.special, r):
		default:
			return fmt.Sprintf("%q is not allowed (allowed: digits, , - * /%s)", string(r), spaced(c.special))
		}
	}
	if v == "?" {
		if !strings.Contains(c.special, "?") {
			return `"?" is allowed in day-of-month and day-of-week only`
		}
		return ""
	}
	for _, item := range strings.Split(v, ",") {
		if msg := c.item(item); msg != "" {
			return msg
		}
	}
	return ""
}

// item checks one comma-separated item: *, a value, a range, either with a
// /step, or the field's specials (L, W, #).
func (c cronField) item(item string) string {
	if base, step, ok := strings.Cut(item, "/"); ok {
		if n, err := strconv.Atoi(step); err != nil || n < 1 {
			return fmt.Sprintf("step %q is not a positive whole number", step)
		}
		item = base
	}
	switch {
	case item == "*":
		return ""
	case item == "":
		return "an empty value"
	case c.name == "day-of-month" && (item == "L" || item == "LW"):
		return ""
	case c.name == "day-of-month" && strings.HasSuffix(item, "W"):
		return c.value(strings.TrimSuffix(item, "W"))
	case c.name == "day-of-week" && item == "L":
		return ""
	case c.name == "day-of-week" && strings.HasSuffix(item, "L"):
		return c.value(strings.TrimSuffix(item, "L"))
	case c.name == "day-of-week" && strings.Contains(item, "#"):
		day, nth, _ := strings.Cut(item, "#")
		if n, err := strconv.Atoi(nth); err != nil || n < 1 || n > 5 {
			return fmt.Sprintf("%q: the occurrence after # must be 1-5", item)
		}
		return c.value(day)
	}
	if lo, hi, ok := strings.Cut(item, "-"); ok {
		if msg := c.value(lo); msg != "" {
			return msg
		}
		return c.value(hi)
	}
	return c.value(item)
}

// value checks a single value: a whole number within the field's range, or
// one of its names.
func (c cronField) value(v string) string {
	for _, n := range c.names {
		if v == n {
			return ""
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		if len(c.names) > 0 {
			return fmt.Sprintf("%q is not a value %d-%d or %s-%s", v, c.min, c.max, c.names[0], c.names[len(c.names)-1])
		}
		return fmt.Sprintf("%q is not a value %d-%d", v, c.min, c.max)
	}
	if n < c.min || n > c.max {
		return fmt.Sprintf("%d is outside %d-%d", n, c.min, c.max)
	}
	return ""
}

func spaced(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(" " + string(r))
	}
	return b.String()
}

// checkTimeZone returns what is wrong with an IANA time zone name, "" when
// nothing. Go's embedded time zone database decides (time/tzdata), so synth
// needs no zoneinfo on the machine.
func checkTimeZone(name string) string {
	if name == "" || name == "Local" {
		return "is not an IANA time zone name (e.g. Europe/Paris, America/New_York, UTC)"
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "is not an IANA time zone name (e.g. Europe/Paris, America/New_York, UTC)"
	}
	return ""
}
