//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait"
)

// result is what one variant run reports (one JSON line on its stdout).
// Durations are in nanoseconds, memory in KiB unless named otherwise.
type result struct {
	Variant    string `json:"variant"`
	N          int    `json:"n"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Limits     string `json:"limits"`
	Started    int    `json:"started"`     // children started
	Learned    int    `json:"learned"`     // exits the waiters learned of
	Threads    int    `json:"threads"`     // OS threads while every wait is parked
	BaseRSSKiB int64  `json:"base_rss"`    // resident memory before any child
	RSSKiB     int64  `json:"rss"`         // resident memory while every wait is parked
	StackInuse uint64 `json:"stack_inuse"` // runtime.MemStats.StackInuse then, bytes
	OneN       int    `json:"one_n"`       // children killed one at a time
	P50ns      int64  `json:"p50"`         // their exit-to-wake latency
	P99ns      int64  `json:"p99"`
	MaxNs      int64  `json:"max"`
	AllN       int    `json:"all_n"` // children that died all at once
	AllNs      int64  `json:"all"`   // from their death to the last exit learned
	CPUns      int64  `json:"cpu"`   // user+system CPU from the first kill to the last exit learned
	StartNs    int64  `json:"start"` // time to start the N children
	Error      string `json:"error,omitempty"`
}

func (r result) summary() string {
	if r.Error != "" {
		return r.Error
	}
	return fmt.Sprintf("%d threads, RSS %.1f MiB (+%.1f), p50 %s p99 %s max %s, %d at once in %s, CPU %s, started in %.1f s",
		r.Threads, mib(r.RSSKiB), mib(r.RSSKiB-r.BaseRSSKiB), us(r.P50ns), us(r.P99ns), us(r.MaxNs), r.AllN, us(r.AllNs), us(r.CPUns), float64(r.StartNs)/1e9)
}

// runSubprocess runs one variant in a new process (the same binary, with
// the hidden runFlag) and turns whatever happens to it into a result.
func runSubprocess(ctx context.Context, exe string, cfg config, variant string, n int) result {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, runFlag, variant, "-n", strconv.Itoa(n), "-burst", cfg.burst)
	cmd.WaitDelay = 10 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var r result
	if jerr := json.Unmarshal(out.Bytes(), &r); jerr != nil || err != nil {
		if r.Error == "" {
			r.Error = failure(err, errOut.String())
		}
		r.Variant, r.N = variant, n
	}
	return r
}

// failure summarises how a variant process died: its error and the first
// line of its stderr that says why (the runtime's "fatal error: ..." line).
func failure(err error, stderr string) string {
	why := ""
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.Contains(line, "fatal error") || strings.Contains(line, "thread") || strings.HasPrefix(line, "error:") {
			why = line
			break
		}
		if why == "" {
			why = line
		}
	}
	if err == nil {
		return "no result: " + why
	}
	return fmt.Sprintf("failed (%v): %s", err, why)
}

// adoptOrphans makes this process a subreaper where the OS has one, so the
// children of a variant that dies become ours; they exit by themselves (the
// variant held their pipe's only write end). The returned function reaps
// them.
func adoptOrphans() func() {
	if wait.SetSubreaper(true) != nil {
		return func() {}
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := wait.ReapAll(ctx, func(wait.Exit) {}); err != nil {
			fmt.Fprintln(os.Stderr, "handlebench: reaping a dead variant's children:", err)
		}
	}
}

// variantMain is the subprocess: args are VARIANT -n N -burst B.
func variantMain(args []string, stdout, stderr io.Writer) int {
	if len(args) < 1 {
		fmt.Fprintln(stderr, "handlebench: no variant")
		return 2
	}
	fs := flag.NewFlagSet("handlebench "+runFlag, flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 0, "children")
	burst := fs.String("burst", "eof", "eof or kill")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	r := runVariant(args[0], *n, *burst)
	if r.Error != "" {
		fmt.Fprintln(stderr, "error:", r.Error)
	}
	if err := json.NewEncoder(stdout).Encode(r); err != nil {
		return 1
	}
	return 0
}

// waitTimeout bounds each wait for an exit to be learned: far beyond any
// latency worth measuring, it only keeps a broken variant from hanging.
const waitTimeout = time.Minute

// runVariant starts n children, parks the variant's waiters, measures, then
// kills some children one at a time and the rest all at once.
func runVariant(variant string, n int, burst string) result {
	r := result{Variant: variant, N: n, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	if !slices.Contains(allVariants, variant) || n < 2 {
		r.Error = fmt.Sprintf("bad variant %q or N %d", variant, n)
		return r
	}
	lim, err := raiseNofile(0)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Limits = lim.String()
	cat, err := exec.LookPath("cat")
	if err != nil {
		r.Error = err.Error()
		return r
	}

	// The harness's own state, made before the baseline so that only the
	// children's waiting counts beyond it.
	pids := make([]int, n)
	woke := make([]int64, n) // when child i's exit was learned (ns since base)
	learned := make(chan int, n)
	index := make(map[int]int, n) // pid to child, for the Group's Exits
	oneN := min(n/2, 1000)
	victims := make([]int, oneN) // killed one at a time, spread over all N
	for k := range victims {
		victims[k] = k * n / oneN
	}
	lat := make([]int64, oneN)
	var errMu sync.Mutex
	var waitErrs []string
	noteErr := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(waitErrs) < 3 {
			waitErrs = append(waitErrs, err.Error())
		}
	}
	stdin, stdinW, err := os.Pipe()
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer stdin.Close()
	defer stdinW.Close()
	base := time.Now()
	now := func() int64 { return int64(time.Since(base)) }
	runtime.GC()
	debug.FreeOSMemory()
	r.BaseRSSKiB = rssKiB()

	var g *wait.Group
	if variant == "group" {
		if g, err = wait.NewGroup(); err != nil {
			r.Error = err.Error()
			return r
		}
		defer g.Close()
	}
	var wg sync.WaitGroup
	var startErr error
	t0 := time.Now()
	for i := range n {
		cmd := exec.Command(cat)
		cmd.Stdin = stdin
		if variant == "exec" {
			if err := cmd.Start(); err != nil {
				startErr = fmt.Errorf("child %d: %w", i, err)
				break
			}
			pids[i] = cmd.Process.Pid
			r.Started++
			wg.Go(func() {
				err := cmd.Wait()
				woke[i] = now()
				if _, ok := errors.AsType[*exec.ExitError](err); err != nil && !ok {
					noteErr(err)
				}
				learned <- i
			})
			continue
		}
		h, err := wait.Start(cmd)
		if err != nil {
			startErr = fmt.Errorf("child %d: %w", i, err)
			break
		}
		pids[i] = h.Pid() // before Release
		cmd.Process.Release()
		if variant == "handle" {
			r.Started++
			wg.Go(func() {
				_, err := h.Wait(context.Background())
				woke[i] = now()
				if err != nil {
					noteErr(err)
				}
				learned <- i
				h.Close()
			})
			continue
		}
		if err := g.Add(h); err != nil {
			startErr = fmt.Errorf("child %d: wait.Group.Add: %w", i, err)
			if h.Pid() > 1 {
				_ = h.Signal(syscall.SIGKILL)
			}
			_, _ = h.Wait(context.Background())
			h.Close()
			break
		}
		index[pids[i]] = i
		r.Started++
	}
	r.StartNs = int64(time.Since(t0))
	if variant == "group" {
		started := r.Started
		wg.Go(func() {
			for range started {
				e, err := g.Next(context.Background())
				t := now()
				if err != nil {
					noteErr(fmt.Errorf("wait.Group.Next: %w", err))
					return
				}
				i, ok := index[e.Pid]
				if !ok {
					noteErr(fmt.Errorf("wait.Group.Next returned pid %d, which is no member", e.Pid))
					continue
				}
				woke[i] = t
				learned <- i
			}
		})
	}
	if startErr != nil {
		// Every child started reads EOF and exits; learn of them all.
		stdinW.Close()
		for range r.Started {
			select {
			case <-learned:
				r.Learned++
			case <-time.After(waitTimeout):
			}
		}
		r.Error = fmt.Sprintf("started %d of %d: %v", r.Started, n, startErr)
		return r
	}

	// Let every waiter block and drop the garbage of starting (all
	// variants alike), then measure what the waiting itself keeps.
	settle()
	runtime.GC()
	debug.FreeOSMemory()
	r.Threads = threads()
	r.RSSKiB = rssKiB()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.StackInuse = ms.StackInuse

	cpu0 := cpuTime()
	fail := func(format string, args ...any) result {
		r.Error = fmt.Sprintf(format, args...)
		stdinW.Close() // the other children end
		return r
	}
	killed := make([]bool, n)
	for k, i := range victims {
		pid := pids[i]
		if pid <= 1 {
			return fail("child %d has pid %d", i, pid)
		}
		t := now()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return fail("kill %d: %v", pid, err)
		}
		killed[i] = true
		select {
		case j := <-learned:
			r.Learned++
			if j != i {
				return fail("learned of child %d (pid %d) while waiting for child %d (pid %d)", j, pids[j], i, pid)
			}
		case <-time.After(waitTimeout):
			return fail("the exit of pid %d not learned within %v", pid, waitTimeout)
		}
		lat[k] = woke[i] - t
	}
	r.OneN = oneN

	r.AllN = n - oneN
	t := now()
	if burst == "kill" {
		for i, pid := range pids {
			if !killed[i] && pid > 1 {
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					return fail("kill %d: %v", pid, err)
				}
			}
		}
	}
	stdinW.Close()
	deadline := time.NewTimer(waitTimeout)
	last := t
	for range r.AllN {
		select {
		case j := <-learned:
			r.Learned++
			last = max(last, woke[j])
		case <-deadline.C:
			return fail("%d of %d exits not learned within %v of their death", n-r.Learned, r.AllN, waitTimeout)
		}
	}
	deadline.Stop()
	r.AllNs = last - t
	r.CPUns = int64(cpuTime() - cpu0)
	wg.Wait()

	slices.Sort(lat)
	r.P50ns = lat[oneN/2]
	r.P99ns = lat[min(oneN-1, oneN*99/100)]
	r.MaxNs = lat[oneN-1]
	errMu.Lock()
	defer errMu.Unlock()
	if len(waitErrs) > 0 {
		r.Error = "wait: " + strings.Join(waitErrs, "; ")
	}
	return r
}

// settle waits until the thread count has not changed for half a second (at
// most 20 s): the waiters have all blocked by then.
func settle() {
	last := threads()
	for range 40 {
		time.Sleep(500 * time.Millisecond)
		now := threads()
		if now == last {
			return
		}
		last = now
	}
}

// threads counts this process's OS threads: /proc on Linux, else the
// runtime's count of threads created (Go seldom ends one).
func threads() int {
	if v, ok := procStatus("Threads:"); ok {
		return int(v)
	}
	return pprof.Lookup("threadcreate").Count()
}

// rssKiB is the resident set: VmRSS on Linux, else the peak (ru_maxrss).
func rssKiB() int64 {
	if v, ok := procStatus("VmRSS:"); ok {
		return v
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return wait.RusageFromSyscall(&ru).MaxRSS / 1024
}

// cpuTime is this process's user plus system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	u := wait.RusageFromSyscall(&ru)
	return u.UserTime + u.SystemTime
}

func procStatus(key string) (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				return 0, false
			}
			n, err := strconv.ParseInt(f[0], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// limits are the resource limits that bound the number of children.
type limits struct {
	nofile, was, nproc unix.Rlimit
	hasNproc           bool
}

func (l limits) String() string {
	s := fmt.Sprintf("RLIMIT_NOFILE soft %s hard %s", rlim(uint64(l.nofile.Cur)), rlim(uint64(l.nofile.Max)))
	if l.was != l.nofile {
		s += fmt.Sprintf(" (raised from soft %s hard %s)", rlim(uint64(l.was.Cur)), rlim(uint64(l.was.Max)))
	}
	if l.hasNproc {
		s += fmt.Sprintf(", RLIMIT_NPROC soft %s hard %s", rlim(uint64(l.nproc.Cur)), rlim(uint64(l.nproc.Max)))
	}
	return s
}

func rlim(v uint64) string {
	if v == uint64(unix.RLIM_INFINITY) || v >= 1<<62 {
		return "unlimited"
	}
	return strconv.FormatUint(v, 10)
}

// raiseNofile raises RLIMIT_NOFILE's soft limit to its hard one, or both to
// want when want > 0, and returns the limits.
func raiseNofile(want uint64) (limits, error) {
	var l limits
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &l.was); err != nil {
		return l, fmt.Errorf("getrlimit RLIMIT_NOFILE: %w", err)
	}
	l.nofile = l.was
	l.nofile.Cur = l.nofile.Max
	if want > 0 {
		setTo(&l.nofile.Cur, want)
		if uint64(l.nofile.Max) < want {
			setTo(&l.nofile.Max, want)
		}
	}
	if l.nofile != l.was {
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &l.nofile); err != nil {
			return l, fmt.Errorf("setrlimit RLIMIT_NOFILE to soft %d hard %d: %w", l.nofile.Cur, l.nofile.Max, err)
		}
	}
	ok, err := getNproc(&l.nproc)
	if err != nil {
		return l, fmt.Errorf("getrlimit RLIMIT_NPROC: %w", err)
	}
	l.hasNproc = ok
	return l, nil
}

// setTo stores v in an rlimit field, whose type differs between systems.
func setTo[T int64 | uint64](p *T, v uint64) { *p = T(v) }

// kernel names the running kernel (uname -r), or "".
func kernel() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return ", " + unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
}
