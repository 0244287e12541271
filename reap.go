//go:build unix

package wait

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// Reap reaps every child of this process that exits and that no Handle owns
// (orphans adopted as init or as a subreaper, children started by other
// code), calling fn once for each, until ctx ends; then it returns
// ctx.Err(). A nil fn discards the exits. fn runs on Reap's goroutine, one
// exit at a time and outside every lock, so it may start children with Start
// or call Handle methods; Reap reaps nothing while fn runs.
//
// Reap is the SIGCHLD loop of an init process or a subreaper, built so that
// it loses no exit and steals none:
//
//   - Signals coalesce, so each SIGCHLD (received through os/signal) starts a
//     sweep that reaps until no exited child is left; a burst of thousands of
//     exits reaches fn once per process.
//   - It never reaps a child without checking its owner. Each step holds the
//     lock that Start and Open hold from before the fork (or the lookup)
//     until the child is registered, peeks at one exited child with
//     waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT), which leaves it a zombie, and
//     looks its pid up. An unowned child is reaped with wait4(pid) and passed
//     to fn. A child owned by a Handle is reaped on the Handle's behalf: its
//     Exit waits in the Handle for h.Wait and never reaches fn, so an owned
//     zombie cannot stall the reaping of the others. While no Handle exists
//     at all (and, under that lock, none can appear) every exited child is
//     unowned, and the step is a single wait4(-1, WNOHANG).
//
// Reap cannot tell a child that other code means to wait for from an orphan
// unless that code uses Start (or Open): anything else, such as an os/exec
// Cmd started with cmd.Start or cmd.Run, is reaped here, and its own Wait
// then fails with ECHILD ("waitid: no child processes"). Start such commands
// with Start and wait with h.Wait; where code outside your control must call
// cmd.Wait, run Reap in a process of its own (as init in a container, or a
// subreaper that starts nothing else). No SIGCHLD loop can be safe beside a
// plain cmd.Wait: both want the same single exit status, and whichever asks
// first takes it.
//
// Run at most one Reap per process. Reap catches SIGCHLD with os/signal
// while it runs. Only children that exit are reaped: stopped and continued children are left alone (on Linux,
// a clone child with a non-SIGCHLD exit signal is invisible to waitid
// without __WALL and is not reaped). Where waitid is not available Reap
// returns its error, which wraps errors.ErrUnsupported; a failing wait call
// ends Reap with that error.
//
// macOS's waitid(WEXITED) also reports stopped children (golang/go#19314);
// there Reap consumes such a stop report with wait4(WUNTRACED|WCONTINUED)
// for an unowned child so that it can look past it, and stops the sweep at
// an owned one until the next SIGCHLD.
func Reap(ctx context.Context, fn func(Exit)) error {
	if fn == nil {
		fn = func(Exit) {}
	}
	// Notify before the first sweep: a child that exits after the sweep's
	// last look still leaves a SIGCHLD in the channel.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGCHLD)
	defer signal.Stop(sigc)
	done := ctx.Done()
	for {
		if err := sweep(ctx, fn); err != nil {
			return err
		}
		select {
		case <-done:
			return ctx.Err()
		case <-sigc:
		}
	}
}

// maxSkips bounds how many reports in a row one sweep may pass over without
// reaping (stop reports on macOS, children reaped by other code).
const maxSkips = 64

// sweep reaps until no exited child is left, or ctx ends.
func sweep(ctx context.Context, fn func(Exit)) error {
	skips, lastOwned := 0, 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, r, err := reapOne()
		if r == reapedOwned && e.Pid == lastOwned {
			// The Handle did not take its exited child: leave it until
			// the next SIGCHLD rather than spin on it.
			r = skipped
		}
		switch {
		case err != nil:
			return err
		case r == reapedNone:
			return nil
		case r == reapedUnowned:
			fn(e)
			skips, lastOwned = 0, 0
		case r == reapedOwned:
			skips, lastOwned = 0, e.Pid
		case r == skipped:
			if skips++; skips >= maxSkips {
				return nil
			}
		}
	}
}

type reapResult int

const (
	reapedNone    reapResult = iota // no exited child is waiting
	reapedUnowned                   // an orphan was reaped: pass it to fn
	reapedOwned                     // an owned child (Exit.Pid) was handed to its Handle
	skipped                         // a report was consumed or went away; look again
)

// reapOne peeks at one waitable child and reaps it, holding spawnMu
// exclusively so that Start cannot be between fork and registration.
func reapOne() (Exit, reapResult, error) {
	spawnMu.Lock()
	defer spawnMu.Unlock()
	if noOwners() {
		return reapAny()
	}
	var info Info
	err := Waitid(P_ALL, 0, &info, WEXITED|WNOHANG|WNOWAIT)
	if errors.Is(err, syscall.ECHILD) {
		return Exit{}, reapedNone, nil
	}
	if err != nil {
		return Exit{}, reapedNone, err
	}
	if info.Pid == 0 {
		return Exit{}, reapedNone, nil
	}
	exited := info.Code == CLD_EXITED || info.Code == CLD_KILLED || info.Code == CLD_DUMPED
	if h := ownerOf(info.Pid); h != nil {
		// collect reaps only an exited child, and only once.
		h.collect()
		if !exited {
			return Exit{}, reapedNone, nil
		}
		return Exit{Pid: info.Pid}, reapedOwned, nil
	}
	// WNOHANG: should the pid have been reaped by other code and reused
	// since the peek, wait4 must not block on the new child.
	opts := WNOHANG
	if !exited {
		opts |= WUNTRACED | WCONTINUED
	}
	var e Exit
	pid, err := Wait4(info.Pid, &e.Status, opts, &e.Rusage)
	if errors.Is(err, syscall.ECHILD) || err == nil && pid == 0 {
		return Exit{}, skipped, nil
	}
	if err != nil {
		return Exit{}, reapedNone, err
	}
	if !e.Status.Exited() && !e.Status.Signaled() {
		return Exit{}, skipped, nil
	}
	e.Pid = pid
	return e, reapedUnowned, nil
}

// noOwners reports whether no Handle owns a child. While spawnMu is held
// exclusively the answer cannot turn false: Start and Open register owners
// only under spawnMu (shared).
func noOwners() bool {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	return len(owned) == 0
}

// reapAny is reapOne when no child is owned: every exited child is then
// Reap's to take, so wait4(-1, WNOHANG) reaps exactly what the peek would
// have found, in one system call instead of two. Only spawnMu's holder may
// call it.
func reapAny() (Exit, reapResult, error) {
	var e Exit
	pid, err := Wait4(-1, &e.Status, WNOHANG, &e.Rusage)
	switch {
	case errors.Is(err, syscall.ECHILD):
		return Exit{}, reapedNone, nil
	case err != nil:
		return Exit{}, reapedNone, err
	case pid == 0:
		return Exit{}, reapedNone, nil
	case !e.Status.Exited() && !e.Status.Signaled():
		// FreeBSD's wait4 also reports ptrace stops (it implies
		// WTRAPPED): not an exit, look again.
		return Exit{}, skipped, nil
	}
	e.Pid = pid
	return e, reapedUnowned, nil
}
