//go:build unix

package bench

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's CPU time (user + system) so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU starts counting CPU time; the function it returns reports
// cpu-ns/op. On a shared machine CPU time per op varies far less than
// wall time, which waits for other processes too.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }
}
