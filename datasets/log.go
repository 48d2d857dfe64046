// Package datasets loads user-behavior logs and turns them into next-behavior prediction tasks.
//
// Data flows one way: a loader reads a file into a [Log] (users, each with time-ordered events),
// [BuildTask] turns a Log into train/valid/test [Sample]s with the anchor/tail split and the
// tail-shot restriction of one experiment cell, and methods consume the [Task].
package datasets

import (
	"fmt"
	"sort"
	"time"
)

// Event is one user behavior at a point in time.
type Event struct {
	// Time orders a user's events; it need not be a real calendar date (GeoLife has day offsets).
	Time time.Time
	// Weekday and Hour are the local time context shown to models.
	Weekday time.Weekday
	Hour    int
	// Behavior names the behavior (venue category, location id, app, ...).
	Behavior string
}

// User is one user's events in time order.
type User struct {
	ID     string
	Events []Event
}

// Log is a loaded data set: users with time-ordered events.
type Log struct {
	// Name is the data set name (e.g. "nyc"); Source says where it was read from.
	Name   string
	Source string
	Users  []User
}

// NumEvents returns the total number of events.
func (l *Log) NumEvents() int {
	n := 0
	for _, u := range l.Users {
		n += len(u.Events)
	}
	return n
}

// newLog groups events by user (users sorted by id, numerically when ids are numbers), sorts each
// user's events by time (stable, so ties keep file order) and checks that the log is not empty.
func newLog(name, source string, byUser map[string][]Event) (*Log, error) {
	if len(byUser) == 0 {
		return nil, fmt.Errorf("%s: no events", source)
	}
	ids := make([]string, 0, len(byUser))
	for id := range byUser {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return lessID(ids[i], ids[j]) })
	log := &Log{Name: name, Source: source}
	for _, id := range ids {
		ev := byUser[id]
		sort.SliceStable(ev, func(i, j int) bool { return ev[i].Time.Before(ev[j].Time) })
		log.Users = append(log.Users, User{ID: id, Events: ev})
	}
	return log, nil
}

// lessID orders ids numerically when both are decimal numbers of different length, else as strings.
func lessID(a, b string) bool {
	if isDigits(a) && isDigits(b) && len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
