package wait

import (
	"encoding/binary"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/abi"
)

// illumos and Solaris (this file builds for both) have no stable system call
// ABI: waitid is called in libc through the runtime's sysvicall6, as
// golang.org/x/sys/unix calls libc's wait4.
//
// wait4 itself is a libc function over waitid there (illumos/illumos-gate
// usr/src/lib/libc/port/gen/waitpid.c), and this file does the same
// translation in Go rather than call it, for two reasons. libc's wait4 keeps
// "undocumented 4.x semantics": pid 0 means any child and pid -1 process
// group 1, where POSIX and Wait4's documentation say -1 is any child and 0
// the caller's group. And its rusage is an approximation, the change in the
// caller's children's CPU times across the call (which counts children other
// threads reap meanwhile), with every other field zero; waitid's siginfo
// carries the child's own user and system times, which Wait4 and Wait6
// report instead (for exits; stops and continues report none). Every other
// rusage field stays zero: illumos counts them only per process
// (getrusage), never for a waited-for child, and never fills ru_maxrss.
//
// Wait6 is therefore one waitid call, WNOWAIT included; WRusage.Children
// stays zero. Info.UID is -1: si_uid shares storage with si_utime, which
// waitid fills.

//go:cgo_import_dynamic libc_waitid waitid "libc.so"
//go:linkname libc_waitid libc_waitid
var libc_waitid uintptr

// sysvicall6 jumps to syscall.sysvicall6 (wait_solaris_amd64.s), the
// runtime's way to call a libc function: fn is the address of the imported
// symbol's slot.
func sysvicall6(fn, nargs, a1, a2, a3, a4, a5, a6 uintptr) (r1, r2 uintptr, err syscall.Errno)

// hostStatus decodes by illumos/illumos-gate usr/src/uts/common/sys/wait.h.
type hostStatus = abi.IllumosStatus

// hostTrapCause is -1: illumos has no ptrace event stops.
func hostTrapCause(WaitStatus) int { return -1 }

// hostOptions passes the options on: every flag in the table is the
// kernel's own, and the generated masks hold what each call accepts.
func hostOptions(_ string, o uint32) (uint32, error) { return o, nil }

func sysWaitid(idtype IDType, id int, info *rawSiginfo, options uint32) syscall.Errno {
	_, _, e := sysvicall6(uintptr(unsafe.Pointer(&libc_waitid)), 4, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(info)), uintptr(options), 0, 0)
	return e
}

// sysWait4 is libc's wait4 with POSIX's pid rules: > 0 that child, -1 any
// child, 0 the caller's process group, < -1 process group -pid.
func sysWait4(pid int, status *WaitStatus, options uint32, ru *rawRusage) (int, syscall.Errno) {
	idtype, id := P_PID, pid
	switch {
	case pid == -1:
		idtype, id = P_ALL, 0
	case pid == 0:
		pgrp, err := unix.Getpgrp()
		if err != nil {
			if e, ok := err.(syscall.Errno); ok {
				return 0, e
			}
			return 0, syscall.EINVAL
		}
		idtype, id = P_PGID, pgrp
	case pid < 0:
		idtype, id = P_PGID, -pid
	}
	var si rawSiginfo
	if e := sysWaitid(idtype, id, &si, options|hostWait4Implied); e != 0 {
		return 0, e
	}
	return finish(&si, status, ru), 0
}

func sysWait6(idtype IDType, id int, status *WaitStatus, options uint32, wru *rawWRusage, info *rawSiginfo) (int, syscall.Errno) {
	if e := sysWaitid(idtype, id, info, options); e != 0 {
		return 0, e
	}
	var ru *rawRusage
	if wru != nil {
		ru = wru.self()
	}
	return finish(info, status, ru), 0
}

// finish stores the status word libc's wait4 builds from si (its wstat) and,
// for an exit, the child's CPU times in ru; it returns the child's pid, 0
// when WNOHANG found nothing.
func finish(si *rawSiginfo, status *WaitStatus, ru *rawRusage) int {
	s := si.sigchld()
	if s.Pid == 0 {
		return 0
	}
	if w, ok := abi.IllumosEncoding.Status(s.Code, s.Status); ok && status != nil {
		*status = WaitStatus(w)
	}
	if ru != nil {
		switch Code(s.Code) {
		case CLD_EXITED, CLD_KILLED, CLD_DUMPED:
			b := si.bytes()
			rb := ru.bytes()
			putTicks(rb, int64(binary.NativeEndian.Uint64(b[abi.IllumosSiginfoUtime:])))
			putTicks(rb[hostRusage.TimevalSize:], int64(binary.NativeEndian.Uint64(b[abi.IllumosSiginfoStime:])))
		}
	}
	return int(s.Pid)
}

// clockTicks is sysconf(_SC_CLK_TCK), the unit of si_utime and si_stime.
var clockTicks = sync.OnceValue(func() int64 {
	if n, err := unix.Sysconf(abi.IllumosSCClkTck); err == nil && n > 0 {
		return n
	}
	return 100 // illumos' default hz
})

// putTicks writes ticks clock ticks as the struct timeval at tv.
func putTicks(tv []byte, ticks int64) {
	hz := clockTicks()
	binary.NativeEndian.PutUint64(tv, uint64(ticks/hz))
	binary.NativeEndian.PutUint64(tv[hostRusage.UsecOffset:], uint64(ticks%hz*1000000/hz))
}
