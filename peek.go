package wait

import (
	"errors"

	"github.com/procwait/wait/internal/raw"
)

// The peeks and the reap that the Handle, Start's commands and Reap make,
// straight through internal/raw (no argument checks: the values are the
// package's own).

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
	_, code, pid, _, _, _ := si.Fields()
	return int(pid), Code(code), nil
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
