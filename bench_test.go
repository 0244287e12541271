//go:build linux

package wait

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The benchmarks poll a live child with WNOHANG, so every call is one real
// system call that finds nothing: the cost measured is the library's own
// overhead plus the kernel's scan of the child list. Each of ours runs beside
// the same call through golang.org/x/sys/unix, in the same run, on the same
// child. Compare with:
//
//	go test -run '^$' -bench . -benchmem -count 10 > new.txt
//	benchstat -col /impl new.txt
//
// On a busy machine the separate sub-benchmarks drift with the load;
// BenchmarkPaired interleaves short blocks of both calls and reports the
// median of the per-block ratios, which the load affects far less.

// benchChild starts one child for a whole benchmark: it blocks reading a
// pipe until the benchmark's cleanup closes it (or kills it).
func benchChild(b *testing.B) int {
	b.Helper()
	pid, _ := startBlock(b)
	return pid
}

// benchCalls are our calls and x/sys's, each polling one live child with
// WNOHANG. A call returns what it found, a PID (x/sys's Waitid: si_signo),
// which must be 0, and its error.
type benchCalls struct {
	wait4, wait4Rusage, waitid, wait6, wait6Rusage func() (int, error) // ours
	xWait4, xWait4Rusage, xWaitid, xWaitidRusage   func() (int, error) // x/sys's
}

func newBenchCalls(pid int) benchCalls {
	var ws WaitStatus
	var ru Rusage
	var wru WRusage
	var info Info
	var uws unix.WaitStatus
	var uru unix.Rusage
	var si unix.Siginfo
	return benchCalls{
		wait4:       func() (int, error) { return Wait4(pid, &ws, WNOHANG, nil) },
		wait4Rusage: func() (int, error) { return Wait4(pid, &ws, WNOHANG, &ru) },
		waitid: func() (int, error) {
			err := Waitid(P_PID, pid, &info, WEXITED|WNOHANG)
			return info.Pid, err
		},
		wait6:        func() (int, error) { return Wait6(P_PID, pid, &ws, WEXITED|WNOHANG, nil, &info) },
		wait6Rusage:  func() (int, error) { return Wait6(P_PID, pid, &ws, WEXITED|WNOHANG, &wru, &info) },
		xWait4:       func() (int, error) { return unix.Wait4(pid, &uws, unix.WNOHANG, nil) },
		xWait4Rusage: func() (int, error) { return unix.Wait4(pid, &uws, unix.WNOHANG, &uru) },
		xWaitid: func() (int, error) {
			err := unix.Waitid(unix.P_PID, pid, &si, unix.WEXITED|unix.WNOHANG, nil)
			return int(si.Signo), err
		},
		xWaitidRusage: func() (int, error) {
			err := unix.Waitid(unix.P_PID, pid, &si, unix.WEXITED|unix.WNOHANG, &uru)
			return int(si.Signo), err
		},
	}
}

// benchNamed is a call and the name of its sub-benchmark.
type benchNamed struct {
	name string
	call func() (int, error)
}

// benchEach runs each call as a sub-benchmark of its name.
func benchEach(b *testing.B, calls []benchNamed) {
	for _, c := range calls {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if n, err := c.call(); n != 0 || err != nil {
					b.Fatalf("nothing to report expected: %d, %v", n, err)
				}
			}
		})
	}
}

func BenchmarkWait4(b *testing.B) {
	c := newBenchCalls(benchChild(b))
	benchEach(b, []benchNamed{
		{"impl=wait", c.wait4},
		{"impl=unix", c.xWait4},
		{"impl=wait/rusage=yes", c.wait4Rusage},
		{"impl=unix/rusage=yes", c.xWait4Rusage},
	})
}

func BenchmarkWaitid(b *testing.B) {
	c := newBenchCalls(benchChild(b))
	benchEach(b, []benchNamed{
		{"impl=wait", c.waitid},
		{"impl=unix", c.xWaitid},
	})
}

func BenchmarkWait6(b *testing.B) {
	c := newBenchCalls(benchChild(b))
	benchEach(b, []benchNamed{
		{"impl=wait", c.wait6},
		{"impl=unix", c.xWaitid},
		{"impl=wait/rusage=yes", c.wait6Rusage},
		{"impl=unix/rusage=yes", c.xWaitidRusage},
	})
}

// benchStatuses are the kinds of status word a wait call returns on Linux.
var benchStatuses = [...]WaitStatus{0x0300, 0x0009, 0x0086, 0x137f, 0xffff, 0x4057f}

var sinkBool bool
var sinkInt int

func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s := benchStatuses[i%len(benchStatuses)]
		sinkBool = s.Exited() != s.Signaled() != s.CoreDump() != s.Stopped() != s.Continued()
		sinkInt = s.ExitStatus() + int(s.Signal()) + int(s.StopSignal()) + s.TrapCause()
	}
}

// BenchmarkPaired runs blocks of our call and of x/sys's in turn (swapping
// which goes first) on the same live child and reports each one's time per
// call and the median ratio ours/x/sys over the blocks.
func BenchmarkPaired(b *testing.B) {
	c := newBenchCalls(benchChild(b))
	pairs := []struct {
		name         string
		ours, theirs func() (int, error)
	}{
		{"Wait4", c.wait4, c.xWait4},
		{"Wait4-rusage", c.wait4Rusage, c.xWait4Rusage},
		{"Waitid", c.waitid, c.xWaitid},
		{"Wait6", c.wait6, c.xWaitid},
	}
	for _, p := range pairs {
		b.Run(p.name, func(b *testing.B) {
			for _, f := range []func() (int, error){p.ours, p.theirs} {
				if n, err := f(); n != 0 || err != nil {
					b.Fatalf("nothing to report expected: %d, %v", n, err)
				}
			}
			const block = 32
			var ratios []float64
			var ours, theirs time.Duration
			run := func(f func() (int, error)) time.Duration {
				t0 := time.Now()
				for range block {
					_, _ = f()
				}
				return time.Since(t0)
			}
			b.ResetTimer()
			for i := 0; i*block < b.N; i++ {
				var o, t time.Duration
				if i%2 == 0 {
					o, t = run(p.ours), run(p.theirs)
				} else {
					t, o = run(p.theirs), run(p.ours)
				}
				ours += o
				theirs += t
				ratios = append(ratios, float64(o)/float64(t))
			}
			b.StopTimer()
			slices.Sort(ratios)
			calls := float64(len(ratios) * block)
			b.ReportMetric(float64(ours.Nanoseconds())/calls, "ours-ns/call")
			b.ReportMetric(float64(theirs.Nanoseconds())/calls, "xsys-ns/call")
			b.ReportMetric(ratios[len(ratios)/2], "median-ratio")
			b.ReportMetric(0, "ns/op") // the time is in the metrics above
		})
	}
}
