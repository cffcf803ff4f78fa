// Package cputime reads the process's CPU time, for benchmarks that report
// work per CPU second: unlike wall time it stays meaningful on a machine
// shared with other work.
package cputime

import (
	"syscall"
	"time"
)

// Process is the process's user plus system CPU time so far, or 0 when the
// system does not say.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
