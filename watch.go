package wait

import (
	"context"
	"math"
	"os"
	"sync"

	"github.com/procwait/wait/internal/posix"
)

// Watcher watches a process that need not be a child of this process (a
// daemon named by a PID file, a sibling, a child of another process) for its
// exit. It reports only that the process exited, never how: the exit
// status and resource usage go to the process's parent alone, which reaps
// it, and a Watcher reaps nothing. A Watcher of this process's own child
// leaves the child waitable (by Handle.Wait, Wait4 or os/exec).
//
// A Watcher holds the process itself, not its PID: once Watch has returned,
// a new process that reuses the PID is never mistaken for the one watched.
// How the exit is noticed is the OS's mechanism, and no OS thread is held
// per Watcher:
//
//   - Linux (5.3 and later): a pidfd (pidfd_open) in the Go runtime's
//     poller, which turns readable when the process exits. Wait and Done
//     share one goroutine per Watcher, parked in the poller, started by the
//     first of them and ended by the exit or Close.
//   - FreeBSD, OpenBSD, NetBSD, DragonFly and macOS: a kqueue of the
//     Watcher's own with an EVFILT_PROC/NOTE_EXIT registration; one
//     dispatcher goroutine (and so one thread) for all the Watchers of the
//     process waits for any of those kqueues to turn readable.
//   - Elsewhere (illumos, AIX, and the systems without processes in the Unix
//     sense) Watch fails with an error wrapping errors.ErrUnsupported.
//
// Every method is safe for concurrent use.
type Watcher struct {
	pid int

	mu     sync.Mutex
	sys    watchSys      // the OS mechanism's state
	exited bool          // final: the exit was seen
	closed bool          // Close was called
	err    error         // final: why watching failed
	done   chan struct{} // closed once the exit is seen
	end    chan struct{} // closed at the exit, at Close or when watching failed
}

// Watch returns a Watcher for the process pid. It fails with an error
// wrapping ESRCH when there is no such process, as kill(2) would answer; a
// process that exited but is not reaped yet (a zombie) is watched, and
// reported exited at once. A pid that does not fit the C pid_t (or is not
// positive) is refused with an error wrapping EINVAL before any system call:
// nothing is truncated into another process's PID. Where the OS offers no
// way to watch a process (see Watcher) the error wraps
// errors.ErrUnsupported.
//
// The Watcher holds a descriptor until the exit is seen or Close is called;
// call Close when done with it.
func Watch(pid int) (*Watcher, error) {
	if pid <= 0 || pid > math.MaxInt32 {
		return nil, handleErr("watch", pid, "not a process ID (pid_t is a positive 32-bit number)", posix.EINVAL)
	}
	w := &Watcher{pid: pid, done: make(chan struct{}), end: make(chan struct{})}
	if err := openWatch(w); err != nil {
		return nil, err
	}
	return w, nil
}

// Pid returns the watched process's ID.
func (w *Watcher) Pid() int { return w.pid }

// Wait waits for the process to exit and returns nil once it has. It
// returns no status: only the process's parent can have that (see Watcher).
//
// When ctx ends first, Wait returns ctx.Err() and the Watcher stays usable:
// a later Wait still reports the exit. Once the exit has been seen, every
// Wait returns nil at once, also after Close. A Wait after Close on a
// Watcher that had not seen the exit, and every Wait blocked when Close is
// called, fail with an error wrapping os.ErrClosed. Wait panics on a nil
// ctx, before it takes any lock.
func (w *Watcher) Wait(ctx context.Context) error {
	if ctx == nil {
		panic("wait: Watcher.Wait with a nil Context")
	}
	w.mu.Lock()
	w.startLocked()
	end := w.end
	w.mu.Unlock()
	select {
	case <-end:
	case <-ctx.Done():
		select {
		case <-end: // an exit seen meanwhile wins
		default:
			return ctx.Err()
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.exited:
		return nil
	case w.err != nil:
		return w.err
	}
	return handleErr("watch", w.pid, "the Watcher is closed", os.ErrClosed)
}

// Done returns a channel that is closed once the exit is seen. After a
// Close that came first it is never closed. Like Wait, the first call
// starts the watching where it is not running yet (see Watcher).
func (w *Watcher) Done() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.startLocked()
	return w.done
}

// Close releases the Watcher's descriptor and registration and wakes every
// Wait, which then fails with an error wrapping os.ErrClosed unless the
// exit was seen before. It neither signals nor reaps the process. Close is
// idempotent and always returns nil.
func (w *Watcher) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if !w.exited && w.err == nil {
		close(w.end)
	}
	w.releaseLocked()
	return nil
}

// exitLocked records the exit, wakes the waiters and releases the
// mechanism: nothing is left to watch. The mechanism calls it with w.mu
// held; it does nothing on a Watcher closed or ended already.
func (w *Watcher) exitLocked() {
	if w.exited || w.closed || w.err != nil {
		return
	}
	w.exited = true
	close(w.done)
	close(w.end)
	w.releaseLocked()
}

// failLocked records why watching failed (final) and wakes the waiters.
func (w *Watcher) failLocked(msg string, err error) {
	if w.exited || w.closed || w.err != nil {
		return
	}
	w.err = handleErr("watch", w.pid, msg, err)
	close(w.end)
	w.releaseLocked()
}
