//go:build !unix

package main

import "time"

// peakRSSMB returns 0: the maximum resident set size is not read on this system.
func peakRSSMB() float64 { return 0 }

// cpuTime returns 0: the process CPU time is not read on this system.
func cpuTime() time.Duration { return 0 }
