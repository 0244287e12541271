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
//     zombie cannot stall the reaping of the others. Ownership ends with
//     that reap: a new process on the same PID is unowned until Start or
//     Open claims it.
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
// while it runs. Only exits are reaped (CLD_EXITED, CLD_KILLED,
// CLD_DUMPED): stops, continues and ptrace traps are peeked at with WNOWAIT
// and never consumed, so a tracer (in this process) still sees every stop
// of its tracees. Nothing stalls Reap: not an owned zombie, not a stopped or
// traced child that the kernel keeps reporting first. Linux reports a
// tracee's stops to its tracer even under WEXITED alone, and macOS reports
// every stopped child under WEXITED (golang/go#19314); when such a report
// heads the kernel's list, Reap lists this process's children (Linux: /proc,
// which must be mounted for this PID namespace; macOS: sysctl kern.proc) and
// peeks at each by its PID. On Linux, a clone child with a non-SIGCHLD exit
// signal is invisible to waitid without __WALL and is not reaped. Where
// waitid is not available Reap returns its error, which wraps
// errors.ErrUnsupported; a failing wait call ends Reap with that error. Reap
// panics on a nil ctx.
func Reap(ctx context.Context, fn func(Exit)) error {
	if ctx == nil {
		panic("wait: Reap with a nil Context")
	}
	return reapLoop(ctx, fn, false)
}

// reapLoop is Reap's loop, and ReapAll's with untilNone: a sweep at every
// SIGCHLD until ctx ends or, with untilNone, no child is left.
func reapLoop(ctx context.Context, fn func(Exit), untilNone bool) error {
	if fn == nil {
		fn = func(Exit) {}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Notify before the first sweep: a child that exits after the sweep's
	// last look still leaves a SIGCHLD in the channel.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGCHLD)
	defer signal.Stop(sigc)
	var r reaper
	done := ctx.Done()
	for {
		if err := r.sweep(ctx, fn); err != nil {
			return err
		}
		if untilNone {
			if gone, err := noChildLeft(); err != nil || gone {
				return err
			}
		}
		select {
		case <-done:
			return ctx.Err()
		case <-sigc:
		}
	}
}

// reaper is one Reap call's state: scratch space for listing children.
type reaper struct {
	pids []int
}

// maxSkips bounds how many steps in a row one sweep may take without
// reaping anything (an owned child whose Handle let go of it in between,
// a child reaped by other code between the peek and the reap).
const maxSkips = 64

// sweep reaps until no exited child is left, or ctx ends.
func (r *reaper) sweep(ctx context.Context, fn func(Exit)) error {
	skips := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, res, err := reapOne()
		switch {
		case err != nil:
			return err
		case res == reapedNone:
			return nil
		case res == reapedUnowned:
			fn(e)
			skips = 0
		case res == reapedOwned:
			skips = 0
		case res == blocked:
			// A stop or trap heads the kernel's list: look past it.
			return r.scan(ctx, fn)
		case res == skipped:
			if skips++; skips >= maxSkips {
				return r.scan(ctx, fn)
			}
		}
	}
}

// scan reaps every exited child found by listing this process's children
// and peeking at each by PID, until a pass finds none. It is the slow path
// for when the P_ALL peek is headed by a report Reap must not consume.
// Where children cannot be listed it gives up until the next SIGCHLD.
func (r *reaper) scan(ctx context.Context, fn func(Exit)) error {
	for {
		var err error
		r.pids, err = childPids(r.pids[:0])
		if err != nil {
			return nil
		}
		reaped := false
		for _, pid := range r.pids {
			if err := ctx.Err(); err != nil {
				return err
			}
			e, res, err := reapListed(pid)
			if err != nil {
				return err
			}
			if res == reapedUnowned {
				fn(e)
			}
			reaped = reaped || res == reapedUnowned || res == reapedOwned
		}
		if !reaped {
			return nil
		}
	}
}

type reapResult int

const (
	reapedNone    reapResult = iota // no exited child is waiting
	reapedUnowned                   // an orphan was reaped: pass it to fn
	reapedOwned                     // an owned child (Exit.Pid) was handed to its Handle
	skipped                         // nothing was reaped this step; look again
	blocked                         // a report that is not an exit heads the list
)

// reapOne peeks at the first waitable child and reaps it if it exited,
// holding spawnMu exclusively so that Start cannot be between fork and
// registration. It never consumes a report that is not an exit.
func reapOne() (Exit, reapResult, error) {
	spawnMu.Lock()
	defer spawnMu.Unlock()
	pid, code, h, err := peekOwner(P_ALL, 0)
	switch {
	case errors.Is(err, syscall.ECHILD):
		return Exit{}, reapedNone, nil
	case err != nil:
		return Exit{}, reapedNone, err
	case pid == 0:
		return Exit{}, reapedNone, nil
	case !isExit(code):
		return Exit{Pid: pid}, blocked, nil
	}
	return reapExitedLocked(pid, h)
}

// reapListed is reapOne for one child, found by listing: it peeks at pid and
// reaps it if it exited.
func reapListed(pid int) (Exit, reapResult, error) {
	spawnMu.Lock()
	defer spawnMu.Unlock()
	wpid, code, h, err := peekOwner(P_PID, pid)
	switch {
	case errors.Is(err, syscall.ECHILD):
		return Exit{}, skipped, nil // reaped meanwhile, or not ours
	case errors.Is(err, errors.ErrUnsupported):
		// No waitid to peek with (OpenBSD before 7.3): wait4 decides.
		h = ownerOf(pid)
	case err != nil:
		return Exit{}, reapedNone, err
	case wpid != pid || !isExit(code):
		return Exit{}, skipped, nil
	}
	return reapExitedLocked(pid, h)
}

// peekOwner peeks with waitid(idtype, id, WEXITED|WNOHANG|WNOWAIT) and looks
// the reported pid up in owned, both under ownedMu, and returns the pid, its
// si_code and its owner (nil when none). Every reaping of an owned child
// happens under ownedMu (Handle.reapLocked), so no Handle can reap the child
// between the peek and the lookup: when the lookup finds no owner, the pid
// still names the zombie the peek saw, and with spawnMu held no Start or
// Open can claim it afterwards. Nothing in this package can then reap it
// but the caller, which needs no second peek before its wait4.
func peekOwner(idtype IDType, id int) (pid int, code Code, h *Handle, err error) {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	pid, code, err = peek(idtype, id)
	if err == nil && pid != 0 {
		h = owned[pid]
	}
	return pid, code, h, err
}

// reapExitedLocked reaps pid, a child that a peek just saw exited, whose
// owner at that peek was h (nil: none); spawnMu is held. An owned child is
// reaped through its Handle. A child whose Handle let go of it in between
// (Close, or a PID its Handle found reused) is no longer owned and is
// reaped here. WNOHANG: should the PID have been reaped by code outside this
// package and reused since the peek, wait4 must not block.
func reapExitedLocked(pid int, h *Handle) (Exit, reapResult, error) {
	if h != nil {
		if h.collect() {
			return Exit{Pid: pid}, reapedOwned, nil
		}
		if ownerOf(pid) != nil {
			return Exit{}, skipped, nil
		}
		// Unowned now, and under spawnMu no Handle can claim it. Peek
		// again: since the first peek, the owner may have reaped the
		// child and a process started outside Start (not under spawnMu)
		// may have taken the PID, perhaps a tracee in a ptrace stop that
		// wait4 would consume. From here, nothing in this package can
		// reap the zombie this peek sees.
		if exited, err := peekExit(pid); err != nil || !exited {
			return Exit{}, skipped, nil
		}
	}
	e, err := reap4(pid)
	switch {
	case errors.Is(err, syscall.ECHILD), err == nil && e.Pid == 0:
		return Exit{}, skipped, nil
	case err != nil:
		return Exit{}, reapedNone, err
	case !e.Status.Exited() && !e.Status.Signaled():
		return Exit{}, skipped, nil
	}
	return e, reapedUnowned, nil
}
