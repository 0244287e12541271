//go:build linux

package wait

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// zombieHelperEnv selects the zombie helper: mode "fork N" forks N children
// that exit at once (a raw fork and exit_group, no exec and no shell), writes
// their PIDs to stdout, one a line, and exits. Its children are then orphans
// of the benchmark process, which is their subreaper.
const zombieHelperEnv = "WAIT_ZOMBIE_HELPER"

func init() { runHelperIf(zombieHelperEnv, zombieHelper) }

func zombieHelper(mode string, args helperArgs) int {
	if mode != "fork" {
		fmt.Fprintf(os.Stderr, "zombie helper: unknown mode %q\n", mode)
		return 125
	}
	w := bufio.NewWriter(os.Stdout)
	for range args.num(0) {
		pid, errno := forkExit()
		if errno != 0 {
			fmt.Fprintln(os.Stderr, "zombie helper: clone:", errno)
			return 1
		}
		fmt.Fprintln(w, pid)
	}
	if err := w.Flush(); err != nil {
		return 1
	}
	return 0
}

// forkExit forks a child that calls exit_group(0) at once and returns its
// PID. The child runs nothing but the two raw system calls, so no lock of
// the runtime that another thread held at the fork matters to it.
//
//go:nosplit
func forkExit() (int, syscall.Errno) {
	pid, _, errno := syscall.RawSyscall(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0)
	if errno == 0 && pid == 0 {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	return int(pid), errno
}

// makeZombies makes n exited, unreaped children of this process (a
// subreaper) and returns when every one of them is a zombie.
func makeZombies(b *testing.B, n int) {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	out, err := selfCmd(exe, zombieHelperEnv, "fork", strconv.Itoa(n)).Output() // reaps the helper by its PID
	if err != nil {
		b.Fatalf("zombie helper: %v", err)
	}
	pids := strings.Fields(string(out))
	if len(pids) != n {
		b.Fatalf("zombie helper forked %d children, want %d", len(pids), n)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for _, s := range pids {
		pid, _ := strconv.Atoi(s)
		for {
			var info Info
			if err := Waitid(P_PID, pid, &info, WEXITED|WNOHANG|WNOWAIT); err != nil {
				b.Fatalf("peeking at orphan %d: %v", pid, err)
			}
			if info.Pid == pid {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("orphan %d has not exited in 2 minutes", pid)
			}
			time.Sleep(100 * time.Microsecond) // polling a child that is exiting, not a stand-in for blocking
		}
	}
}

// reapers are the loops BenchmarkReapZombies times over a burst of zombies:
// each reaps n exited children and fails if any is missing.
var zombieReapers = []struct {
	name string
	reap func(n int) error
}{
	{"reap", func(n int) error {
		// Reap itself, public entry and all: it ends when fn has seen n.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		got := 0
		err := Reap(ctx, func(Exit) {
			if got++; got == n {
				cancel()
			}
		})
		if got != n {
			return fmt.Errorf("Reap passed %d exits to fn, want %d (%v)", got, n, err)
		}
		return nil
	}},
	{"wait4", func(n int) error {
		// go-reap's loop: wait4(-1, WNOHANG) until nothing is left.
		var ws unix.WaitStatus
		for i := range n {
			if wpid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil); wpid <= 0 || err != nil {
				return fmt.Errorf("wait4(-1) after %d: %d, %v", i, wpid, err)
			}
		}
		return nil
	}},
	{"wait4-rusage", func(n int) error {
		// The same with the rusage Reap reports in each Exit.
		var ws unix.WaitStatus
		var ru unix.Rusage
		for i := range n {
			if wpid, err := unix.Wait4(-1, &ws, unix.WNOHANG, &ru); wpid <= 0 || err != nil {
				return fmt.Errorf("wait4(-1) after %d: %d, %v", i, wpid, err)
			}
		}
		return nil
	}},
}

// BenchmarkReapZombies times Reap over a burst of 10,000 zombies against the
// kernel's floor, a plain wait4(-1, WNOHANG) loop (go-reap's), side by side:
// each round makes a fresh burst for each loop (not timed) and times the
// loops in turn, rotating their order. It reports each loop's median time
// per exit and the median over the rounds of Reap's time over each other
// loop's. With handles=100, 100 live children started with Start are
// registered first (and sit at the head of the kernel's child list, so every
// wait call of either loop walks past them): Reap then looks each PID up
// among owners. Run with -benchtime Nx for N rounds:
//
//	go test -run '^$' -bench ReapZombies -benchtime 5x .
func BenchmarkReapZombies(b *testing.B) {
	on, err := IsSubreaper()
	if err != nil {
		b.Skipf("prctl(PR_GET_CHILD_SUBREAPER) is not available: %v", err)
	}
	if err := SetSubreaper(true); err != nil {
		b.Skipf("prctl(PR_SET_CHILD_SUBREAPER) is not available: %v", err)
	}
	b.Cleanup(func() { _ = SetSubreaper(on) })
	const n = 10000
	for _, handles := range []int{0, 100} {
		b.Run("handles="+strconv.Itoa(handles), func(b *testing.B) {
			startHandles(b, handles)
			times := make([][]float64, len(zombieReapers)) // ns per exit, per round
			for round := 0; b.Loop(); round++ {
				b.StopTimer()
				for k := range zombieReapers {
					r := zombieReapers[(round+k)%len(zombieReapers)]
					makeZombies(b, n)
					t0 := time.Now()
					if err := r.reap(n); err != nil {
						b.Fatalf("%s: %v", r.name, err)
					}
					d := time.Since(t0)
					i := (round + k) % len(zombieReapers)
					times[i] = append(times[i], float64(d.Nanoseconds())/n)
				}
				b.StartTimer()
			}
			for i, r := range zombieReapers {
				b.ReportMetric(median(times[i]), r.name+"-ns/exit")
				if i > 0 {
					ratios := make([]float64, len(times[0]))
					for j := range ratios {
						ratios[j] = times[0][j] / times[i][j]
					}
					b.ReportMetric(median(ratios), "reap/"+r.name)
				}
			}
			b.ReportMetric(0, "ns/op") // the times are in the metrics above
		})
	}
}

// startHandles starts n blocked children with Start and waits for them in
// the benchmark's cleanup, after closing their stdin.
func startHandles(b *testing.B, n int) {
	b.Helper()
	for range n {
		cmd, w := blockCmd(b)
		h, err := Start(cmd)
		if err != nil {
			b.Fatalf("Start: %v", err)
		}
		closeChildStdin(cmd)
		b.Cleanup(func() {
			_ = w.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := h.Wait(ctx); err != nil {
				b.Errorf("waiting for a blocked child: %v", err)
			}
		})
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
