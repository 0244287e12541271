//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package wait

import (
	"context"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// On the BSDs and macOS every Handle registers its child with one kqueue
// shared by the process (EVFILT_PROC with NOTE_EXIT, one-shot; EVFILT_PROC is
// -5, but 4 on NetBSD, as x/sys has it per OS). One dispatcher goroutine
// reads the kqueue's events and wakes the Handle whose child exited; its
// waiters then collect with wait4(pid, WNOHANG).
//
// The dispatcher blocks in kevent(2) and so holds one thread for the whole
// process, whatever the number of Handles. The kqueue descriptor cannot sit
// in the Go poller instead: the runtime registers every descriptor for
// EVFILT_READ and EVFILT_WRITE together, and a kqueue descriptor accepts only
// EVFILT_READ (FreeBSD sys/kern/kern_event.c kqueue_kqfilter returns EINVAL
// for any other filter), so os.NewFile would leave it unpollable.

type handleSys struct{}

type kqueueWatcher struct {
	fd    int
	mu    sync.Mutex
	byPid map[int]*Handle
}

var kqueueShared = sync.OnceValues(func() (*kqueueWatcher, error) {
	fd, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(fd)
	w := &kqueueWatcher{fd: fd, byPid: map[int]*Handle{}}
	go w.loop()
	return w, nil
})

func (h *Handle) sysOpen() error {
	if err := checkChild(h.pid); err != nil {
		return err
	}
	w, err := kqueueShared()
	if err != nil {
		return handleErr("open", h.pid, "cannot watch children", err)
	}
	switch err := w.add(h); err {
	case nil:
	case unix.ESRCH:
		// Exited already: some kernels refuse to watch a zombie (FreeBSD
		// instead reports it at once). The first collect reaps it.
		h.markExited()
	default:
		return handleErr("open", h.pid, "cannot watch the child", os.NewSyscallError("kevent", err))
	}
	return nil
}

// add registers h for its child's exit. The map and the kqueue change under
// one lock: a PID freed by a reap and reused at once by a new child must not
// have the new Handle's registration removed by the old Handle.
func (w *kqueueWatcher) add(h *Handle) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.byPid[h.pid] = h
	err := w.change(h.pid, unix.EV_ADD|unix.EV_ONESHOT, unix.NOTE_EXIT)
	if err != nil {
		delete(w.byPid, h.pid)
	}
	return err
}

// change applies one EVFILT_PROC change for pid without waiting for events.
func (w *kqueueWatcher) change(pid, flags int, fflags uint32) error {
	var ev [1]unix.Kevent_t
	unix.SetKevent(&ev[0], pid, unix.EVFILT_PROC, flags)
	ev[0].Fflags = fflags
	for {
		_, err := unix.Kevent(w.fd, ev[:], nil, nil)
		if err != unix.EINTR {
			return err
		}
	}
}

// remove forgets h (if still registered) and deletes its kqueue entry; once
// the one-shot event fired there is none, which is fine.
func (w *kqueueWatcher) remove(h *Handle) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byPid[h.pid] == h {
		delete(w.byPid, h.pid)
		_ = w.change(h.pid, unix.EV_DELETE, 0)
	}
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
			// waiter rather than let it hang: Wait then polls with
			// wait4(WNOHANG) and a growing delay until the child exits.
			w.mu.Lock()
			var woken []*Handle
			for pid, h := range w.byPid {
				delete(w.byPid, pid)
				woken = append(woken, h)
			}
			w.mu.Unlock()
			for _, h := range woken {
				h.markExited()
			}
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for i := range evs[:n] {
			ev := &evs[i]
			if ev.Filter != unix.EVFILT_PROC || ev.Fflags&unix.NOTE_EXIT == 0 {
				continue
			}
			pid := int(ev.Ident)
			w.mu.Lock()
			h := w.byPid[pid]
			delete(w.byPid, pid)
			w.mu.Unlock()
			if h != nil {
				h.markExited()
			}
		}
	}
}

func (h *Handle) sysInline() bool { return false }

func (h *Handle) sysWatch(context.Context) error { return nil }

func (h *Handle) sysReap() (Exit, bool, error) { return reapPid(h.pid) }

func (h *Handle) sysSignal(sig syscall.Signal) error { return killPid(h.pid, sig) }

func (h *Handle) sysRelease() {
	if w, err := kqueueShared(); err == nil {
		w.remove(h)
	}
}
