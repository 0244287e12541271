package wait

import (
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Linux watches a process through a pidfd (pidfd_open, 5.3) registered with
// the runtime's poller. A pidfd turns readable once its process has exited
// (a zombie counts) and stays so after the reap; it pins the process itself,
// so a PID reused later never affects it. Nothing here waits on the process:
// a zero-timeout poll(2) decides, inside RawConn.Read, whether the readiness
// is real.

// watchSys is the Watcher's pidfd (file nil once released) and whether
// its goroutine was started.
type watchSys struct {
	file    *os.File
	rc      syscall.RawConn
	started bool
}

func openWatch(w *Watcher) error {
	fd, err := unix.PidfdOpen(w.pid, 0)
	if err != nil {
		// ESRCH: no such process. ENOSYS (before 5.3, or filtered)
		// wraps errors.ErrUnsupported as a syscall.Errno.
		return handleErr("watch", w.pid, "pidfd_open failed", os.NewSyscallError("pidfd_open", err))
	}
	// O_NONBLOCK by fcntl rather than PIDFD_NONBLOCK: see openPidfd.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return handleErr("watch", w.pid, "fcntl failed", os.NewSyscallError("fcntl", err))
	}
	f := os.NewFile(uintptr(fd), "pidfd:"+strconv.Itoa(w.pid))
	rc, err := f.SyscallConn()
	if err == nil && f.SetReadDeadline(time.Time{}) == os.ErrNoDeadline {
		err = syscall.ENOSYS // the poller refused the pidfd: no way to park
	}
	if err != nil {
		f.Close()
		return handleErr("watch", w.pid, "the pidfd cannot be polled", err)
	}
	w.sys = watchSys{file: f, rc: rc}
	return nil
}

// startLocked starts the one goroutine that parks in the poller for the
// Watcher's Wait and Done calls, unless it runs or has nothing to do.
func (w *Watcher) startLocked() {
	if w.sys.started || w.sys.file == nil {
		return
	}
	w.sys.started = true
	go w.park(w.sys.rc)
}

// park waits in the poller until the pidfd is readable and poll(2) confirms
// it, then records the exit. Close ends it: closing the file wakes the read
// with an error, which a closed Watcher ignores.
func (w *Watcher) park(rc syscall.RawConn) {
	var perr error
	err := rc.Read(func(fd uintptr) bool {
		var exited bool
		exited, perr = pidfdExited(int(fd))
		return exited || perr != nil
	})
	if err == nil {
		err = perr
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.failLocked("watching the pidfd failed", err)
		return
	}
	w.exitLocked()
}

// pidfdExited reports whether the pidfd is readable now, that is whether
// its process has exited: poll(2) with a zero timeout.
func pidfdExited(fd int) (bool, error) {
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds[:], 0)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return false, os.NewSyscallError("poll", err)
		}
		return n > 0 && fds[0].Revents&(unix.POLLIN|unix.POLLHUP) != 0, nil
	}
}

// releaseLocked closes the pidfd; a parked goroutine wakes and ends.
func (w *Watcher) releaseLocked() {
	if w.sys.file != nil {
		_ = w.sys.file.Close()
		w.sys = watchSys{}
	}
}
