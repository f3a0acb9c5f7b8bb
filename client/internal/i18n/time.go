package i18n

import "time"

// When describes t relative to now in l, with the absolute time (UTC)
// after it: "in 59 minutes (2025-01-02 15:04:05 UTC)".
func (l Lang) When(t, now time.Time) string {
	return l.Relative(t, now) + " (" + t.UTC().Format("2006-01-02 15:04:05 MST") + ")"
}

// Relative describes t relative to now in words: "in 59 minutes",
// "3 seconds ago", "now".
func (l Lang) Relative(t, now time.Time) string {
	d := t.Sub(now).Truncate(time.Second)
	switch {
	case d == 0:
		return l.T("now")
	case d > 0:
		return l.T("in %s", l.Duration(d))
	default:
		return l.T("%s ago", l.Duration(-d))
	}
}

// durationUnits are the units Duration counts in, largest first, each the
// key of its plural message ("%d days": "1 day", "2 days").
var durationUnits = []struct {
	size time.Duration
	key  string
}{
	{24 * time.Hour, "%d days"}, {time.Hour, "%d hours"}, {time.Minute, "%d minutes"}, {time.Second, "%d seconds"},
}

// Duration says d in its largest whole unit: "1 hour", "59 minutes",
// "30 days". It rounds down (as Relative does), so a token said to last
// "59 minutes" does.
func (l Lang) Duration(d time.Duration) string {
	for _, u := range durationUnits {
		if n := int(d / u.size); n >= 1 {
			return l.T(u.key, n)
		}
	}
	return l.T("less than a second")
}

// Seconds says d in whole seconds, however long: "1 second", "65 seconds"
// (where Duration, rounding to its largest unit, would say "1 minute"). It
// is for an interval the reader must wait exactly.
func (l Lang) Seconds(d time.Duration) string {
	return l.T("%d seconds", int(d/time.Second))
}
