//go:build unix

package wait

import (
	"errors"
	"os"
	"runtime"
	"syscall"
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
