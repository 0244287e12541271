// Package raw holds the wait family's calls for every OS behind one set of
// signatures: Wait4, Waitid and Wait6 take the kernel's own option bits and
// idtypes, fill buffers in the kernel's layout, retry EINTR and return the
// errno alone. They validate nothing: the root package checks arguments
// before calling them, and its Handle and Reap paths call them directly.
//
// One file per OS or libc family says how each call is reached:
//
//	wait4_syscall.go  wait4 as a system call (Linux, FreeBSD, NetBSD, DragonFly)
//	raw_linux.go      waitid as a system call; wait6 as one waitid with an rusage
//	raw_wait6.go      waitid over wait6, as the BSD C libraries build it
//	wait6_*.go        wait6's argument layout per OS and architecture
//	raw_libc.go       macOS and OpenBSD: libc's wait4 and waitid, wait6 emulated
//	raw_solaris.go    illumos: libc's waitid; wait4 and wait6 built on it
//	raw_other.go      systems without the wait family: ENOSYS
//
// The zabi_<goos>.go files hold the kernel's values under their C names,
// generated from internal/abi.
package raw

import (
	"runtime"
	"unsafe"

	"github.com/procwait/wait/internal/abi"
	"github.com/procwait/wait/internal/posix"
)

// Rusage is room for the largest struct rusage (144 bytes), 8-byte aligned.
type Rusage [18]uint64

// WRusage is a struct __wrusage / struct wrusage: two struct rusage back to
// back, so the children's usage starts at the host layout's Size.
type WRusage [2 * len(Rusage{})]uint64

// Siginfo is room for the largest siginfo_t (256 bytes on illumos amd64),
// 8-byte aligned.
type Siginfo [32]uint64

// Wait4 is wait4(2): the child's pid, or 0 with WNOHANG when none is ready.
// status and ru may be nil.
func Wait4(pid int, status *uint32, options uint32, ru *Rusage) (wpid int, errno posix.Errno) {
	errno = ignoringEINTR(func() posix.Errno {
		wpid, errno = wait4(pid, status, options, ru)
		return errno
	})
	return wpid, errno
}

// Waitid is waitid(2). info must not be nil; with WNOHANG and nothing to
// report its pid and signal number are 0.
func Waitid(idtype, id int, info *Siginfo, options uint32) posix.Errno {
	return ignoringEINTR(func() posix.Errno { return waitid(idtype, id, info, options) })
}

// Wait6 is wait6(2), emulated where the OS lacks it (see each OS's file).
// info must not be nil; status and wru may be. The status word is stored
// only when a child was found.
func Wait6(idtype, id int, status *uint32, options uint32, wru *WRusage, info *Siginfo) (wpid int, errno posix.Errno) {
	errno = ignoringEINTR(func() posix.Errno {
		wpid, errno = wait6(idtype, id, status, options, wru, info)
		return errno
	})
	return wpid, errno
}

// ignoringEINTR calls fn until it returns something other than EINTR, and
// returns that. A blocking wait is interrupted whenever a signal arrives (Go's
// runtime installs handlers with SA_RESTART, but wait calls interrupted while
// the signal is delivered to this thread may still report EINTR). It is
// inlined, and so are the closures above: nothing escapes.
func ignoringEINTR(fn func() posix.Errno) posix.Errno {
	for {
		if e := fn(); e != posix.EINTR {
			return e
		}
	}
}

// HostSiginfo and HostRusage are the host architecture's layouts of
// siginfo_t and struct rusage.
var (
	HostSiginfo = func() abi.SiginfoLayout {
		if o, ok := abi.ForOS(runtime.GOOS); ok {
			if l, ok := o.Siginfo[runtime.GOARCH]; ok {
				return l
			}
		}
		return abi.SiginfoLayout{Size: 1 << 30} // decodes to zero; a test catches a missing entry
	}()
	HostRusage = func() abi.RusageLayout {
		if o, ok := abi.ForOS(runtime.GOOS); ok {
			if l, ok := o.Rusage[runtime.GOARCH]; ok {
				return l
			}
		}
		return abi.RusageLayout{Size: 1 << 30} // decodes to zero; a test catches a missing entry
	}()
)

// Bytes is the buffer as the kernel sees it.
func (s *Siginfo) Bytes() []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(s)), unsafe.Sizeof(*s))
}

// hostFields are HostSiginfo's offsets, checked once to lie inside a
// Siginfo and to be 4-byte aligned, so that the decoders below load the
// fields directly, without a slice or bounds checks. ok is false when they
// do not (a missing table entry): everything then decodes to zero, as
// internal/abi's Decode does for a buffer shorter than the layout.
var hostFields = func() siginfoFields {
	l := HostSiginfo
	f := siginfoFields{
		signo: uintptr(l.Signo), errno: uintptr(l.Errno), code: uintptr(l.Code),
		pid: uintptr(l.Pid), uid: uintptr(max(l.UID, 0)), status: uintptr(l.Status),
		hasUID: l.UID >= 0,
	}
	if f.hasUID {
		f.uidMask = -1
	}
	f.ok = l.Size <= int(unsafe.Sizeof(Siginfo{}))
	for _, off := range [...]int{l.Signo, l.Errno, l.Code, l.Pid, max(l.UID, 0), l.Status} {
		f.ok = f.ok && off >= 0 && off%4 == 0 && off+4 <= l.Size
	}
	return f
}()

// siginfoFields are the byte offsets of the SIGCHLD fields. A layout
// without si_uid reads offset 0 and masks it to 0 with uidMask.
type siginfoFields struct {
	signo, errno, code, pid, uid, status uintptr
	uidMask                              int32
	hasUID, ok                           bool
}

// word loads the int32 at byte offset off, one of hostFields' checked
// offsets, in the host's byte order.
func (s *Siginfo) word(off uintptr) int32 {
	return *(*int32)(unsafe.Add(unsafe.Pointer(s), off))
}

// SigChld decodes the fields the kernel filled, at the host layout's
// offsets and in the host's byte order, without allocating. It reads what
// internal/abi's HostSiginfo.Decode(s.Bytes(), abi.Native) reads.
func (s *Siginfo) SigChld() abi.SigChld {
	f := &hostFields
	if !f.ok {
		return abi.SigChld{}
	}
	return abi.SigChld{
		Signo: s.word(f.signo), Errno: s.word(f.errno), Code: s.word(f.code), Pid: s.word(f.pid),
		UID: s.word(f.uid) & f.uidMask, Status: s.word(f.status), HasUID: f.hasUID,
	}
}

// Fields is SigChld without si_errno, returned in registers rather than in
// a struct, for the decoders that copy the fields on at once. It is
// inlined, and the loads of fields a caller drops are removed with them.
func (s *Siginfo) Fields() (signo, code, pid, uid, status int32, hasUID bool) {
	f := &hostFields
	if !f.ok {
		return 0, 0, 0, 0, 0, false
	}
	return s.word(f.signo), s.word(f.code), s.word(f.pid), s.word(f.uid) & f.uidMask, s.word(f.status), f.hasUID
}

// Bytes is the buffer as the kernel sees it.
func (r *Rusage) Bytes() []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(r)), unsafe.Sizeof(*r))
}

// Decode converts the host's struct rusage without allocating; internal/abi's
// Decode says how the times and MaxRSS saturate.
func (r *Rusage) Decode() abi.Rusage { return HostRusage.Decode(r.Bytes(), abi.Native) }

// Bytes is the buffer as the kernel sees it.
func (w *WRusage) Bytes() []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(w)), unsafe.Sizeof(*w))
}

// Self is the first struct rusage, the child's own; Linux's waitid and the
// emulations fill it alone.
func (w *WRusage) Self() *Rusage { return (*Rusage)(unsafe.Pointer(w)) }

// Children decodes the second struct rusage, the child's reaped
// descendants'.
func (w *WRusage) Children() abi.Rusage {
	b := w.Bytes()
	return HostRusage.Decode(b[min(HostRusage.Size, len(b)):], abi.Native)
}
