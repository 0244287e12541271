package wait

import (
	"strconv"

	"github.com/procwait/wait/internal/abi"
	"github.com/procwait/wait/internal/posix"
)

// Info is the SIGCHLD siginfo_t that waitid(2) and wait6(2) fill, decoded.
type Info struct {
	// Pid is the child's process ID; 0 when WNOHANG found nothing. (macOS
	// puts the PID of the process that sent SIGCONT here for CLD_CONTINUED.)
	Pid int
	// UID is the child's user ID as the kernel reports it (the real user ID
	// on Linux, the effective one on FreeBSD and NetBSD), or -1 where the OS
	// does not fill si_uid for SIGCHLD (illumos).
	UID int
	// Signo is SIGCHLD, or 0 when WNOHANG found nothing.
	Signo posix.Signal
	// Code says what happened: CLD_EXITED, CLD_KILLED, CLD_DUMPED,
	// CLD_TRAPPED, CLD_STOPPED or CLD_CONTINUED.
	Code Code
	// Status is the exit value for CLD_EXITED (all 32 bits on the systems
	// that keep them, such as FreeBSD; 8 bits on Linux), otherwise the signal
	// that killed, stopped or continued the child.
	Status int
}

// String describes the event: "pid 42 CLD_EXITED status 3 uid 1000".
func (i Info) String() string {
	if i.Signo == 0 && i.Pid == 0 {
		return "no child changed state"
	}
	s := "pid " + strconv.Itoa(i.Pid) + " " + i.Code.String()
	switch i.Code {
	case CLD_EXITED:
		s += " status " + strconv.Itoa(i.Status)
	default:
		s += " signal " + posix.Signal(i.Status).String()
	}
	if i.UID >= 0 {
		s += " uid " + strconv.Itoa(i.UID)
	}
	return s
}

// Code is the si_code of a SIGCHLD siginfo_t (CLD_EXITED, ...), with the host
// OS's values.
type Code int

// String returns the code's name ("CLD_EXITED"), or "Code(n)".
func (c Code) String() string {
	if n, ok := nameOf(hostCodes[:], int64(c)); ok {
		return n
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// infoFrom converts a decoded siginfo to an Info.
func infoFrom(s abi.SigChld) Info {
	return makeInfo(s.Signo, s.Code, s.Pid, s.UID, s.Status, s.HasUID)
}

// makeInfo builds an Info from the fields of a siginfo. Waitid and Wait6
// call it as makeInfo(si.Fields()), which the compiler inlines whole, so the
// fields go from the buffer to the caller's Info in registers.
func makeInfo(signo, code, pid, uid, status int32, hasUID bool) Info {
	u := int(uint32(uid))
	if !hasUID {
		u = -1
	}
	return Info{Pid: int(pid), UID: u, Signo: posix.Signal(signo), Code: Code(code), Status: int(status)}
}
