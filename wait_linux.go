package wait

import (
	"syscall"

	"github.com/procwait/wait/internal/abi"
)

// Linux reaches wait4 and waitid as raw system calls and emulates wait6 with
// waitid, whose fifth argument (struct rusage *) only Linux has
// (internal/raw/raw_linux.go).

// hostStatus decodes status words by glibc's rules.
type hostStatus = abi.LinuxStatus

// hostTrapCause is the PTRACE_EVENT_* number of a ptrace event stop (status
// >> 16), 0 for a plain SIGTRAP stop, -1 for anything else.
func hostTrapCause(s WaitStatus) int {
	if s.StopSignal() != syscall.SIGTRAP {
		return -1
	}
	return hostStatus(s).TrapCause()
}

// hostPlainOptions are the option bits hostOptions passes on unchanged:
// all but WTRAPPED.
const hostPlainOptions = ^uint32(WTRAPPED)

// hostOptions applies Linux's rule for WTRAPPED, a flag Linux does not have:
// the kernel always reports a tracee's ptrace stops to its tracer, with or
// without WUNTRACED/WSTOPPED, so "also report trapped children" is already
// true and the bit is removed. Asking waitid or wait6 for trapped children
// alone cannot be honoured (Linux would report exits too) and is refused.
func hostOptions(call string, o uint32) (uint32, error) {
	if o&uint32(WTRAPPED) == 0 {
		return o, nil
	}
	o &^= uint32(WTRAPPED)
	if call != "wait4" && o&hostEventMask == 0 {
		return 0, unsupported(call, syscall.EINVAL, "WTRAPPED without WEXITED, WSTOPPED or WCONTINUED (Linux cannot wait for ptrace stops alone)")
	}
	return o, nil
}
