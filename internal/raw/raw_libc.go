//go:build darwin || openbsd

package raw

import (
	"unsafe"

	"github.com/procwait/wait/internal/posix"
)

// macOS and OpenBSD reach wait4 and waitid only through their C library:
// each has an assembly trampoline per architecture (libc_<goos>_<goarch>.s)
// that jumps to the libc symbol imported with //go:cgo_import_dynamic in
// raw_<goos>.go, and the calls go through the runtime's libc-call path,
// which package syscall exports as syscall.syscall6 (golang.org/x/sys/unix
// reaches it the same way). Neither system has wait6; wait6 below emulates
// it.

//go:linkname libcCall6 syscall.syscall6
func libcCall6(fn, a1, a2, a3, a4, a5, a6 uintptr) (r1, r2 uintptr, err posix.Errno)

// The trampolines' addresses, set in the .s files.
var (
	libc_wait4_trampoline_addr  uintptr
	libc_waitid_trampoline_addr uintptr
)

func wait4(pid int, status *uint32, options uint32, ru *Rusage) (int, posix.Errno) {
	r, _, e := libcCall6(libc_wait4_trampoline_addr, uintptr(pid), uintptr(unsafe.Pointer(status)), uintptr(options), uintptr(unsafe.Pointer(ru)), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(int32(r)), 0
}

func waitid(idtype, id int, info *Siginfo, options uint32) posix.Errno {
	_, _, e := libcCall6(libc_waitid_trampoline_addr, uintptr(idtype), uintptr(uint32(id)), uintptr(unsafe.Pointer(info)), uintptr(options), 0, 0)
	return e
}

// wait6 emulates wait6 with waitid and wait4:
//
//   - Without wrusage, or with the caller's WNOWAIT, one waitid call gives
//     everything wait6 would: the siginfo, and the status word built from it
//     by the OS's own encoding (hostEncoding). With WNOWAIT no rusage can be
//     had at all, since only reaping reports one, and the usage stays zero.
//   - Otherwise waitid with WNOWAIT first finds the event, leaving it in
//     place. An exit is then reaped by wait4 on that pid with WNOHANG, which
//     gives the kernel's own status word and rusage (the child's own usage:
//     what wait4 reports, the child together with its reaped descendants;
//     the descendants' alone stays zero). A stop, trap or continue is
//     consumed by waitid on that pid for exactly that event; wait4 reports
//     no rusage for those (both systems zero it or leave it unset), so the
//     usage stays zero. If another waiter took the event in between, the
//     search starts again.
func wait6(idtype, id int, status *uint32, options uint32, wru *WRusage, info *Siginfo) (int, posix.Errno) {
	if wru == nil || options&WNOWAIT != 0 {
		*info = Siginfo{}
		if e := Waitid(idtype, id, info, options); e != 0 {
			return 0, e
		}
		return statusFromInfo(info, status), 0
	}
	for {
		*info = Siginfo{}
		if e := Waitid(idtype, id, info, options|WNOWAIT); e != 0 {
			return 0, e
		}
		s := info.SigChld()
		if s.Pid == 0 {
			return 0, 0 // WNOHANG, nothing to report
		}
		switch s.Code {
		case CLD_EXITED, CLD_KILLED, CLD_DUMPED:
			// The child is a zombie: wait4 on it can only reap this exit.
			var st uint32
			pid, e := Wait4(int(s.Pid), &st, WNOHANG, wru.Self())
			if e == posix.ECHILD || e == 0 && pid == 0 {
				continue // reaped by another waiter meanwhile
			}
			if e != 0 {
				return 0, e
			}
			if status != nil {
				*status = st
			}
			return pid, 0
		}
		// Consume exactly the event found, never an exit the caller did
		// not ask for.
		event, idt, i := eventFlag(s.Code), P_PID, int(s.Pid)
		if !continuedPidIsChild && s.Code == CLD_CONTINUED {
			idt, i = idtype, id // si_pid may name another process: keep the caller's selection
		}
		var got Siginfo
		e := Waitid(idt, i, &got, event|WNOHANG)
		if e == posix.ECHILD {
			continue
		}
		if e != 0 {
			return 0, e
		}
		if g := got.SigChld(); g.Pid == 0 || g.Code != s.Code {
			continue // taken by another waiter; look again
		}
		*info = got
		return statusFromInfo(info, status), 0
	}
}

// eventFlag is the waitid option that reports events of kind code.
func eventFlag(code int32) uint32 {
	switch code {
	case CLD_CONTINUED:
		return WCONTINUED
	case CLD_TRAPPED:
		return WTRAPPED
	}
	return WSTOPPED
}

// statusFromInfo stores in status the word wait4 would have reported for the
// event in info, and returns its pid (0 when WNOHANG found nothing).
func statusFromInfo(info *Siginfo, status *uint32) int {
	s := info.SigChld()
	if s.Pid == 0 && s.Signo == 0 {
		return 0
	}
	if w, ok := hostEncoding.Status(s.Code, s.Status); ok && status != nil {
		*status = w
	}
	return int(s.Pid)
}
