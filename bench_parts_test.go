//go:build linux

package wait

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/raw"
)

// BenchmarkWaitidParts splits Waitid's cost beyond x/sys's unix.Waitid
// (BenchmarkPaired's Waitid ratio) into its steps, each a variant polling the
// same live child with WNOHANG: the bare system call into a reused buffer
// (raw), into a zeroed buffer as Waitid's own (raw-zeroed), then decoded
// into an Info (raw-decoded), and Waitid itself, whose argument checks are
// the rest. Short blocks of every variant are interleaved, rotating their
// order, and each reports the median of its per-block ratios to x/sys's.
func BenchmarkWaitidParts(b *testing.B) {
	pid := benchChild(b)
	var info Info
	var si unix.Siginfo
	var reused raw.Siginfo
	const opts = unix.WEXITED | unix.WNOHANG
	variants := []struct {
		name string
		f    func() int
	}{
		{"x/sys", func() int { _ = unix.Waitid(unix.P_PID, pid, &si, opts, nil); return int(si.Signo) }},
		{"raw", func() int { _ = raw.Waitid(unix.P_PID, pid, &reused, opts); return 0 }},
		{"raw-zeroed", func() int { var s raw.Siginfo; return int(raw.Waitid(unix.P_PID, pid, &s, opts)) }},
		{"raw-decoded", func() int {
			var s raw.Siginfo
			_ = raw.Waitid(unix.P_PID, pid, &s, opts)
			info = makeInfo(s.Fields())
			return info.Pid
		}},
		{"Waitid", func() int { _ = Waitid(P_PID, pid, &info, WEXITED|WNOHANG); return info.Pid }},
	}
	for _, v := range variants {
		if n := v.f(); n != 0 {
			b.Fatalf("%s: nothing to report expected, got %d", v.name, n)
		}
	}
	const block = 32
	ratios := make([][]float64, len(variants))
	b.ResetTimer()
	for i := 0; i*block < b.N; i++ {
		times := make([]time.Duration, len(variants))
		for j := range variants {
			k := (i + j) % len(variants)
			t0 := time.Now()
			for range block {
				variants[k].f()
			}
			times[k] = time.Since(t0)
		}
		for k := range variants {
			ratios[k] = append(ratios[k], float64(times[k])/float64(times[0]))
		}
	}
	b.StopTimer()
	for k, v := range variants[1:] {
		r := ratios[k+1]
		slices.Sort(r)
		b.ReportMetric(r[len(r)/2], v.name+"/x-sys")
	}
	b.ReportMetric(0, "ns/op") // the figures are the ratios above
}
