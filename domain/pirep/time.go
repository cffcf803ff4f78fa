package pirep

import "time"

// ObservedAt dates the report's /TM time against the time it was received:
// the HHMM on receivedAt's UTC date, or on the previous day when that would
// be later than receivedAt (compared at whole minutes). A report whose Time
// is invalid yields receivedAt truncated to the minute.
func (r Report) ObservedAt(receivedAt time.Time) time.Time {
	rec := receivedAt.UTC().Truncate(time.Minute)
	if !validHHMM(r.Time) {
		return rec
	}
	h, m := atoi(r.Time[:2]), atoi(r.Time[2:])
	t := time.Date(rec.Year(), rec.Month(), rec.Day(), h, m, 0, 0, time.UTC)
	if t.After(rec) {
		t = t.AddDate(0, 0, -1)
	}
	return t
}
