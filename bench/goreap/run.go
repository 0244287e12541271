//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	reap "github.com/hashicorp/go-reap"
	"github.com/procwait/wait"
)

// A result is one reaper's pass over one storm.
type result struct {
	d     time.Duration // from the first exit (live) or the reaper's start (zombies) until all were reported
	lost  int           // orphans never reported
	extra int           // reports of PIDs that were not orphans of the storm, or repeats
	left  int           // children still unreaped when the reaper stopped
}

// The modes: "live" releases the orphans while the reaper runs (a storm of
// exits and SIGCHLDs); "zombies" lets them all exit first and then starts the
// reaper (a pure reaping burst).
var modes = []string{"live", "zombies"}

// reaper runs one implementation: prepare sets it up to report PIDs to t
// (untimed), begin starts its reaping (timed from here), stop ends it.
type reaper struct {
	name    string
	prepare func(t *tally) (begin, stop func())
}

var reapers = []reaper{
	{"wait.Reap", prepareReap},
	{"go-reap", prepareGoReap},
}

// prepareReap has nothing to set up: Reap starts reaping, existing zombies
// included, as soon as it runs.
func prepareReap(t *tally) (begin, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	begin = func() {
		go func() { done <- wait.Reap(ctx, func(e wait.Exit) { t.add(e.Pid) }) }()
	}
	return begin, func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "wait.Reap:", err)
		}
	}
}

// prepareGoReap starts go-reap's ReapChildren, which registers for SIGCHLD
// inside its goroutine and reaps only when one arrives: it gives it a moment
// to register (untimed) and begin sends the SIGCHLD that starts the reaping,
// as an exit would.
func prepareGoReap(t *tally) (begin, stop func()) {
	pids := make(reap.PidCh, 1024)
	errs := make(reap.ErrorCh, 16)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		for {
			select {
			case pid := <-pids:
				t.add(pid)
			case err := <-errs:
				fmt.Fprintln(os.Stderr, "go-reap:", err)
			case <-stopped:
				return
			}
		}
	}()
	go reap.ReapChildren(pids, errs, done, nil)
	time.Sleep(20 * time.Millisecond)
	begin = func() { _ = syscall.Kill(os.Getpid(), syscall.SIGCHLD) }
	return begin, func() {
		close(done)
		close(stopped)
	}
}

// runOnce builds a storm of middles*per orphans and measures r over it.
func runOnce(r reaper, mode string, middles, per int) (result, error) {
	s, err := newStorm(middles, per)
	if err != nil {
		return result{}, err
	}
	t := newTally(s.pids)
	var t0 time.Time
	var stop func()
	switch mode {
	case "live":
		var begin func()
		begin, stop = r.prepare(t)
		begin()
		t0 = time.Now()
		s.release()
	case "zombies":
		s.release()
		if err := s.zombies(2 * time.Minute); err != nil {
			return result{}, err
		}
		var begin func()
		begin, stop = r.prepare(t)
		t0 = time.Now()
		begin()
	default:
		return result{}, fmt.Errorf("unknown mode %q", mode)
	}
	lost := t.wait(5 * time.Second)
	d := time.Since(t0)
	stop()
	t.mu.Lock()
	res := result{d: d, lost: lost, extra: t.extra}
	t.mu.Unlock()
	res.left = reapLeftovers()
	return res, nil
}

// reapLeftovers reaps, by PID, whatever children a reaper left behind, so
// that the next run starts clean, and says how many there were.
func reapLeftovers() int {
	n := 0
	for {
		var info wait.Info
		err := wait.Waitid(wait.P_ALL, 0, &info, wait.WEXITED|wait.WNOHANG|wait.WNOWAIT)
		if err != nil || info.Pid == 0 {
			return n
		}
		if _, err := wait.Wait4(info.Pid, nil, 0, nil); err != nil {
			return n
		}
		n++
	}
}
