//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package wait

import (
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// On the BSDs and macOS each Watcher has a kqueue of its own holding one
// EVFILT_PROC/NOTE_EXIT registration for its process. The registration is
// attached to the process itself, so a process that later reuses the PID
// never fires it, and the Watcher's kqueue turns readable once the process
// has exited.
//
// A kqueue descriptor cannot be parked in the runtime's poller (see the
// comment at the top of handle_kqueue.go: it accepts EVFILT_READ only, and
// the runtime registers EVFILT_WRITE too), but it can be watched by another
// kqueue. So one dispatcher kqueue, shared by all the Watchers of the
// process, holds an EVFILT_READ registration per Watcher's kqueue, and one
// dispatcher goroutine (one thread in kevent(2), whatever the number of
// Watchers) wakes the Watcher whose kqueue turned readable. The Watcher
// then reads its own kqueue without waiting: only a NOTE_EXIT found there is
// an exit. A wakeup that finds none, such as a stale event for a descriptor
// number that a closed Watcher's kqueue had and a new one's has now, is
// ignored.

// watchSys is the Watcher's own kqueue, -1 once released (or never opened,
// for a process found exited by Watch).
type watchSys struct {
	kq int
	d  *watchDispatcher
}

// watchDispatcher is the shared kqueue and its registered Watchers, by the
// descriptor of their kqueue.
type watchDispatcher struct {
	fd   int
	mu   sync.Mutex
	regs map[int]*Watcher
}

var watchShared = sync.OnceValues(func() (*watchDispatcher, error) {
	fd, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(fd)
	d := &watchDispatcher{fd: fd, regs: map[int]*Watcher{}}
	go d.loop()
	return d, nil
})

func openWatch(w *Watcher) error {
	w.sys.kq = -1
	d, err := watchShared()
	if err != nil {
		return handleErr("watch", w.pid, "cannot watch processes", err)
	}
	kq, err := unix.Kqueue()
	if err != nil {
		return handleErr("watch", w.pid, "kqueue failed", os.NewSyscallError("kqueue", err))
	}
	unix.CloseOnExec(kq)
	var ev [1]unix.Kevent_t
	unix.SetKevent(&ev[0], w.pid, unix.EVFILT_PROC, unix.EV_ADD|unix.EV_ONESHOT)
	ev[0].Fflags = unix.NOTE_EXIT
	err = keventChange(kq, ev[:])
	if err == unix.ESRCH {
		unix.Close(kq)
		// Some kernels refuse to watch a process that has exited but is
		// not reaped yet (FreeBSD instead reports it at once). If a
		// process still holds the PID, the one asked for exited.
		if kerr := unix.Kill(w.pid, 0); kerr == unix.ESRCH {
			return handleErr("watch", w.pid, "no such process", os.NewSyscallError("kevent", err))
		}
		w.mu.Lock()
		w.exitLocked()
		w.mu.Unlock()
		return nil
	}
	if err != nil {
		unix.Close(kq)
		return handleErr("watch", w.pid, "cannot watch the process", os.NewSyscallError("kevent", err))
	}
	if err := d.add(kq, w); err != nil {
		unix.Close(kq)
		return handleErr("watch", w.pid, "cannot register with the dispatcher", os.NewSyscallError("kevent", err))
	}
	w.sys = watchSys{kq: kq, d: d}
	return nil
}

// keventChange applies changes to kq without waiting for events.
func keventChange(kq int, evs []unix.Kevent_t) error {
	for {
		_, err := unix.Kevent(kq, evs, nil, nil)
		if err != unix.EINTR {
			return err
		}
	}
}

// add registers the Watcher's kqueue for EVFILT_READ with the dispatcher.
func (d *watchDispatcher) add(kq int, w *Watcher) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ev [1]unix.Kevent_t
	unix.SetKevent(&ev[0], kq, unix.EVFILT_READ, unix.EV_ADD)
	if err := keventChange(d.fd, ev[:]); err != nil {
		return err
	}
	d.regs[kq] = w
	return nil
}

// remove forgets the Watcher's kqueue; closing it, which follows, drops its
// registration from the dispatcher's kqueue.
func (d *watchDispatcher) remove(kq int, w *Watcher) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.regs[kq] == w {
		delete(d.regs, kq)
	}
}

// loop is the dispatcher: it runs for the life of the process.
func (d *watchDispatcher) loop() {
	var evs [64]unix.Kevent_t
	for {
		n, err := unix.Kevent(d.fd, nil, evs[:], nil)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			// Not expected (the descriptor is never closed). Let every
			// Watcher look at its own kqueue rather than hang.
			d.mu.Lock()
			all := make([]*Watcher, 0, len(d.regs))
			for _, w := range d.regs {
				all = append(all, w)
			}
			d.mu.Unlock()
			for _, w := range all {
				w.check()
			}
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for i := range evs[:n] {
			if evs[i].Filter != unix.EVFILT_READ {
				continue
			}
			d.mu.Lock()
			w := d.regs[int(evs[i].Ident)]
			d.mu.Unlock()
			if w != nil {
				w.check()
			}
		}
	}
}

// check reads the Watcher's own kqueue without waiting and records the exit
// if NOTE_EXIT is there.
func (w *Watcher) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sys.kq < 0 {
		return
	}
	var evs [1]unix.Kevent_t
	var zero unix.Timespec
	for {
		n, err := unix.Kevent(w.sys.kq, nil, evs[:], &zero)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			w.failLocked("reading the kqueue failed", os.NewSyscallError("kevent", err))
		case n == 1 && evs[0].Flags&unix.EV_ERROR != 0:
			w.failLocked("watching the process failed", os.NewSyscallError("kevent", unix.Errno(evs[0].Data)))
		case n == 1 && evs[0].Filter == unix.EVFILT_PROC && evs[0].Fflags&unix.NOTE_EXIT != 0:
			w.exitLocked()
		}
		return
	}
}

// startLocked has nothing to start: the registration made by Watch is
// watched by the dispatcher.
func (w *Watcher) startLocked() {}

// releaseLocked leaves the dispatcher and closes the Watcher's kqueue.
func (w *Watcher) releaseLocked() {
	if w.sys.kq < 0 {
		return
	}
	w.sys.d.remove(w.sys.kq, w)
	_ = unix.Close(w.sys.kq)
	w.sys = watchSys{kq: -1}
}
