// Package catch turns panics into errors. GoMLX reports shape and graph-building mistakes by
// panicking; the harness returns them as errors instead, so that one bad cell fails alone.
package catch

import "fmt"

// Panic, deferred, turns a panic of the calling function into *err, prefixed with where. An error
// value is wrapped (errors.Is and errors.As see through it); any other value is formatted with %v.
// It must be called directly by defer:
//
//	defer catch.Panic(&err, "train.Fit")
func Panic(err *error, where string) {
	r := recover()
	if r == nil {
		return
	}
	if e, ok := r.(error); ok {
		*err = fmt.Errorf("%s: %w", where, e)
		return
	}
	*err = fmt.Errorf("%s: %v", where, r)
}
