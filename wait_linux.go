package wait

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/abi"
)

// Linux reaches wait4 and waitid as raw system calls and emulates wait6 with
// waitid, whose fifth argument (struct rusage *) only Linux has.

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

func sysWait4(pid int, status *WaitStatus, options uint32, ru *rawRusage) (int, syscall.Errno) {
	r, _, e := unix.Syscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(status)), uintptr(options), uintptr(unsafe.Pointer(ru)), 0, 0)
	return int(r), e
}

func sysWaitid(idtype IDType, id int, info *rawSiginfo, options uint32) syscall.Errno {
	return waitid(idtype, id, info, options, nil)
}

// sysWait6 is one waitid call with an rusage. The status word is the one the
// kernel would have stored for wait4 (kernel/exit.c: wait_task_zombie,
// wait_task_stopped, wait_task_continued).
func sysWait6(idtype IDType, id int, status *WaitStatus, options uint32, wru *rawWRusage, info *rawSiginfo) (int, syscall.Errno) {
	var ru *rawRusage
	if wru != nil {
		ru = wru.self()
	}
	if e := waitid(idtype, id, info, options, ru); e != 0 {
		return 0, e
	}
	s := info.sigchld()
	if s.Pid != 0 && status != nil {
		*status = statusFromSiginfo(Code(s.Code), s.Status)
	}
	return int(s.Pid), 0
}

func waitid(idtype IDType, id int, info *rawSiginfo, options uint32, ru *rawRusage) syscall.Errno {
	_, _, e := unix.Syscall6(unix.SYS_WAITID, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(info)), uintptr(options), uintptr(unsafe.Pointer(ru)), 0)
	return e
}

// statusFromSiginfo is the wait4 status word of the event waitid described.
func statusFromSiginfo(code Code, st int32) WaitStatus {
	w, _ := abi.LinuxEncoding.Status(int32(code), st)
	return WaitStatus(w)
}
