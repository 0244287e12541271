package raw

import (
	"encoding/binary"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/abi"
	"github.com/procwait/wait/internal/posix"
)

// illumos and Solaris (this file builds for both) have no stable system call
// ABI: waitid is called in libc through the runtime's sysvicall6, as
// golang.org/x/sys/unix calls libc's wait4.
//
// wait4 itself is a libc function over waitid there (illumos/illumos-gate
// usr/src/lib/libc/port/gen/waitpid.c), and this file does the same
// translation in Go rather than call it, for two reasons. libc's wait4 keeps
// "undocumented 4.x semantics": pid 0 means any child and pid -1 process
// group 1, where POSIX says -1 is any child and 0 the caller's group. And
// its rusage is an approximation, the change in the caller's children's CPU
// times across the call (which counts children other threads reap
// meanwhile), with every other field zero; waitid's siginfo carries the
// child's own user and system times, which wait4 and wait6 report instead
// (for exits; stops and continues report none). Every other rusage field
// stays zero: illumos counts them only per process (getrusage), never for a
// waited-for child, and never fills ru_maxrss.
//
// wait6 is therefore one waitid call, WNOWAIT included; the descendants'
// usage stays zero.

//go:cgo_import_dynamic libc_waitid waitid "libc.so"
//go:linkname libc_waitid libc_waitid
var libc_waitid uintptr

// sysvicall6 jumps to syscall.sysvicall6 (libc_solaris_amd64.s), the
// runtime's way to call a libc function: fn is the address of the imported
// symbol's slot.
func sysvicall6(fn, nargs, a1, a2, a3, a4, a5, a6 uintptr) (r1, r2 uintptr, err posix.Errno)

func waitid(idtype, id int, info *Siginfo, options uint32) posix.Errno {
	_, _, e := sysvicall6(uintptr(unsafe.Pointer(&libc_waitid)), 4, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(info)), uintptr(options), 0, 0)
	return e
}

// wait4 is libc's wait4 with POSIX's pid rules: > 0 that child, -1 any
// child, 0 the caller's process group, < -1 process group -pid. wait4
// implies WEXITED and WTRAPPED.
func wait4(pid int, status *uint32, options uint32, ru *Rusage) (int, posix.Errno) {
	idtype, id := P_PID, pid
	switch {
	case pid == -1:
		idtype, id = P_ALL, 0
	case pid == 0:
		pgrp, err := unix.Getpgrp()
		if err != nil {
			if e, ok := err.(posix.Errno); ok {
				return 0, e
			}
			return 0, posix.EINVAL
		}
		idtype, id = P_PGID, pgrp
	case pid < 0:
		idtype, id = P_PGID, -pid
	}
	var si Siginfo
	if e := Waitid(idtype, id, &si, options|WEXITED|WTRAPPED); e != 0 {
		return 0, e
	}
	return finish(&si, status, ru), 0
}

func wait6(idtype, id int, status *uint32, options uint32, wru *WRusage, info *Siginfo) (int, posix.Errno) {
	if e := Waitid(idtype, id, info, options); e != 0 {
		return 0, e
	}
	var ru *Rusage
	if wru != nil {
		ru = wru.Self()
	}
	return finish(info, status, ru), 0
}

// finish stores the status word libc's wait4 builds from si (its wstat) and,
// for an exit, the child's CPU times in ru; it returns the child's pid, 0
// when WNOHANG found nothing.
func finish(si *Siginfo, status *uint32, ru *Rusage) int {
	s := si.SigChld()
	if s.Pid == 0 {
		return 0
	}
	if w, ok := abi.IllumosEncoding.Status(s.Code, s.Status); ok && status != nil {
		*status = w
	}
	if ru != nil {
		switch s.Code {
		case CLD_EXITED, CLD_KILLED, CLD_DUMPED:
			b := si.Bytes()
			rb := ru.Bytes()
			putTicks(rb, int64(binary.NativeEndian.Uint64(b[abi.IllumosSiginfoUtime:])))
			putTicks(rb[HostRusage.TimevalSize:], int64(binary.NativeEndian.Uint64(b[abi.IllumosSiginfoStime:])))
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
	binary.NativeEndian.PutUint64(tv[HostRusage.UsecOffset:], uint64(ticks%hz*1000000/hz))
}
