//go:build linux

package main

import (
	"testing"

	"github.com/procwait/wait"
)

// BenchmarkStorm reaps storms of 10,000 orphan exits with wait.Reap and with
// go-reap, side by side in one run (the test binary makes itself a
// subreaper; nothing else in this module starts children). Setting a storm
// up is not timed. Run with -benchtime=1x -count=N for medians, or use the
// comparison program (go run .), which alternates the reapers.
func BenchmarkStorm(b *testing.B) {
	if err := wait.SetSubreaper(true); err != nil {
		b.Skipf("needs a child subreaper: %v", err)
	}
	const middles, per = 100, 100
	for _, mode := range modes {
		for _, r := range reapers {
			b.Run(mode+"/"+r.name, func(b *testing.B) {
				var lost int
				var total int64
				for range b.N {
					res, err := runOnce(r, mode, middles, per)
					if err != nil {
						b.Fatal(err)
					}
					lost += res.lost + res.left
					total += res.d.Nanoseconds()
				}
				b.ReportMetric(0, "ns/op")
				b.ReportMetric(float64(total)/float64(b.N), "ns/storm")
				b.ReportMetric(float64(total)/float64(b.N*middles*per), "ns/exit")
				b.ReportMetric(float64(lost)/float64(b.N), "lost/storm")
			})
		}
	}
}
