package catalog

import "time"

// AccessInterval is how often, at most, a table's access is recorded
// (RecordAccess): often enough to tell tables read today from tables
// nobody read for months, seldom enough that reading a table is not a
// write to the catalog each time.
const AccessInterval = time.Hour

// AccessTime is the LastAccessTime an access at at records: UTC, to the
// second, as the catalog stamps its other times.
func AccessTime(at time.Time) time.Time { return at.UTC().Truncate(time.Second) }

// AccessDue says whether an access at at is recorded over a table last
// accessed at last (zero: never): when last is more than AccessInterval
// before it. An access before the one recorded never moves it back.
func AccessDue(last, at time.Time) bool {
	return last.IsZero() || last.Before(AccessTime(at).Add(-AccessInterval))
}

// LaterAccess is the LastAccessTime an update of a table keeps: the later
// of the stored one and the caller's, so that an update made from a copy
// read before an access was recorded does not take the access back.
func LaterAccess(stored, given time.Time) time.Time {
	if stored.After(given) {
		return stored
	}
	return given
}
