//go:build unix

package wait

import (
	"errors"
	"os"
	"runtime"
	"syscall"

	"github.com/procwait/wait/internal/raw"
)

// The PID-based pieces shared by every Unix mechanism (kqueue, SIGCHLD, and
// Linux without pidfd). They are only called with the Handle's lock held and
// while the child is known unreaped, so the PID still names our child.

// checkChild fails wrapping ECHILD unless pid is an unreaped child of this
// process, and returns every other error of the check as well. It peeks with
// waitid(P_PID, WEXITED|WNOHANG|WNOWAIT), which reaps nothing and consumes
// no report. Where waitid is missing the error wraps errors.ErrUnsupported.
func checkChild(pid int) error {
	_, _, err := peek(P_PID, pid)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.ECHILD):
		return handleErr("open", pid, "not a child of this process (or reaped already)", err)
	case errors.Is(err, errors.ErrUnsupported):
		return handleErr("open", pid, "Handle needs waitid, which is not available on "+runtime.GOOS, err)
	}
	return handleErr("open", pid, "checking the child failed", err)
}

// isExit reports whether a SIGCHLD code is an exit (what Handle and Reap
// reap), not a stop, continue or ptrace trap.
func isExit(c Code) bool {
	return c == CLD_EXITED || c == CLD_KILLED || c == CLD_DUMPED
}

// peekExit reports whether pid has exited, with waitid(P_PID,
// WEXITED|WNOHANG|WNOWAIT): it reaps nothing and consumes no report. A stop
// or trap that the OS reports under WEXITED (Linux for tracees, macOS for
// every stopped child) is not an exit. Where waitid is missing (OpenBSD
// before 7.3) it cannot peek and answers true: the caller's wait4 then
// decides.
func peekExit(pid int) (bool, error) {
	wpid, code, err := peek(P_PID, pid)
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		return true, nil
	case err != nil:
		return false, err
	}
	return wpid == pid && isExit(code), nil
}

// peek is waitid(idtype, id, WEXITED|WNOHANG|WNOWAIT) through internal/raw:
// the pid and si_code of the first report (0 and 0 when there is none),
// reaping nothing. Where the OS refuses waitid (OpenBSD before 7.3) the
// error wraps errors.ErrUnsupported, as Waitid's does.
func peek(idtype IDType, id int) (int, Code, error) {
	opts, err := hostOptions("waitid", uint32(WEXITED|WNOHANG|WNOWAIT))
	if err != nil {
		return 0, 0, err
	}
	var si raw.Siginfo
	if e := raw.Waitid(int(idtype), id, &si, opts); e != 0 {
		return 0, 0, syscallError("waitid", e)
	}
	s := si.SigChld()
	return int(s.Pid), Code(s.Code), nil
}

// reap4 is wait4(pid, WNOHANG) through internal/raw: the pid reaped (0 when
// none was ready) with its status word and rusage.
func reap4(pid int) (Exit, error) {
	var ru raw.Rusage
	var e Exit
	wpid, errno := raw.Wait4(pid, (*uint32)(&e.Status), uint32(WNOHANG), &ru)
	if errno != 0 {
		return Exit{}, syscallError("wait4", errno)
	}
	if wpid != 0 {
		e.Pid, e.Rusage = wpid, Rusage(ru.Decode())
	}
	return e, nil
}

// reapPid reaps pid if it has exited: a WNOWAIT peek first, so that no stop
// or trap is consumed, then wait4(pid, WNOHANG) for the kernel's own status
// word and rusage. ok is false while the child runs, is stopped or traced.
func reapPid(pid int) (e Exit, ok bool, err error) {
	exited, err := peekExit(pid)
	if err != nil || !exited {
		return Exit{}, false, err
	}
	e, err = reap4(pid)
	if err != nil || e.Pid != pid || !(e.Status.Exited() || e.Status.Signaled()) {
		// Without waitid's peek (OpenBSD before 7.3), wait4 may
		// report a stop: it is gone then, as with OpenBSD's own wait4.
		return Exit{}, false, err
	}
	return e, true, nil
}

// exitedPid reports whether pid has exited (or is no longer our child),
// without reaping it. On an error it answers true, so that the waiters try
// to collect and report what is wrong.
func exitedPid(pid int) bool {
	exited, err := peekExit(pid)
	return exited || err != nil
}

// killPid sends sig with kill(2); ESRCH means the child is gone. The caller
// has checked that pid and sig fit the C types.
func killPid(pid int, sig syscall.Signal) error {
	err := syscall.Kill(pid, sig)
	switch {
	case err == syscall.ESRCH:
		return handleErr("signal", pid, "the child is gone", os.ErrProcessDone)
	case err != nil:
		return os.NewSyscallError("kill", err)
	}
	return nil
}
