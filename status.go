package wait

import (
	"strconv"

	"github.com/procwait/wait/internal/posix"
)

// WaitStatus is the status word that wait4(2) and wait6(2) store, decoded by
// the host OS's own <sys/wait.h> rules. Those rules differ: "continued" is
// 0xffff on Linux, NetBSD, OpenBSD and illumos, 0x13 on FreeBSD and DragonFly,
// and 0x137f on macOS; WEXITSTATUS is masked to 8 bits on some systems and not
// on others. The methods never misread one kind of status as another: each
// number method returns -1 unless its predicate holds.
type WaitStatus uint32

// noSignal is -1 as a syscall.Signal (all bits set where, as on wasip1,
// syscall.Signal is unsigned).
const noSignal = ^posix.Signal(0)

// Exited reports whether the child exited normally (WIFEXITED).
func (s WaitStatus) Exited() bool { return hostStatus(s).Exited() }

// ExitStatus returns the exit code (WEXITSTATUS), or -1 unless Exited.
func (s WaitStatus) ExitStatus() int {
	if !s.Exited() {
		return -1
	}
	return hostStatus(s).ExitStatus()
}

// Signaled reports whether the child was killed by a signal (WIFSIGNALED).
func (s WaitStatus) Signaled() bool { return hostStatus(s).Signaled() }

// Signal returns the signal that killed the child (WTERMSIG), or -1 unless
// Signaled.
func (s WaitStatus) Signal() posix.Signal {
	if !s.Signaled() {
		return noSignal
	}
	return posix.Signal(hostStatus(s).Signal())
}

// CoreDump reports whether the child was killed by a signal and dumped core
// (WCOREDUMP). It is false unless Signaled; internal/abi's Decoded.CoreDump
// holds the raw macro value.
func (s WaitStatus) CoreDump() bool { return s.Signaled() && hostStatus(s).CoreDump() }

// Stopped reports whether the child is stopped (WIFSTOPPED); ptrace stops
// count.
func (s WaitStatus) Stopped() bool { return hostStatus(s).Stopped() }

// StopSignal returns the signal that stopped the child (WSTOPSIG), or -1
// unless Stopped.
func (s WaitStatus) StopSignal() posix.Signal {
	if !s.Stopped() {
		return noSignal
	}
	return posix.Signal(hostStatus(s).StopSignal())
}

// Continued reports whether a stopped child was resumed by SIGCONT
// (WIFCONTINUED).
func (s WaitStatus) Continued() bool { return hostStatus(s).Continued() }

// TrapCause returns the ptrace event (PTRACE_EVENT_*) of a Linux ptrace event
// stop: 0 for a plain SIGTRAP stop, -1 unless stopped by SIGTRAP and on every
// other OS.
func (s WaitStatus) TrapCause() int { return hostTrapCause(s) }

// String describes the status the way os.ProcessState does: "exit status 3",
// "signal: killed (core dumped)", "stop signal: stopped", "continued".
func (s WaitStatus) String() string {
	switch {
	case s.Exited():
		return "exit status " + strconv.Itoa(s.ExitStatus())
	case s.Continued(): // before Signaled: DragonFly's 0x13 is both
		return "continued"
	case s.Signaled():
		str := "signal: " + s.Signal().String()
		if s.CoreDump() {
			str += " (core dumped)"
		}
		return str
	case s.Stopped():
		str := "stop signal: " + s.StopSignal().String()
		if c := s.TrapCause(); c > 0 {
			str += " (trap " + strconv.Itoa(c) + ")"
		}
		return str
	}
	return "status 0x" + strconv.FormatUint(uint64(s), 16)
}

// WIFEXITED is s.Exited(), for code ported from C.
func WIFEXITED(s WaitStatus) bool { return s.Exited() }

// WEXITSTATUS is s.ExitStatus(), for code ported from C.
func WEXITSTATUS(s WaitStatus) int { return s.ExitStatus() }

// WIFSIGNALED is s.Signaled(), for code ported from C.
func WIFSIGNALED(s WaitStatus) bool { return s.Signaled() }

// WTERMSIG is s.Signal(), for code ported from C.
func WTERMSIG(s WaitStatus) posix.Signal { return s.Signal() }

// WCOREDUMP is s.CoreDump(), for code ported from C.
func WCOREDUMP(s WaitStatus) bool { return s.CoreDump() }

// WIFSTOPPED is s.Stopped(), for code ported from C.
func WIFSTOPPED(s WaitStatus) bool { return s.Stopped() }

// WSTOPSIG is s.StopSignal(), for code ported from C.
func WSTOPSIG(s WaitStatus) posix.Signal { return s.StopSignal() }

// WIFCONTINUED is s.Continued(), for code ported from C.
func WIFCONTINUED(s WaitStatus) bool { return s.Continued() }

// ShellCode returns the status as a POSIX shell reports it in $?: the exit
// status for a child that exited; 128+N for a child killed by signal N,
// whether or not it dumped core; and 128+N for a child stopped by signal N,
// as POSIX shells report a suspended job (bash gives 148 for a job stopped by
// SIGTSTP on Linux, where SIGTSTP is 20). A continued status, and a word
// that is none of these, give -1: no shell reports either as $?.
//
// os.ProcessState.ExitCode follows another convention: it returns -1 for a
// child killed by a signal, where ShellCode returns 128+N, so a program that
// exits with ExitCode's value turns every death by signal into exit status
// 255. N is the host's signal number (SIGSTOP is 19 on Linux x86 and arm, 23
// on Linux MIPS, 17 on the BSDs and macOS), so the same death may give
// another code on another system, exactly as the shell there reports it.
func (s WaitStatus) ShellCode() int {
	switch {
	case s.Continued(): // before Signaled: DragonFly's 0x13 is both
		return -1
	case s.Exited():
		return s.ExitStatus()
	case s.Signaled():
		return 128 + int(s.Signal())
	case s.Stopped():
		return 128 + int(s.StopSignal())
	}
	return -1
}
