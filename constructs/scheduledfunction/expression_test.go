package scheduledfunction

import "testing"

func TestCheckExpression(t *testing.T) {
	for _, tt := range []struct {
		expr    string
		oneTime bool
		want    string
	}{
		{"rate(1 minute)", true, ""},
		{"rate(5 minutes)", true, ""},
		{"rate(12 hours)", true, ""},
		{"rate(1 day)", true, ""},
		{"rate(1 minutes)", true, "needs the singular unit with the value 1: rate(1 minute)"},
		{"rate(2 day)", true, "needs the plural unit with a value above 1: rate(2 days)"},
		{"rate(0 minutes)", true, `has the rate value "0", which is not a positive whole number`},
		{"rate(1.5 hours)", true, `has the rate value "1.5", which is not a positive whole number`},
		{"rate(5 seconds)", true, `has the rate unit "seconds", not one of minute, minutes, hour, hours, day, days`},
		{"rate(5)", true, "is not rate(value unit), e.g. rate(5 minutes)"},
		{"cron(0 12 * * ? *)", true, ""},
		{"cron(15 10 ? * MON-FRI *)", true, ""},
		{"cron(0/15 * * * ? *)", true, ""},
		{"cron(*/5 8-17 ? * mon,wed,fri 2027)", true, ""},
		{"cron(0 18 L * ? *)", true, ""},
		{"cron(0 9 3W * ? *)", true, ""},
		{"cron(0 9 ? * 6L *)", true, ""},
		{"cron(0 9 ? * FRI#2 *)", true, ""},
		{"cron(0 9 1 JAN-MAR ? 1970-2199)", true, ""},
		{"cron(0 12 * * *)", true, "has 5 cron fields, not 6 (minutes hours day-of-month month day-of-week year)"},
		{"cron(60 12 * * ? *)", true, `has the minutes field "60": 60 is outside 0-59`},
		{"cron(0 12 32 * ? *)", true, `has the day-of-month field "32": 32 is outside 1-31`},
		{"cron(0 12 * 13 ? *)", true, `has the month field "13": 13 is outside 1-12`},
		{"cron(0 12 ? * 8 *)", true, `has the day-of-week field "8": 8 is outside 1-7`},
		{"cron(0 12 * * ? 2200)", true, `has the year field "2200": 2200 is outside 1970-2199`},
		{"cron(0 12 * FOO ? *)", true, `has the month field "FOO": "FOO" is not a value 1-12 or JAN-DEC`},
		{"cron(0 ? * * ? *)", true, `has the hours field "?": "?" is not allowed (allowed: digits, , - * /)`},
		{"cron(0 12 ? * FRI#6 *)", true, `has the day-of-week field "FRI#6": "FRI#6": the occurrence after # must be 1-5`},
		{"cron(0/0 12 * * ? *)", true, `has the minutes field "0/0": step "0" is not a positive whole number`},
		{"cron(0 12 * * * *)", true, "must have ? in exactly one of day-of-month and day-of-week (a value or * in one, ? in the other)"},
		{"cron(0 12 ? * ? *)", true, "must have ? in exactly one of day-of-month and day-of-week (a value or * in one, ? in the other)"},
		{"at(2027-01-31T09:30:00)", true, ""},
		{"at(2027-02-30T09:30:00)", true, `has the date and time "2027-02-30T09:30:00", not yyyy-mm-ddThh:mm:ss (e.g. at(2027-01-31T09:30:00), in TimeZone)`},
		{"at(2027-01-31 09:30)", true, `has the date and time "2027-01-31 09:30", not yyyy-mm-ddThh:mm:ss (e.g. at(2027-01-31T09:30:00), in TimeZone)`},
		{"at(2027-01-31T09:30:00)", false, "is a one-time schedule, which only EventBridge Scheduler runs: EventBridge rules take rate and cron expressions; use Kind KindScheduler"},
		{"every 5 minutes", true, "is not a rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss) expression"},
		{"hourly()", true, "is not a rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss) expression"},
	} {
		t.Run(tt.expr, func(t *testing.T) {
			if got := checkExpression(tt.expr, tt.oneTime); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckTimeZone(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"Europe/Paris", true}, {"America/Argentina/Buenos_Aires", true}, {"UTC", true}, {"Etc/GMT+5", true},
		{"Europe/Pariss", false}, {"", false}, {"Local", false}, {"CEST", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkTimeZone(tt.name) == ""; got != tt.ok {
				t.Errorf("got valid %v, want %v", got, tt.ok)
			}
		})
	}
}
