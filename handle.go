package wait

import (
	"context"
	"math"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/procwait/wait/internal/syscall"
)

// Handle is one child of this process, waited for without an OS thread per
// waiter. os/exec's Cmd.Wait blocks a thread inside waitid or wait4 for each
// child; a Handle instead parks the waiting goroutine until the kernel says
// the child exited, then reaps it without blocking:
//
//   - Linux (5.4 and later): a pidfd registered with the Go runtime's poller;
//     the exit is collected with waitid(P_PIDFD).
//   - FreeBSD, OpenBSD, NetBSD, DragonFly and macOS: one kqueue shared by all
//     Handles, with an EVFILT_PROC/NOTE_EXIT registration per child and one
//     dispatcher goroutine for all of them.
//   - Older Linux kernels and illumos: one dispatcher goroutine fed by
//     SIGCHLD (os/signal) for all Handles.
//
// # Ownership
//
// A Handle owns its child from Open (or Start) until the child is reaped or
// the Handle is closed, whichever comes first. While it owns the child, a
// running Reap leaves the child to the Handle (see Reap). Once the child is
// reaped, by Wait or by Reap on the Handle's behalf, ownership ends: the PID
// is free again, Open of it fails with ECHILD (as the kernel answers), and a
// new process that reuses it belongs to whoever starts or opens it. Close
// after a Wait that returned the Exit is therefore optional; it only matters
// for a Handle whose child was never reaped.
//
// # Exits only
//
// A Handle reaps only an exit (CLD_EXITED, CLD_KILLED or CLD_DUMPED). Stops,
// continues and ptrace traps are peeked at with WNOWAIT and left for whoever
// waits for them: a child started with SysProcAttr.Ptrace stays its tracer's
// to wait for, and Wait keeps waiting, without polling, until it exits.
//
// Every method is safe for concurrent use.
type Handle struct {
	pid int

	mu       sync.Mutex
	closed   bool
	reaped   bool  // exit or err holds the final result
	exit     Exit  // valid once reaped with err == nil
	err      error // why the child's exit cannot be had
	exited   chan struct{}
	exitSeen bool          // exited is closed: the OS reported the exit
	closing  chan struct{} // closed by Close
	watching bool          // a Wait call runs the OS watcher (sysWatch)
	watchEnd chan struct{} // closed when that watcher stops
	retries  int           // exit reports not followed by a reapable child

	sys handleSys // the OS mechanism's state
}

func newHandle(pid int) *Handle {
	return &Handle{pid: pid, exited: make(chan struct{}), closing: make(chan struct{})}
}

// Open returns a Handle for pid, which must be an unreaped child of this
// process; otherwise it fails with an error wrapping ECHILD. A pid that does
// not fit the C pid_t (or is not positive) is refused with an error wrapping
// EINVAL before any system call. A pid that already has an open Handle is
// refused as well (EBUSY), since two Handles would race to reap one child.
//
// Open cannot protect a child that other code may reap first (a raw Wait4(-1),
// os/exec's Cmd.Wait, SIGCHLD set to SIG_IGN): such a child's status is lost
// to the Handle, whose Wait then fails wrapping ECHILD. To own a child from
// its first instant, create it with Start.
func Open(pid int) (*Handle, error) {
	spawnMu.RLock()
	defer spawnMu.RUnlock()
	return open(pid, false)
}

// open is Open without spawnMu; Start calls it with fresh set while it holds
// spawnMu, for a PID that fork just returned.
func open(pid int, fresh bool) (*Handle, error) {
	if pid <= 0 || pid > math.MaxInt32 {
		return nil, handleErr("open", pid, "not a process ID (pid_t is a positive 32-bit number)", syscall.EINVAL)
	}
	h := newHandle(pid)
	if !claim(h, fresh) {
		return nil, handleErr("open", pid, "the child already has an open Handle", syscall.EBUSY)
	}
	if err := h.sysOpen(); err != nil {
		disown(h)
		return nil, err
	}
	return h, nil
}

// Pid returns the child's process ID.
func (h *Handle) Pid() int { return h.pid }

// Wait waits for the child to exit, reaps it and returns how it ended. Unlike
// os/exec it holds no OS thread while waiting: the goroutine parks until the
// OS reports the exit (see Handle), then the status and resource usage are
// collected with a non-blocking wait call. Stops and ptrace traps are not
// exits: Wait leaves them to the tracer and goes on waiting.
//
// When ctx ends first, Wait returns ctx.Err() and the child is left unreaped:
// a later Wait (or, without a running Reap, any wait call) still gets its
// status. Concurrent and repeated calls all return the same Exit, also after
// Close. A Wait after Close on a child not yet reaped fails with an error
// wrapping os.ErrClosed; a child that other code reaped first makes Wait fail
// with an error wrapping ECHILD. Like os/exec's CommandContext, Wait panics
// on a nil ctx, before it takes any lock.
func (h *Handle) Wait(ctx context.Context) (Exit, error) {
	if ctx == nil {
		panic("wait: Handle.Wait with a nil Context")
	}
	for {
		ctxErr := ctx.Err()
		s := h.waitStep(ctxErr != nil)
		switch s.act {
		case actReturn:
			if s.ctxEnded {
				return Exit{}, ctxErr
			}
			return s.exit, s.err
		case actRetry:
			if err := sleepCtx(ctx, s.delay); err != nil {
				return Exit{}, err
			}
		case actWatch:
			werr := h.sysWatch(ctx)
			if err := h.watchDone(werr, ctx.Err() != nil); err != nil {
				return Exit{}, err
			}
		case actPark:
			select {
			case <-s.exited:
			case <-s.closing:
			case <-s.watchEnd: // the watcher left (its ctx ended): take over
			case <-ctx.Done():
			}
		}
	}
}

// waitAction is what Wait does next, decided by waitStep under h.mu.
type waitAction int

const (
	actReturn waitAction = iota // return exit and err (or ctx.Err())
	actRetry                    // sleep delay, then look again
	actWatch                    // run the OS watcher for every waiter
	actPark                     // wait on the channels
)

type waitState struct {
	act      waitAction
	exit     Exit
	err      error
	ctxEnded bool
	delay    time.Duration
	exited   <-chan struct{}
	closing  <-chan struct{}
	watchEnd <-chan struct{}
}

// waitStep collects the child if it can and decides Wait's next action. It
// runs only this package's code under the lock (never the caller's Context).
func (h *Handle) waitStep(ctxEnded bool) waitState {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !ctxEnded {
		h.collectLocked()
	}
	switch {
	case h.reaped:
		return waitState{act: actReturn, exit: h.exit, err: h.err}
	case h.closed:
		return waitState{act: actReturn, err: h.closedErr("wait")}
	case ctxEnded:
		return waitState{act: actReturn, ctxEnded: true}
	}
	if h.exitSeen {
		// The OS reported an exit but the child is not reapable: the
		// report came early (kqueue's NOTE_EXIT fires before the child
		// is a zombie) or was stale. Renew the registration and park;
		// where the child is still on its way out, look again shortly.
		if !h.sysRearm() {
			h.retries++
			return waitState{act: actRetry, delay: retryDelay(h.retries)}
		}
		h.exitSeen = false
		h.exited = make(chan struct{})
		// Look once more after renewing: an exit in between has been
		// reported to nobody.
		if h.collectLocked() {
			return waitState{act: actReturn, exit: h.exit, err: h.err}
		}
	}
	if h.sysInline() && !h.watching {
		// This call watches for everyone (Linux: it parks in the poller
		// on the pidfd); the others wait on h.exited.
		h.watching = true
		return waitState{act: actWatch}
	}
	if h.watching && h.watchEnd == nil {
		h.watchEnd = make(chan struct{})
	}
	return waitState{act: actPark, exited: h.exited, closing: h.closing, watchEnd: h.watchEnd}
}

// watchDone records the end of a sysWatch call. It returns an error only for
// a watcher failure that leaves nothing to report otherwise.
func (h *Handle) watchDone(werr error, ctxEnded bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.watching = false
	if h.watchEnd != nil {
		close(h.watchEnd)
		h.watchEnd = nil
	}
	switch {
	case werr == nil:
		h.markExitedLocked()
	case !h.reaped && !h.closed && !ctxEnded:
		return handleErr("wait", h.pid, "watching the child failed", werr)
	}
	return nil
}

// retryDelay is how long Wait sleeps before its retry number n of a child
// that was reported exited but is not reapable yet: 1 ms doubling to 64 ms.
func retryDelay(n int) time.Duration {
	return time.Millisecond << min(max(n-1, 0), 6)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Signal sends sig to the child. It never reaches another process that
// reused the child's PID: Linux sends through the pidfd
// (pidfd_send_signal); elsewhere kill(2) runs under the Handle's lock while
// the child is known to be unreaped (and no Reap of this package reaps an
// owned child but through its Handle, under that lock), and an unreaped
// child's PID cannot be reused. After the child was reaped Signal returns an
// error wrapping os.ErrProcessDone; after Close, one wrapping os.ErrClosed. A
// signal number that does not fit the C int (or is negative) is refused with
// an error wrapping EINVAL before any system call; 0 checks that the child
// can be signalled, as kill(2) does.
//
// Like Open, Signal cannot know about a reaping done behind the Handle's
// back by other code (see Open); on Linux without pidfd it then compares the
// PID's start time with the child's (see docs/handle.md for what remains).
func (h *Handle) Signal(sig syscall.Signal) error {
	if sig < 0 || int64(sig) > math.MaxInt32 {
		return handleErr("signal", h.pid, "signal number "+strconv.FormatInt(int64(sig), 10)+" does not fit a C int signal", syscall.EINVAL)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.reaped:
		return handleErr("signal", h.pid, "the child was reaped", os.ErrProcessDone)
	case h.closed:
		return h.closedErr("signal")
	}
	return h.sysSignal(sig)
}

// Close releases the Handle's descriptor and registrations. If the child
// has not been reaped, Close also gives up ownership of it: a running Reap may
// then reap it. Close neither kills nor reaps the child; a child still
// running after Close must be reaped by other means. Wait and Signal after
// Close fail with an error wrapping os.ErrClosed, except that a Wait whose
// child was already reaped keeps returning its Exit. Close after such a Wait
// is optional. Close is idempotent and always returns nil.
func (h *Handle) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	close(h.closing)
	if !h.reaped {
		h.releaseLocked()
	}
	return nil
}

// collect reaps h's child if it has exited and is not reaped yet (never
// blocking, never consuming a stop), records its Exit for h.Wait and wakes
// h's waiters. Reap calls it for owned children; it is safe to call any
// number of times. It reports whether this call reaped the child.
func (h *Handle) collect() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.collectLocked()
}

// collectLocked is collect with h.mu held. A closed Handle collects nothing:
// its child is no longer its own.
func (h *Handle) collectLocked() bool {
	if h.reaped || h.closed {
		return false
	}
	e, ok, err := h.reapLocked()
	switch {
	case err != nil:
		h.err = handleErr("wait", h.pid, "the child was reaped by other code, not through its Handle", err)
	case !ok:
		return false
	default:
		h.exit = e
	}
	h.reaped = true
	h.markExitedLocked()
	return err == nil
}

// reapLocked reaps the child if it exited and, when it did (or cannot be
// had any more), releases the OS registrations and ends the ownership in
// the same step, under ownedMu: no Start or Open can claim the recycled PID
// in between.
func (h *Handle) reapLocked() (Exit, bool, error) {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	e, ok, err := h.sysReap()
	if ok || err != nil {
		h.sysRelease()
		disownLocked(h)
	}
	return e, ok, err
}

// releaseLocked releases the OS registrations and then the ownership, in
// that order and under ownedMu (see reapLocked).
func (h *Handle) releaseLocked() {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	h.sysRelease()
	disownLocked(h)
}

// markExited records that the OS reported the child's exit (or its
// disappearance) and wakes the waiters, which then collect it.
func (h *Handle) markExited() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.markExitedLocked()
}

func (h *Handle) markExitedLocked() {
	if !h.exitSeen {
		h.exitSeen = true
		close(h.exited)
	}
}

func (h *Handle) closedErr(op string) error {
	return handleErr(op, h.pid, "the Handle is closed", os.ErrClosed)
}

// handleError is an error of a Handle method: "wait: signal pid 42: the
// child was reaped: os: process already finished". It unwraps to err.
type handleError struct {
	op  string
	pid int
	msg string
	err error
}

func handleErr(op string, pid int, msg string, err error) error {
	return &handleError{op: op, pid: pid, msg: msg, err: err}
}

func (e *handleError) Error() string {
	return "wait: " + e.op + " pid " + strconv.Itoa(e.pid) + ": " + e.msg + ": " + e.err.Error()
}

func (e *handleError) Unwrap() error { return e.err }
