package raw

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/abi"
	"github.com/procwait/wait/internal/posix"
)

// Linux has wait4 and waitid as system calls and no wait6: wait6 is one
// waitid call with its fifth argument, a struct rusage *, which only Linux
// has.

func waitid(idtype, id int, info *Siginfo, options uint32) posix.Errno {
	return waitidRusage(idtype, id, info, options, nil)
}

// WaitidRusage is Linux's waitid with its fifth argument, the child's struct
// rusage (filled only when a child is reaped): Linux's wait6, without the
// status word.
func WaitidRusage(idtype, id int, info *Siginfo, options uint32, ru *Rusage) posix.Errno {
	return ignoringEINTR(func() posix.Errno { return waitidRusage(idtype, id, info, options, ru) })
}

func waitidRusage(idtype, id int, info *Siginfo, options uint32, ru *Rusage) posix.Errno {
	_, _, e := unix.Syscall6(unix.SYS_WAITID, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(info)), uintptr(options), uintptr(unsafe.Pointer(ru)), 0)
	return e
}

// wait6 stores the status word the kernel would have stored for wait4
// (kernel/exit.c: wait_task_zombie, wait_task_stopped,
// wait_task_continued), built from the siginfo.
func wait6(idtype, id int, status *uint32, options uint32, wru *WRusage, info *Siginfo) (int, posix.Errno) {
	var ru *Rusage
	if wru != nil {
		ru = wru.Self()
	}
	if e := waitidRusage(idtype, id, info, options, ru); e != 0 {
		return 0, e
	}
	_, code, pid, _, st, _ := info.Fields()
	if pid != 0 && status != nil {
		*status = StatusFromSiginfo(code, st)
	}
	return int(pid), 0
}

// StatusFromSiginfo is the wait4 status word of the event waitid described
// by its si_code and si_status.
func StatusFromSiginfo(code, status int32) uint32 {
	w, _ := abi.LinuxEncoding.Status(code, status)
	return w
}
