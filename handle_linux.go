package wait

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// On Linux a Handle holds a pidfd registered with the runtime's poller: the
// waiting goroutine parks in RawConn.Read until the pidfd becomes readable
// (the child exited) and waitid(P_PIDFD) then collects the status. Kernels
// without the needed pidfd support fall back to the SIGCHLD dispatcher
// (handle_sigchld.go), which a test can also force.

// handleSys is a Handle's pidfd; file is nil on the SIGCHLD path, where
// proc is an open /proc/<pid> directory of the child (nil when /proc is not
// usable): it names the child itself, not whatever later takes its PID.
type handleSys struct {
	file *os.File
	rc   syscall.RawConn
	fd   int      // file's descriptor, valid while file is open
	proc *os.File // SIGCHLD path: the child's /proc/<pid> directory
}

// forceSigchld makes Open use the SIGCHLD dispatcher even where pidfd
// works; the tests set it to cover that path.
var forceSigchld atomic.Bool

// pidfdWorks probes once for everything the pidfd path uses. Linux added
// pidfd_send_signal in 5.1, pidfd_open (and poll on a pidfd) in 5.3 and
// waitid's P_PIDFD in 5.4; seccomp sandboxes and emulators may lack any of
// them. This process is not its own child, so a kernel that knows P_PIDFD
// answers the probe with ECHILD (5.3 says EINVAL).
var pidfdWorks = sync.OnceValue(func() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if unix.PidfdSendSignal(fd, 0, nil, 0) != nil {
		return false
	}
	var si rawSiginfo
	return sysWaitid(P_PIDFD, fd, &si, uint32(WEXITED|WNOHANG)) == syscall.ECHILD
})

func (h *Handle) sysOpen() error {
	if forceSigchld.Load() || !pidfdWorks() {
		if err := checkChild(h.pid); err != nil {
			return err
		}
		// Remember who the child is: should other code reap it and
		// the PID be reused, its /proc directory tells them apart.
		h.sys.proc = openProcDir(h.pid)
		sigchldAdd(h)
		return nil
	}
	// pidfd_open(pid, 0) then O_NONBLOCK: PIDFD_NONBLOCK (5.10) is not
	// translated by qemu-user on MIPS, where it differs from x86's value.
	fd, err := unix.PidfdOpen(h.pid, 0)
	if err != nil {
		if err == unix.ESRCH {
			return handleErr("open", h.pid, "no such process", syscall.ECHILD)
		}
		return handleErr("open", h.pid, "pidfd_open failed", os.NewSyscallError("pidfd_open", err))
	}
	var si rawSiginfo
	if e := waitidNoEINTR(fd, &si, uint32(WEXITED|WNOHANG|WNOWAIT)); e != 0 {
		unix.Close(fd)
		if e == syscall.ECHILD {
			return handleErr("open", h.pid, "not a child of this process (or reaped already)", syscallError("waitid", e))
		}
		return handleErr("open", h.pid, "waitid(P_PIDFD) failed", syscallError("waitid", e))
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return handleErr("open", h.pid, "fcntl failed", os.NewSyscallError("fcntl", err))
	}
	f := os.NewFile(uintptr(fd), "pidfd:"+strconv.Itoa(h.pid))
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return handleErr("open", h.pid, "pidfd not pollable", err)
	}
	h.sys = handleSys{file: f, rc: rc, fd: fd}
	return nil
}

// sysInline reports whether Wait must run sysWatch itself: with a pidfd it
// does; the SIGCHLD dispatcher needs no help.
func (h *Handle) sysInline() bool { return h.sys.file != nil }

// sysWatch parks in the poller until the pidfd is readable, i.e. the child
// exited; it returns ctx.Err() when ctx ends first. Only when ctx can end is
// a callback (context.AfterFunc) armed to interrupt the wait with a past read
// deadline. One watcher runs at a time per Handle (see Wait).
func (h *Handle) sysWatch(ctx context.Context) error {
	f := h.sys.file
	var stop func() bool
	var fired chan struct{}
	if ctx.Done() != nil {
		fired = make(chan struct{})
		stop = context.AfterFunc(ctx, func() {
			_ = f.SetReadDeadline(time.Unix(1, 0))
			close(fired)
		})
	}
	err := h.sys.rc.Read(func(fd uintptr) bool {
		var si rawSiginfo
		e := waitidNoEINTR(int(fd), &si, uint32(WEXITED|WNOHANG|WNOWAIT))
		// Exited, or an error (ECHILD: reaped by other code) that
		// collect will report. A tracee's stop or trap, which waitid
		// reports to its tracer even under WEXITED alone, is not an
		// exit: park again; the pidfd turns readable only at the exit.
		s := si.sigchld()
		return e != 0 || s.Pid != 0 && isExit(Code(s.Code))
	})
	if stop != nil && !stop() {
		<-fired
		_ = f.SetReadDeadline(time.Time{})
	}
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func waitidNoEINTR(pidfd int, si *rawSiginfo, options uint32) syscall.Errno {
	for {
		if e := sysWaitid(P_PIDFD, pidfd, si, options); e != syscall.EINTR {
			return e
		}
	}
}

// sysReap reaps the child if it exited. It peeks first (WNOWAIT): Linux
// reports a tracee's ptrace stops to its tracer under WEXITED alone, and a
// wait without WNOWAIT would consume them. A zombie stays a zombie, so the
// reap that follows a peek that saw an exit reaps that exit.
func (h *Handle) sysReap() (Exit, bool, error) {
	if h.sys.file == nil {
		if err := h.sameProcess(); err != nil {
			return Exit{}, false, err
		}
		return reapPid(h.pid)
	}
	var si rawSiginfo
	if e := waitidNoEINTR(h.sys.fd, &si, uint32(WEXITED|WNOHANG|WNOWAIT)); e != 0 {
		return Exit{}, false, syscallError("waitid", e)
	}
	if s := si.sigchld(); s.Pid == 0 || !isExit(Code(s.Code)) {
		return Exit{}, false, nil
	}
	var ws WaitStatus
	var wru WRusage
	wpid, err := Wait6(P_PIDFD, h.sys.fd, &ws, WEXITED|WNOHANG, &wru, nil)
	if err != nil || wpid == 0 {
		return Exit{}, false, err
	}
	return Exit{Pid: h.pid, Status: ws, Rusage: wru.Self}, true, nil
}

// sameProcess fails wrapping ECHILD when the child is gone, reaped by
// other code, so that the PID may now name another process. An open
// /proc/<pid> directory keeps referring to the process it was opened for:
// once that process is reaped, lookups in it fail with ENOENT, whoever has
// the PID now. It cannot tell without a usable /proc, and a reap and reuse
// between this check and the next system call remain possible.
func (h *Handle) sameProcess() error {
	if h.sys.proc == nil {
		return nil
	}
	var st unix.Stat_t
	err := ignoringEINTRErr(func() error { return unix.Fstatat(int(h.sys.proc.Fd()), "stat", &st, 0) })
	if err == unix.ENOENT || err == unix.ESRCH {
		return fmt.Errorf("the child is gone (its /proc directory is empty), and its PID may name another process: %w", syscall.ECHILD)
	}
	return nil
}

// sysRearm renews the watch after an exit report that was not followed by
// a reapable child: the pidfd watcher parks again; the SIGCHLD dispatcher
// takes the Handle back.
func (h *Handle) sysRearm() bool {
	if h.sys.file == nil {
		sigchldAdd(h)
	}
	return true
}

func (h *Handle) sysSignal(sig syscall.Signal) error {
	if h.sys.file == nil {
		if err := h.sameProcess(); err != nil {
			return handleErr("signal", h.pid, "the child was reaped by other code and its PID reused", os.ErrProcessDone)
		}
		return killPid(h.pid, sig)
	}
	err := unix.PidfdSendSignal(h.sys.fd, sig, nil, 0)
	switch {
	case err == unix.ESRCH:
		return handleErr("signal", h.pid, "the child is gone", os.ErrProcessDone)
	case err != nil:
		return os.NewSyscallError("pidfd_send_signal", err)
	}
	return nil
}

// sysRelease closes the pidfd (a parked watcher wakes with an error and
// finds the Handle reaped or closed) or leaves the SIGCHLD dispatcher.
func (h *Handle) sysRelease() {
	if h.sys.file == nil {
		sigchldRemove(h)
		if h.sys.proc != nil {
			_ = h.sys.proc.Close()
			h.sys.proc = nil
		}
		return
	}
	if h.sys.fd >= 0 {
		h.sys.fd = -1
		_ = h.sys.file.Close()
	}
}
