package wait

import (
	"context"
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
//   - Older Linux kernels, illumos and the other Unix systems: one dispatcher
//     goroutine fed by SIGCHLD (os/signal) for all Handles.
//
// A Handle owns its child: a running Reap leaves it to the Handle (see Reap).
// Every method is safe for concurrent use.
type Handle struct {
	pid int

	mu       sync.Mutex
	closed   bool
	reaped   bool  // exit or err holds the final result
	exit     Exit  // valid once reaped with err == nil
	err      error // why the child cannot be collected (reaped by other code)
	exited   chan struct{}
	exitSeen bool          // exited is closed: the kernel reported the exit
	closing  chan struct{} // closed by Close
	watching bool          // a Wait call runs the OS watcher (sysWatch)
	watchEnd chan struct{} // closed when that watcher stops

	sys handleSys // the OS mechanism's state
}

func newHandle(pid int) *Handle {
	return &Handle{pid: pid, exited: make(chan struct{}), closing: make(chan struct{})}
}

// Open returns a Handle for pid, which must be an unreaped child of this
// process; otherwise it fails with an error wrapping ECHILD. A pid that
// already has an open Handle is refused as well (EBUSY), since two Handles
// would race to reap one child.
//
// Open cannot protect a child that other code may reap first (a raw Wait4(-1),
// os/exec's Cmd.Wait, SIGCHLD set to SIG_IGN): such a child's status is lost
// to the Handle, whose Wait then fails wrapping ECHILD. To own a child from
// its first instant, create it with Start.
func Open(pid int) (*Handle, error) {
	spawnMu.RLock()
	defer spawnMu.RUnlock()
	return open(pid)
}

// open is Open without spawnMu; Start calls it while it holds spawnMu.
func open(pid int) (*Handle, error) {
	if pid <= 0 {
		return nil, handleErr("open", pid, "not a process ID", syscall.EINVAL)
	}
	h := newHandle(pid)
	if !claim(h) {
		return nil, handleErr("open", pid, "the child already has an open Handle", syscall.EBUSY)
	}
	if err := h.sysOpen(); err != nil {
		disown(h)
		return nil, err
	}
	return h, nil
}

// claim registers h as its child's owner unless another Handle is.
func claim(h *Handle) bool {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	if owned[h.pid] != nil {
		return false
	}
	owned[h.pid] = h
	return true
}

// Pid returns the child's process ID.
func (h *Handle) Pid() int { return h.pid }

// Wait waits for the child to exit, reaps it and returns how it ended. Unlike
// os/exec it holds no OS thread while waiting: the goroutine parks until the
// OS reports the exit (see Handle), then the status and resource usage are
// collected with a non-blocking wait call.
//
// When ctx ends first, Wait returns ctx.Err() and the child is left unreaped:
// a later Wait (or, without a running Reap, any wait call) still gets its
// status. Concurrent and repeated calls all return the same Exit. A Wait
// after Close fails with an error wrapping os.ErrClosed; a child that other
// code reaped first makes Wait fail with an error wrapping ECHILD.
func (h *Handle) Wait(ctx context.Context) (Exit, error) {
	retries := 0
	for {
		h.mu.Lock()
		if !h.reaped && !h.closed && ctx.Err() == nil {
			h.collectLocked()
		}
		switch {
		case h.reaped:
			e, err := h.exit, h.err
			h.mu.Unlock()
			return e, err
		case h.closed:
			h.mu.Unlock()
			return Exit{}, h.closedErr("wait")
		case ctx.Err() != nil:
			h.mu.Unlock()
			return Exit{}, ctx.Err()
		case h.exitSeen:
			// The kernel announced the exit a moment before the child
			// became reapable (kqueue's NOTE_EXIT can): try again shortly.
			h.mu.Unlock()
			if err := sleepCtx(ctx, retryDelay(retries)); err != nil {
				return Exit{}, err
			}
			retries++
		case h.sysInline() && !h.watching:
			// This call watches for everyone (Linux: it parks in the
			// poller on the pidfd); others wait on h.exited.
			h.watching = true
			h.mu.Unlock()
			werr := h.sysWatch(ctx)
			h.mu.Lock()
			h.watching = false
			if h.watchEnd != nil {
				close(h.watchEnd)
				h.watchEnd = nil
			}
			if werr == nil {
				h.markExitedLocked()
			} else if !h.reaped && !h.closed && ctx.Err() == nil {
				h.mu.Unlock()
				return Exit{}, handleErr("wait", h.pid, "watching the child failed", werr)
			}
			h.mu.Unlock()
		default:
			if h.watchEnd == nil && h.watching {
				h.watchEnd = make(chan struct{})
			}
			exited, closing, watchEnd := h.exited, h.closing, h.watchEnd
			h.mu.Unlock()
			select {
			case <-exited:
			case <-closing:
			case <-watchEnd: // the watcher left (its ctx ended): take over
			case <-ctx.Done():
			}
		}
	}
}

// retryDelay is how long Wait sleeps before its retry number n of a child
// that was reported exited but is not reapable yet: 1 ms doubling to 64 ms.
func retryDelay(n int) time.Duration {
	return time.Millisecond << min(n, 6)
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
// the child is known to be unreaped, and an unreaped child's PID cannot be
// reused. After the child was reaped Signal returns an error wrapping
// os.ErrProcessDone; after Close, one wrapping os.ErrClosed.
//
// Like Open, Signal cannot know about a reaping done behind the Handle's
// back by other code (see Open).
func (h *Handle) Signal(sig syscall.Signal) error {
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

// Close releases the Handle's descriptor and registrations and gives up
// ownership of the child: a running Reap may then reap it. Close does not
// kill or reap the child; a child still running after Close must be reaped by
// other means. Pending and later Wait calls fail with an error wrapping
// os.ErrClosed. Close is idempotent and always returns nil.
func (h *Handle) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	close(h.closing)
	disown(h)
	h.sysRelease()
	return nil
}

// collect reaps h's child if it has exited and is not reaped yet (never
// blocking), records its Exit for h.Wait and wakes h's waiters. Reap calls it
// for owned children; it is safe to call any number of times.
func (h *Handle) collect() {
	h.mu.Lock()
	h.collectLocked()
	h.mu.Unlock()
}

// collectLocked is collect with h.mu held. A closed Handle collects nothing:
// its child is no longer its own.
func (h *Handle) collectLocked() {
	if h.reaped || h.closed {
		return
	}
	e, ok, err := h.sysReap()
	if err != nil {
		h.err = handleErr("wait", h.pid, "the child was reaped by other code, not through its Handle", err)
	} else if !ok {
		return
	} else {
		h.exit = e
	}
	h.reaped = true
	h.markExitedLocked()
	h.sysRelease() // the descriptor and registrations are of no further use
}

// markExited records that the OS reported the child's exit (or its
// disappearance) and wakes the waiters, which then collect it.
func (h *Handle) markExited() {
	h.mu.Lock()
	h.markExitedLocked()
	h.mu.Unlock()
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
