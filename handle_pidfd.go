//go:build linux

package wait

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/raw"
)

// pidfdChild watches a child through a pidfd registered with the runtime's
// poller: one waiter parks in RawConn.Read until a WNOWAIT peek on the pidfd
// shows an exit, and waitid(P_PIDFD) then collects it. The pidfd names the
// child itself, so nothing done through it can reach a process that reused
// the PID.
type pidfdChild struct {
	pid  int
	file *os.File
	rc   syscall.RawConn
	fd   int // file's descriptor; -1 once released
}

// openPidfd opens the child's pidfd: pidfd_open(pid, 0) then O_NONBLOCK,
// because PIDFD_NONBLOCK (5.10) is not translated by qemu-user on MIPS,
// where it differs from x86's value.
func openPidfd(h *Handle) (childWatch, error) {
	fd, err := unix.PidfdOpen(h.pid, 0)
	if err != nil {
		if err == unix.ESRCH {
			return nil, handleErr("open", h.pid, "no such process", syscall.ECHILD)
		}
		return nil, handleErr("open", h.pid, "pidfd_open failed", os.NewSyscallError("pidfd_open", err))
	}
	return adoptPidfd(h, fd)
}

// adoptPidfd makes fd, the child's pidfd (from pidfd_open or from clone),
// the Handle's: it checks that the child is ours and unreaped, makes fd
// non-blocking and registers it with the poller. It closes fd on error.
func adoptPidfd(h *Handle, fd int) (childWatch, error) {
	var si raw.Siginfo
	if e := raw.Waitid(int(P_PIDFD), fd, &si, uint32(WEXITED|WNOHANG|WNOWAIT)); e != 0 {
		unix.Close(fd)
		if e == syscall.ECHILD {
			return nil, handleErr("open", h.pid, "not a child of this process (or reaped already)", syscallError("waitid", e))
		}
		return nil, handleErr("open", h.pid, "waitid(P_PIDFD) failed", syscallError("waitid", e))
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, handleErr("open", h.pid, "fcntl failed", os.NewSyscallError("fcntl", err))
	}
	f := os.NewFile(uintptr(fd), "pidfd:"+strconv.Itoa(h.pid))
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, handleErr("open", h.pid, "pidfd not pollable", err)
	}
	return &pidfdChild{pid: h.pid, file: f, rc: rc, fd: fd}, nil
}

func (c *pidfdChild) inline() bool { return true }

// watch parks in the poller until a peek on the pidfd shows an exit (or an
// error, such as ECHILD after a reap by other code, that reap will report);
// it returns ctx.Err() when ctx ends first. A tracee's stop or trap, which
// waitid reports to its tracer even under WEXITED alone, is not an exit: the
// watcher parks again, and the pidfd turns readable only at the exit. Only
// when ctx can end is a callback (context.AfterFunc) armed to interrupt the
// wait with a past read deadline.
func (c *pidfdChild) watch(ctx context.Context) error {
	var stop func() bool
	var fired chan struct{}
	if ctx.Done() != nil {
		fired = make(chan struct{})
		stop = context.AfterFunc(ctx, func() {
			_ = c.file.SetReadDeadline(time.Unix(1, 0))
			close(fired)
		})
	}
	err := c.rc.Read(func(fd uintptr) bool {
		var si raw.Siginfo
		e := raw.Waitid(int(P_PIDFD), int(fd), &si, uint32(WEXITED|WNOHANG|WNOWAIT))
		s := si.SigChld()
		return e != 0 || s.Pid != 0 && isExit(Code(s.Code))
	})
	if stop != nil && !stop() {
		<-fired
		_ = c.file.SetReadDeadline(time.Time{})
	}
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// reap peeks first (WNOWAIT): Linux reports a tracee's ptrace stops to its
// tracer under WEXITED alone, and a wait without WNOWAIT would consume them.
// A zombie stays a zombie, so the reap that follows a peek that saw an exit
// reaps that exit.
func (c *pidfdChild) reap() (Exit, bool, error) {
	if exited, err := c.peek(); err != nil || !exited {
		return Exit{}, false, err
	}
	// Linux's wait6 is waitid with an rusage: call it so, and say so.
	var si raw.Siginfo
	var ru raw.Rusage
	if e := raw.WaitidRusage(int(P_PIDFD), c.fd, &si, uint32(WEXITED|WNOHANG), &ru); e != 0 {
		return Exit{}, false, syscallError("waitid", e)
	}
	s := si.SigChld()
	if s.Pid == 0 {
		return Exit{}, false, nil
	}
	return Exit{Pid: c.pid, Status: WaitStatus(raw.StatusFromSiginfo(s.Code, s.Status)), Rusage: Rusage(ru.Decode())}, true, nil
}

// peek reports whether the child has exited, with a WNOWAIT waitid on the
// pidfd: nothing is reaped and no stop or trap consumed. Start's commands
// use it to reap through os/exec instead (see command.reap).
func (c *pidfdChild) peek() (bool, error) {
	if c.fd < 0 {
		return false, nil
	}
	var si raw.Siginfo
	if e := raw.Waitid(int(P_PIDFD), c.fd, &si, uint32(WEXITED|WNOHANG|WNOWAIT)); e != 0 {
		return false, syscallError("waitid", e)
	}
	s := si.SigChld()
	return s.Pid != 0 && isExit(Code(s.Code)), nil
}

// rearm needs nothing: the next watch parks on the same pidfd.
func (c *pidfdChild) rearm() bool { return true }

func (c *pidfdChild) signal(sig syscall.Signal) error {
	err := unix.PidfdSendSignal(c.fd, sig, nil, 0)
	switch {
	case err == unix.ESRCH:
		return handleErr("signal", c.pid, "the child is gone", os.ErrProcessDone)
	case err != nil:
		return os.NewSyscallError("pidfd_send_signal", err)
	}
	return nil
}

// release closes the pidfd; a parked watcher wakes with an error and finds
// the Handle reaped or closed.
func (c *pidfdChild) release() {
	if c.fd >= 0 {
		c.fd = -1
		_ = c.file.Close()
	}
}
