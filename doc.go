// Package wait is the Unix wait family — wait4, waitid and wait6 — as one
// typed, allocation-free Go API with each operating system's exact semantics,
// plus two things the C calls alone do not give a Go program: a Handle that
// waits for a child through the runtime's poller instead of a blocked thread,
// and a Reaper that reaps orphans without stealing the exit status of a child
// that other code waits for.
//
// # The calls
//
// [Wait4], [Waitid] and [Wait6] mirror wait4(2), waitid(2) and wait6(2). Every
// pointer argument may be nil. EINTR is retried inside. Errors are
// *os.SyscallError values naming the call, so errors.Is(err, unix.ECHILD)
// works. Options, idtypes and CLD_* codes are the host's own values; a flag or
// idtype the host lacks is refused before any system call with an error that
// wraps errors.ErrUnsupported. Where the OS lacks a call but its meaning can be
// kept, the call is emulated and the emulation is documented on the call.
//
// # Status words
//
// [WaitStatus] decodes a status word with the host OS's own <sys/wait.h>
// rules, which differ between systems (Linux and NetBSD mark "continued" as
// 0xffff, FreeBSD as 0x13, macOS as 0x137f). The internal/abi package holds
// every OS's rules as data and the tests check them on every host.
//
// # Ownership and lifecycle
//
// A [Handle] (from [Open] or [Start]) owns one child. The rules that keep
// every exit with its one owner, for the whole life of a supervisor:
//
//   - Ownership ends when the child is reaped, by [Handle.Wait] or by [Reap]
//     on the Handle's behalf. The PID is free from then on: Open of it
//     answers ECHILD, Start of a new child that reuses it works, and Reap
//     treats a new process on it as unowned. Close after a Wait that returned
//     the Exit is optional.
//   - Exits only: Handle and Reap reap CLD_EXITED, CLD_KILLED and CLD_DUMPED
//     and nothing else. Stops, continues and ptrace traps are peeked at with
//     WNOWAIT and stay for whoever waits for them (the tracer). Nothing stalls
//     Reap: not an owned zombie, not a stopped or traced child, on any OS.
//   - A value that does not fit the C type (a pid_t, an int signal number) is
//     refused with an error wrapping EINVAL before any system call, so nothing
//     is cut down to another process's PID.
//   - No lock is held while the caller's code runs or across a panic; a nil
//     Context panics before any lock is taken.
package wait
