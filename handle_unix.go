//go:build unix

package wait

import (
	"errors"
	"os"
	"syscall"
)

// The PID-based pieces shared by every Unix mechanism (kqueue, SIGCHLD, and
// Linux without pidfd). They are only called with the Handle's lock held and
// while the child is known unreaped, so the PID still names our child.

// checkChild fails wrapping ECHILD unless pid is an unreaped child of this
// process. It peeks with waitid(P_PID, WEXITED|WNOHANG|WNOWAIT), which reaps
// nothing. Where waitid is unavailable (OpenBSD before 7.3) it cannot tell and
// returns nil: the first collect then reports ECHILD through Wait instead.
func checkChild(pid int) error {
	err := Waitid(P_PID, pid, nil, WEXITED|WNOHANG|WNOWAIT)
	if errors.Is(err, syscall.ECHILD) {
		return handleErr("open", pid, "not a child of this process (or reaped already)", err)
	}
	return nil
}

// reapPid reaps pid if it has exited, with wait4(pid, WNOHANG): ok is false
// while it runs (or is merely stopped or traced).
func reapPid(pid int) (e Exit, ok bool, err error) {
	var ws WaitStatus
	var ru Rusage
	wpid, err := Wait4(pid, &ws, WNOHANG, &ru)
	if err != nil || wpid != pid || !(ws.Exited() || ws.Signaled()) {
		return Exit{}, false, err
	}
	return Exit{Pid: pid, Status: ws, Rusage: ru}, true, nil
}

// exitedPid reports whether pid has exited (or is no longer our child),
// without reaping it. On an error other than ECHILD it answers true, so that
// the waiters try to collect and report what is wrong.
func exitedPid(pid int) bool {
	var info Info
	err := Waitid(P_PID, pid, &info, WEXITED|WNOHANG|WNOWAIT)
	if err != nil {
		return true
	}
	// macOS's waitid also reports stopped children under WEXITED.
	return info.Pid != 0 && (info.Code == CLD_EXITED || info.Code == CLD_KILLED || info.Code == CLD_DUMPED)
}

// killPid sends sig with kill(2); ESRCH means the child is gone.
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
