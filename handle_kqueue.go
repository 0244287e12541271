//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package wait

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// On the BSDs and macOS every Handle registers its child with one kqueue
// shared by the process (EVFILT_PROC with NOTE_EXIT, one-shot; EVFILT_PROC is
// -5, but 4 on NetBSD, as x/sys has it per OS). One dispatcher goroutine
// reads the kqueue's events and wakes the Handle whose registration fired;
// its waiters then collect with a WNOWAIT peek and wait4(pid, WNOHANG).
//
// Each registration carries a token of its own in the event's udata
// (kqueue_udata_*.go), and the dispatcher wakes only the Handle holding that
// token now. A PID is not: an event drained after its child was reaped (by
// Reap on the Handle's behalf) must not wake a new Handle on the recycled
// PID. Should a report still reach a Handle whose child runs (a stale event
// merged into a new registration of the same PID), Wait's peek finds no
// exit and the registration is renewed (sysRearm), so no exit is missed.
//
// The dispatcher blocks in kevent(2) and so holds one thread for the whole
// process, whatever the number of Handles. The kqueue descriptor cannot sit
// in the Go poller instead: the runtime registers every descriptor for
// EVFILT_READ and EVFILT_WRITE together, and a kqueue descriptor accepts only
// EVFILT_READ (FreeBSD sys/kern/kern_event.c kqueue_kqfilter returns EINVAL
// for any other filter), so os.NewFile would leave it unpollable.

// kqueueChild is a Handle's hold on the shared kqueue: its current
// registration, nil when it has none.
type kqueueChild struct {
	h   *Handle
	reg *kqReg
}

// kqReg is one EVFILT_PROC registration: tok is unique among live ones.
type kqReg struct {
	tok uintptr
	h   *Handle
}

type kqueueWatcher struct {
	fd   int
	mu   sync.Mutex
	next uintptr
	regs map[uintptr]*kqReg
}

var kqueueShared = sync.OnceValues(func() (*kqueueWatcher, error) {
	fd, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(fd)
	w := &kqueueWatcher{fd: fd, regs: map[uintptr]*kqReg{}}
	go w.loop()
	return w, nil
})

func newChildWatch(h *Handle) (childWatch, error) {
	// OpenBSD before 7.3 has no waitid to check with: kevent's ESRCH
	// and the first collect then tell instead.
	if err := checkChild(h.pid); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return nil, err
	}
	w, err := kqueueShared()
	if err != nil {
		return nil, handleErr("open", h.pid, "cannot watch children", err)
	}
	c := &kqueueChild{h: h}
	switch err := w.add(c); err {
	case nil:
	case unix.ESRCH:
		// Exited already: some kernels refuse to watch a zombie (FreeBSD
		// instead reports it at once). The first collect reaps it.
		h.markExited()
	default:
		return nil, handleErr("open", h.pid, "cannot watch the child", os.NewSyscallError("kevent", err))
	}
	return c, nil
}

// add registers c's child for its exit with a new token.
func (w *kqueueWatcher) add(c *kqueueChild) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.removeLocked(c)
	r := &kqReg{tok: w.newTokenLocked(), h: c.h}
	var ev [1]unix.Kevent_t
	unix.SetKevent(&ev[0], c.h.pid, unix.EVFILT_PROC, unix.EV_ADD|unix.EV_ONESHOT)
	ev[0].Fflags = unix.NOTE_EXIT
	setUdata(&ev[0], r)
	if err := w.change(ev[:]); err != nil {
		return err
	}
	w.regs[r.tok] = r
	c.reg = r
	return nil
}

// newTokenLocked returns a token that no live registration holds, never 0
// (the token of an event without udata).
func (w *kqueueWatcher) newTokenLocked() uintptr {
	for {
		w.next++
		if w.next != 0 && w.regs[w.next] == nil {
			return w.next
		}
	}
}

// change applies EVFILT_PROC changes without waiting for events.
func (w *kqueueWatcher) change(evs []unix.Kevent_t) error {
	for {
		_, err := unix.Kevent(w.fd, evs, nil, nil)
		if err != unix.EINTR {
			return err
		}
	}
}

// removeLocked forgets c's registration, if it has one, and deletes its
// kqueue entry; once the one-shot event fired there is none, which is fine.
// The caller holds ownedMu, so no new Handle can have registered the same
// PID (see reapLocked): the deletion cannot hit another Handle's entry.
func (w *kqueueWatcher) removeLocked(c *kqueueChild) {
	r := c.reg
	if r == nil {
		return
	}
	c.reg = nil
	if w.regs[r.tok] != r {
		return // fired already
	}
	delete(w.regs, r.tok)
	var ev [1]unix.Kevent_t
	unix.SetKevent(&ev[0], c.h.pid, unix.EVFILT_PROC, unix.EV_DELETE)
	_ = w.change(ev[:])
}

// loop is the dispatcher: it runs for the life of the process.
func (w *kqueueWatcher) loop() {
	var evs [64]unix.Kevent_t
	for {
		n, err := unix.Kevent(w.fd, nil, evs[:], nil)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			// Not expected (the descriptor is never closed). Wake every
			// waiter rather than let it hang: each peeks, and renews
			// its registration while its child runs.
			w.wakeAll()
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for i := range evs[:n] {
			ev := &evs[i]
			if ev.Filter != unix.EVFILT_PROC || ev.Fflags&unix.NOTE_EXIT == 0 {
				continue
			}
			w.fire(udataToken(ev))
		}
		clear(evs[:n]) // drop the registrations' pointers
	}
}

// fire wakes the Handle that holds tok, if any still does.
func (w *kqueueWatcher) fire(tok uintptr) {
	w.mu.Lock()
	r := w.regs[tok]
	delete(w.regs, tok)
	w.mu.Unlock()
	if r != nil {
		r.h.markExited()
	}
}

func (w *kqueueWatcher) wakeAll() {
	w.mu.Lock()
	var woken []*Handle
	for tok, r := range w.regs {
		delete(w.regs, tok)
		woken = append(woken, r.h)
	}
	w.mu.Unlock()
	for _, h := range woken {
		h.markExited()
	}
}

func (c *kqueueChild) reap() (Exit, bool, error) { return reapPid(c.h.pid) }

// rearm registers the child again after an exit report that was not
// followed by a reapable child. It reports false when the kernel says the
// child is already on its way out (ESRCH): Wait then looks again shortly.
func (c *kqueueChild) rearm() bool {
	w, err := kqueueShared()
	if err != nil {
		return false
	}
	return w.add(c) == nil
}

func (c *kqueueChild) signal(sig syscall.Signal) error { return killPid(c.h.pid, sig) }

func (c *kqueueChild) release() {
	if w, err := kqueueShared(); err == nil {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.removeLocked(c)
	}
}
