//go:build linux

// Command goreap compares wait.Reap with github.com/hashicorp/go-reap on
// storms of orphan exits, side by side in one process that makes itself a
// subreaper. For each mode it alternates the two reapers over fresh storms
// and prints every run, then the medians and their ratio:
//
//	go run . -orphans 10000 -runs 5
//
// "live" releases the orphans while the reaper runs (time from the release
// until every exit was reported); "zombies" lets them all exit first and then
// starts the reaper (time from its start). The orphans are raw forks of this
// program re-executed as middles, which exit with one exit_group and no
// shell, so both modes time the reapers, not the orphans' own work. Lost counts orphans a reaper never
// reported (within 5 s of its last progress); left counts children it left
// unreaped.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/procwait/wait"
)

func main() {
	orphans := flag.Int("orphans", 10000, "orphans per storm (a multiple of -per)")
	per := flag.Int("per", 100, "orphans forked by each middle process")
	runs := flag.Int("runs", 5, "storms per reaper and mode")
	mode := flag.String("mode", "live,zombies", "comma-separated modes: live, zombies")
	flag.Parse()
	if *per <= 0 || *orphans%*per != 0 {
		fmt.Fprintln(os.Stderr, "-orphans must be a multiple of -per")
		os.Exit(2)
	}
	if err := wait.SetSubreaper(true); err != nil {
		fmt.Fprintln(os.Stderr, "goreap:", err)
		os.Exit(1)
	}
	failed := false
	for _, m := range strings.Split(*mode, ",") {
		times := map[string][]time.Duration{}
		lost := map[string]int{}
		for i := range *runs {
			for _, r := range reapers {
				res, err := runOnce(r, m, *orphans / *per, *per)
				if err != nil {
					fmt.Fprintln(os.Stderr, "goreap:", err)
					os.Exit(1)
				}
				fmt.Printf("%-7s run %d  %-9s %5d exits  %10v  %8.1f µs/exit  lost %d  extra %d  left %d\n",
					m, i+1, r.name, *orphans, res.d.Round(time.Microsecond),
					float64(res.d.Microseconds())/float64(*orphans), res.lost, res.extra, res.left)
				times[r.name] = append(times[r.name], res.d)
				lost[r.name] += res.lost + res.left
				failed = failed || res.lost+res.left+res.extra > 0
			}
		}
		mine, theirs := median(times["wait.Reap"]), median(times["go-reap"])
		fmt.Printf("%-7s median over %d runs: wait.Reap %v (lost %d), go-reap %v (lost %d), ratio wait.Reap/go-reap %.2f\n",
			m, *runs, mine.Round(time.Microsecond), lost["wait.Reap"], theirs.Round(time.Microsecond), lost["go-reap"],
			float64(mine)/float64(theirs))
	}
	if failed {
		os.Exit(1)
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
