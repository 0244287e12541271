//go:build unix

// Command handlebench compares waiting for many children with wait.Handle
// and with os/exec's Cmd.Wait, side by side in one run.
//
// For each N it runs each variant in a subprocess of its own, so a variant
// that dies (os/exec reaches the Go runtime's 10,000-thread limit) is
// reported instead of ending the run. A variant starts N children
// (/bin/sleep), parks one waiting goroutine per child, then measures the
// process's OS threads and resident memory; then it kills the children one
// at a time, recording the time of each kill and the time its Wait returned,
// and reports the median and 99th percentile of that exit-to-wake latency.
//
// Usage:
//
//	go run ./examples/handlebench -n 1000,5000,10000 [-rounds R] [-variants handle,exec]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
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

	"github.com/procwait/wait"
)

// result is what one variant run reports (one JSON line on stdout).
type result struct {
	Variant    string  `json:"variant"`
	N          int     `json:"n"`
	GOMAXPROCS int     `json:"gomaxprocs"`
	Threads    int     `json:"threads"` // OS threads while all N waits are parked
	RSSKiB     int64   `json:"rss_kib"` // resident memory then
	P50us      float64 `json:"p50_us"`  // exit-to-wake latency
	P99us      float64 `json:"p99_us"`  // exit-to-wake latency
	StartSec   float64 `json:"start_s"` // time to start the N children
	Error      string  `json:"error,omitempty"`
}

func main() {
	ns := flag.String("n", "1000,5000,10000", "comma-separated numbers of children")
	variants := flag.String("variants", "handle,exec", "variants to compare: handle, exec")
	run := flag.String("run", "", "internal: run one variant in this process")
	child := flag.String("child", "/bin/sleep", "program each child runs, with the argument 3600")
	rounds := flag.Int("rounds", 1, "times to repeat each N, alternating the variants")
	flag.Parse()

	if *run != "" {
		n, err := strconv.Atoi(*ns)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		r := runVariant(*run, n, *child)
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}

	// Adopt the children of a variant that dies, so none is left behind.
	subreaper := wait.SetSubreaper(true) == nil
	fmt.Printf("%s/%s, %d CPUs, GOMAXPROCS %d, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Println("| N | variant | OS threads | RSS | exit-to-wake p50 | p99 | start N |")
	fmt.Println("|---:|---|---:|---:|---:|---:|---:|")
	for _, f := range strings.Split(*ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bad -n value %q\n", f)
			os.Exit(2)
		}
		for range *rounds {
			for _, v := range strings.Split(*variants, ",") {
				r := runSubprocess(strings.TrimSpace(v), n, *child, subreaper)
				if r.Error != "" {
					fmt.Printf("| %d | %s | %s |  |  |  |  |\n", n, label(r.Variant), r.Error)
					continue
				}
				fmt.Printf("| %d | %s | %d | %.1f MiB | %.0f µs | %.0f µs | %.2f s |\n",
					n, label(r.Variant), r.Threads, float64(r.RSSKiB)/1024, r.P50us, r.P99us, r.StartSec)
			}
		}
	}
}

func label(v string) string {
	switch v {
	case "handle":
		return "wait.Handle"
	case "exec":
		return "os/exec Cmd.Wait"
	}
	return v
}

// runSubprocess runs one variant in a new process group and, whatever
// happens to it, kills and reaps what it leaves behind.
func runSubprocess(variant string, n int, child string, subreaper bool) result {
	exe, err := os.Executable()
	if err != nil {
		return result{Variant: variant, N: n, Error: err.Error()}
	}
	cmd := exec.Command(exe, "-run", variant, "-n", strconv.Itoa(n), "-child", child)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Run()
	if err != nil && cmd.Process != nil {
		// The variant's children share its process group.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if subreaper {
			for {
				if _, err := wait.Wait4(-1, nil, 0, nil); err != nil {
					break // ECHILD: every adopted orphan is reaped
				}
			}
		}
	}
	var r result
	if jerr := json.Unmarshal(out.Bytes(), &r); jerr != nil || err != nil {
		return result{Variant: variant, N: n, Error: failure(err, errOut.String())}
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

// runVariant starts n children, parks one wait per child, measures, then
// kills the children one by one and times each wake-up.
func runVariant(variant string, n int, child string) result {
	r := result{Variant: variant, N: n, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	fail := func(err error) result {
		r.Error = err.Error()
		fmt.Fprintln(os.Stderr, "error:", err)
		return r
	}
	woke := make([]time.Time, n)
	pids := make([]int, n)
	done := make([]chan struct{}, n)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range n {
		cmd := exec.Command(child, "3600")
		done[i] = make(chan struct{})
		switch variant {
		case "handle":
			h, err := wait.Start(cmd)
			if err != nil {
				return fail(fmt.Errorf("child %d: %w", i, err))
			}
			pids[i] = h.Pid()
			cmd.Process.Release() // its pidfd duplicates the Handle's
			wg.Go(func() {
				_, err := h.Wait(context.Background())
				woke[i] = time.Now()
				close(done[i])
				if err != nil {
					fmt.Fprintln(os.Stderr, "error:", err)
				}
				h.Close()
			})
		case "exec":
			if err := cmd.Start(); err != nil {
				return fail(fmt.Errorf("child %d: %w", i, err))
			}
			pids[i] = cmd.Process.Pid
			wg.Go(func() {
				err := cmd.Wait()
				woke[i] = time.Now()
				close(done[i])
				if _, ok := err.(*exec.ExitError); err != nil && !ok {
					fmt.Fprintln(os.Stderr, "error:", err)
				}
			})
		default:
			return fail(fmt.Errorf("unknown variant %q", variant))
		}
	}
	r.StartSec = time.Since(t0).Seconds()

	// Let every waiter block and drop the garbage of starting (both
	// variants alike), then measure what the waiting itself keeps.
	settle()
	runtime.GC()
	debug.FreeOSMemory()
	r.Threads = threads()
	r.RSSKiB = rssKiB()

	lat := make([]time.Duration, n)
	for i, pid := range pids {
		t := time.Now()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return fail(fmt.Errorf("kill %d: %w", pid, err))
		}
		<-done[i]
		lat[i] = woke[i].Sub(t)
	}
	wg.Wait()
	slices.Sort(lat)
	r.P50us = float64(lat[n/2].Nanoseconds()) / 1e3
	r.P99us = float64(lat[min(n-1, n*99/100)].Nanoseconds()) / 1e3
	return r
}

// settle waits until the thread count has not grown for half a second (at
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
