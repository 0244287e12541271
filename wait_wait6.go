//go:build dragonfly || freebsd || netbsd

package wait

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FreeBSD, NetBSD and DragonFly have wait4 and wait6 as system calls; their
// C libraries build waitid on wait6, and so does this package. Each OS's
// file supplies wait6, the raw call in that OS's argument layout.

// hostTrapCause is -1: these systems have no ptrace event stops.
func hostTrapCause(WaitStatus) int { return -1 }

// hostOptions passes the options on: every flag in the host's table is the
// kernel's own, and the generated masks hold what each call accepts.
func hostOptions(_ string, o uint32) (uint32, error) { return o, nil }

func sysWait4(pid int, status *WaitStatus, options uint32, ru *rawRusage) (int, syscall.Errno) {
	r, _, e := unix.Syscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(status)), uintptr(options), uintptr(unsafe.Pointer(ru)), 0, 0)
	return int(r), e
}

// sysWaitid is waitid as the BSD C libraries write it (freebsd/freebsd-src
// lib/libc/gen/waitid.c, NetBSD/src lib/libc/gen/waitid.c): wait6 with a
// scratch status word and no rusage; when wait6 finds no child (WNOHANG)
// the siginfo is cleared.
func sysWaitid(idtype IDType, id int, info *rawSiginfo, options uint32) syscall.Errno {
	var st int32
	pid, e := wait6(idtype, id, &st, options, nil, info)
	if e == 0 && pid == 0 {
		*info = rawSiginfo{}
	}
	return e
}

// sysWait6 stores the status word only when a child was found: NetBSD's
// kernel copies out an unset status word when WNOHANG finds nothing.
func sysWait6(idtype IDType, id int, status *WaitStatus, options uint32, wru *rawWRusage, info *rawSiginfo) (int, syscall.Errno) {
	var st int32
	pid, e := wait6(idtype, id, &st, options, wru, info)
	if e == 0 && pid > 0 && status != nil {
		*status = WaitStatus(st)
	}
	return pid, e
}
