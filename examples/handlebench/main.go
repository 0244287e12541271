//go:build unix

// Command handlebench compares three ways of waiting for many children, side
// by side in one run:
//
//   - exec: os/exec, cmd.Start and one goroutine per child blocked in
//     cmd.Wait (an OS thread each, blocked in wait4);
//   - handle: wait.Start and one goroutine per child parked in h.Wait;
//   - group: wait.Start, g.Add, and one loop calling g.Next.
//
// Each child is cat(1) reading one pipe that all children share as their
// standard input, so a child runs until it is killed or the pipe's write end
// (held by the benchmark only) is closed, and killing one closes nothing
// for the others.
//
// For each N and round, each variant runs in a subprocess of its own, so a
// variant that dies (os/exec reaches the Go runtime's 10,000-thread limit)
// becomes a row of the table instead of ending the run. A variant measures
// its resident memory before it starts any child (the baseline), starts N
// children, parks its waiters, then measures:
//
//   - OS threads (Linux: /proc/self/status) and resident memory (VmRSS),
//     also beyond the baseline, and the runtime's StackInuse;
//   - exit-to-wake latency, one child at a time: it kills min(N/2, 1000)
//     children spread over all N, one by one, by PID, timing from just
//     before kill(2) to the moment the waiter learns of that exit; p50, p99
//     and the maximum;
//   - all at once: it closes the shared pipe (or, with -burst kill, kills
//     each remaining child by PID as fast as it can) and times until the
//     last of the remaining children's exits is learned;
//   - CPU time (getrusage RUSAGE_SELF, user + system) from the first kill to
//     the last exit learned.
//
// The table gives, per N and variant, the median of each column over the
// rounds. The soft RLIMIT_NOFILE is raised to the hard limit (a Handle holds
// one descriptor per child on Linux); -nofile raises both, where permitted.
//
// Usage:
//
//	go run ./examples/handlebench -n 1000,5000,10000,20000 -rounds 3 -exec-max 5000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// runFlag is the hidden flag that makes the binary run one variant: the
// benchmark re-executes itself with it, followed by -n and the variant's
// other flags.
const runFlag = "-internal-variant"

func main() {
	if len(os.Args) > 1 && os.Args[1] == runFlag {
		os.Exit(variantMain(os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

// config is what one benchmark run measures.
type config struct {
	ns       []int
	variants []string
	rounds   int
	execMax  int           // skip exec above this N (0: never)
	burst    string        // "eof" or "kill"
	nofile   uint64        // raise RLIMIT_NOFILE (soft and hard) to this; 0: soft to hard
	timeout  time.Duration // per variant run
}

var allVariants = []string{"exec", "handle", "group"}

// cli parses the flags, runs the benchmark and prints its table on stdout
// (progress on stderr). It returns the exit code.
func cli(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("handlebench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ns := fs.String("n", "1000,5000,10000", "comma-separated numbers of children")
	variants := fs.String("variants", strings.Join(allVariants, ","), "variants to compare: exec (os/exec), handle (wait.Handle per goroutine), group (wait.Group)")
	rounds := fs.Int("rounds", 1, "rounds per N (the table shows medians); the variants alternate within each")
	execMax := fs.Int("exec-max", 0, "skip the exec variant above this N (0: never skip)")
	burst := fs.String("burst", "eof", "how all remaining children die at once: eof (close their shared stdin) or kill (SIGKILL each by PID)")
	nofile := fs.Uint64("nofile", 0, "raise RLIMIT_NOFILE's soft and hard limits to this (needs privilege); 0: raise the soft limit to the hard one")
	timeout := fs.Duration("timeout", 30*time.Minute, "longest a variant run may take before it is killed")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := config{rounds: *rounds, execMax: *execMax, burst: *burst, nofile: *nofile, timeout: *timeout}
	for f := range strings.SplitSeq(*ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 2 {
			fmt.Fprintf(stderr, "handlebench: bad -n value %q (want a number >= 2)\n", f)
			return 2
		}
		cfg.ns = append(cfg.ns, n)
	}
	for v := range strings.SplitSeq(*variants, ",") {
		v = strings.TrimSpace(v)
		if !slices.Contains(allVariants, v) {
			fmt.Fprintf(stderr, "handlebench: unknown variant %q (want %s)\n", v, strings.Join(allVariants, ", "))
			return 2
		}
		cfg.variants = append(cfg.variants, v)
	}
	if cfg.rounds < 1 || (cfg.burst != "eof" && cfg.burst != "kill") {
		fmt.Fprintln(stderr, "handlebench: -rounds must be >= 1 and -burst eof or kill")
		return 2
	}
	if _, err := bench(context.Background(), cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "handlebench:", err)
		return 1
	}
	return 0
}

// row is one line of the table: one variant at one N over all rounds.
type row struct {
	N       int
	Variant string
	Runs    []result // every round, in order
	Median  result   // the median of each column over the rounds that worked
	OK      int      // rounds that worked
	Skipped string   // why the variant was not run at this N
}

// bench runs every configured variant, N and round, prints the header and
// the table of medians to out and progress to progress, and returns the
// rows.
func bench(ctx context.Context, cfg config, out, progress io.Writer) ([]row, error) {
	lim, err := raiseNofile(cfg.nofile)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cleanup := adoptOrphans() // a variant that dies leaves its children to us

	fmt.Fprintf(out, "%s/%s, %d CPUs, GOMAXPROCS %d, %s%s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), kernel())
	fmt.Fprintf(out, "limits: %s\n", lim)
	fmt.Fprintf(out, "children: cat on one shared stdin pipe; one-at-a-time: min(N/2, 1000) kills by PID; all at once: the rest, by %s; medians of %d round(s)\n", burstName(cfg.burst), cfg.rounds)

	var rows []row
	for _, n := range cfg.ns {
		first := len(rows)
		for _, v := range cfg.variants {
			r := row{N: n, Variant: v}
			if v == "exec" && cfg.execMax > 0 && n > cfg.execMax {
				r.Skipped = fmt.Sprintf("skipped: N > -exec-max %d", cfg.execMax)
			}
			rows = append(rows, r)
		}
		for round := range cfg.rounds {
			for i := first; i < len(rows); i++ {
				r := &rows[i]
				if r.Skipped != "" {
					continue
				}
				res := runSubprocess(ctx, exe, cfg, r.Variant, n)
				cleanup()
				r.Runs = append(r.Runs, res)
				fmt.Fprintf(progress, "round %d/%d N=%d %s: %s\n", round+1, cfg.rounds, n, r.Variant, res.summary())
			}
		}
		for i := first; i < len(rows); i++ {
			rows[i].Median, rows[i].OK = median(rows[i].Runs)
		}
	}
	printTable(out, rows)
	return rows, nil
}

func burstName(b string) string {
	if b == "kill" {
		return "SIGKILL to each by PID"
	}
	return "closing their shared stdin"
}

func label(v string) string {
	switch v {
	case "exec":
		return "os/exec Cmd.Wait per goroutine"
	case "handle":
		return "wait.Handle per goroutine"
	case "group":
		return "wait.Group, one Next loop"
	}
	return v
}

// printTable prints the rows as a Markdown table.
func printTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| N | variant | OS threads | RSS | beyond baseline | StackInuse | exit-to-wake p50 | p99 | max | all at once | CPU | start N |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		switch {
		case r.Skipped != "":
			fmt.Fprintf(w, "| %d | %s | %s |||||||||\n", r.N, label(r.Variant), r.Skipped)
			continue
		case r.OK == 0:
			fmt.Fprintf(w, "| %d | %s | %s |||||||||\n", r.N, label(r.Variant), firstError(r.Runs))
			continue
		}
		m := r.Median
		name := label(r.Variant)
		if r.OK < len(r.Runs) {
			name += fmt.Sprintf(" (%d of %d rounds failed: %s)", len(r.Runs)-r.OK, len(r.Runs), firstError(r.Runs))
		}
		fmt.Fprintf(w, "| %d | %s | %d | %.1f MiB | %.1f MiB | %.1f MiB | %s | %s | %s | %s for %d | %s | %.2f s |\n",
			r.N, name, m.Threads, mib(m.RSSKiB), mib(m.RSSKiB-m.BaseRSSKiB), float64(m.StackInuse)/(1<<20),
			us(m.P50ns), us(m.P99ns), us(m.MaxNs), us(m.AllNs), m.AllN, us(m.CPUns), float64(m.StartNs)/1e9)
	}
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

// us prints a duration in nanoseconds in µs below 10 ms, else in ms.
func us(ns int64) string {
	if ns < 10e6 {
		return fmt.Sprintf("%d µs", (ns+500)/1000)
	}
	return fmt.Sprintf("%.1f ms", float64(ns)/1e6)
}

func firstError(runs []result) string {
	for _, r := range runs {
		if r.Error != "" {
			return r.Error
		}
	}
	return "no result"
}

// median returns the median of each column over the runs without an error,
// and how many there were. With an even count it takes the lower middle.
func median(runs []result) (result, int) {
	var ok []result
	for _, r := range runs {
		if r.Error == "" {
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		return result{}, 0
	}
	m := ok[0]
	mid := func(get func(result) int64) int64 {
		v := make([]int64, len(ok))
		for i, r := range ok {
			v[i] = get(r)
		}
		slices.Sort(v)
		return v[(len(v)-1)/2]
	}
	m.Threads = int(mid(func(r result) int64 { return int64(r.Threads) }))
	m.RSSKiB = mid(func(r result) int64 { return r.RSSKiB })
	// The median of the differences, not the difference of the medians.
	diff := mid(func(r result) int64 { return r.RSSKiB - r.BaseRSSKiB })
	m.BaseRSSKiB = m.RSSKiB - diff
	m.StackInuse = uint64(mid(func(r result) int64 { return int64(r.StackInuse) }))
	m.P50ns = mid(func(r result) int64 { return r.P50ns })
	m.P99ns = mid(func(r result) int64 { return r.P99ns })
	m.MaxNs = mid(func(r result) int64 { return r.MaxNs })
	m.AllNs = mid(func(r result) int64 { return r.AllNs })
	m.CPUns = mid(func(r result) int64 { return r.CPUns })
	m.StartNs = mid(func(r result) int64 { return r.StartNs })
	return m, len(ok)
}
