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

func BenchmarkWait4(b *testing.B) {
	pid := benchChild(b)
	b.Run("impl=wait", func(b *testing.B) {
		var ws WaitStatus
		b.ReportAllocs()
		for b.Loop() {
			if wpid, err := Wait4(pid, &ws, WNOHANG, nil); wpid != 0 || err != nil {
				b.Fatalf("Wait4 = %d, %v", wpid, err)
			}
		}
	})
	b.Run("impl=unix", func(b *testing.B) {
		var ws unix.WaitStatus
		b.ReportAllocs()
		for b.Loop() {
			if wpid, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); wpid != 0 || err != nil {
				b.Fatalf("unix.Wait4 = %d, %v", wpid, err)
			}
		}
	})
	b.Run("impl=wait/rusage=yes", func(b *testing.B) {
		var ws WaitStatus
		var ru Rusage
		b.ReportAllocs()
		for b.Loop() {
			if wpid, err := Wait4(pid, &ws, WNOHANG, &ru); wpid != 0 || err != nil {
				b.Fatalf("Wait4 = %d, %v", wpid, err)
			}
		}
	})
	b.Run("impl=unix/rusage=yes", func(b *testing.B) {
		var ws unix.WaitStatus
		var ru unix.Rusage
		b.ReportAllocs()
		for b.Loop() {
			if wpid, err := unix.Wait4(pid, &ws, unix.WNOHANG, &ru); wpid != 0 || err != nil {
				b.Fatalf("unix.Wait4 = %d, %v", wpid, err)
			}
		}
	})
}

func BenchmarkWaitid(b *testing.B) {
	pid := benchChild(b)
	b.Run("impl=wait", func(b *testing.B) {
		var info Info
		b.ReportAllocs()
		for b.Loop() {
			if err := Waitid(P_PID, pid, &info, WEXITED|WNOHANG); info.Pid != 0 || err != nil {
				b.Fatalf("Waitid: pid %d, %v", info.Pid, err)
			}
		}
	})
	b.Run("impl=unix", func(b *testing.B) {
		var si unix.Siginfo
		b.ReportAllocs()
		for b.Loop() {
			if err := unix.Waitid(unix.P_PID, pid, &si, unix.WEXITED|unix.WNOHANG, nil); si.Signo != 0 || err != nil {
				b.Fatalf("unix.Waitid: signo %d, %v", si.Signo, err)
			}
		}
	})
}

func BenchmarkWait6(b *testing.B) {
	pid := benchChild(b)
	b.Run("impl=wait", func(b *testing.B) {
		var ws WaitStatus
		var info Info
		b.ReportAllocs()
		for b.Loop() {
			if wpid, err := Wait6(P_PID, pid, &ws, WEXITED|WNOHANG, nil, &info); wpid != 0 || err != nil {
				b.Fatalf("Wait6 = %d, %v", wpid, err)
			}
		}
	})
	b.Run("impl=unix", func(b *testing.B) {
		var si unix.Siginfo
		b.ReportAllocs()
		for b.Loop() {
			if err := unix.Waitid(unix.P_PID, pid, &si, unix.WEXITED|unix.WNOHANG, nil); si.Signo != 0 || err != nil {
				b.Fatalf("unix.Waitid: signo %d, %v", si.Signo, err)
			}
		}
	})
	b.Run("impl=wait/rusage=yes", func(b *testing.B) {
		var ws WaitStatus
		var info Info
		var wru WRusage
		b.ReportAllocs()
		for b.Loop() {
			if wpid, err := Wait6(P_PID, pid, &ws, WEXITED|WNOHANG, &wru, &info); wpid != 0 || err != nil {
				b.Fatalf("Wait6 = %d, %v", wpid, err)
			}
		}
	})
	b.Run("impl=unix/rusage=yes", func(b *testing.B) {
		var si unix.Siginfo
		var ru unix.Rusage
		b.ReportAllocs()
		for b.Loop() {
			if err := unix.Waitid(unix.P_PID, pid, &si, unix.WEXITED|unix.WNOHANG, &ru); si.Signo != 0 || err != nil {
				b.Fatalf("unix.Waitid: signo %d, %v", si.Signo, err)
			}
		}
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
	pid := benchChild(b)
	var ws WaitStatus
	var uws unix.WaitStatus
	var ru Rusage
	var uru unix.Rusage
	var info Info
	var si unix.Siginfo
	pairs := []struct {
		name         string
		ours, theirs func() (int, error)
	}{
		{"Wait4",
			func() (int, error) { return Wait4(pid, &ws, WNOHANG, nil) },
			func() (int, error) { return unix.Wait4(pid, &uws, unix.WNOHANG, nil) }},
		{"Wait4-rusage",
			func() (int, error) { return Wait4(pid, &ws, WNOHANG, &ru) },
			func() (int, error) { return unix.Wait4(pid, &uws, unix.WNOHANG, &uru) }},
		{"Waitid",
			func() (int, error) { return info.Pid, Waitid(P_PID, pid, &info, WEXITED|WNOHANG) },
			func() (int, error) {
				return int(si.Signo), unix.Waitid(unix.P_PID, pid, &si, unix.WEXITED|unix.WNOHANG, nil)
			}},
		{"Wait6",
			func() (int, error) { return Wait6(P_PID, pid, &ws, WEXITED|WNOHANG, nil, &info) },
			func() (int, error) {
				return int(si.Signo), unix.Waitid(unix.P_PID, pid, &si, unix.WEXITED|unix.WNOHANG, nil)
			}},
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
