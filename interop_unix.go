//go:build unix

package wait

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// StatusFromSyscall converts a syscall.WaitStatus; both hold the kernel's
// status word unchanged.
func StatusFromSyscall(ws syscall.WaitStatus) WaitStatus { return WaitStatus(ws) }

// SyscallWaitStatus converts s to a syscall.WaitStatus.
func (s WaitStatus) SyscallWaitStatus() syscall.WaitStatus { return syscall.WaitStatus(s) }

// StatusFromUnix converts a golang.org/x/sys/unix WaitStatus.
func StatusFromUnix(ws unix.WaitStatus) WaitStatus { return WaitStatus(ws) }

// UnixWaitStatus converts s to a golang.org/x/sys/unix WaitStatus. Beware that
// x/sys decodes "continued" wrongly on every OS but Linux; decode with s.
func (s WaitStatus) UnixWaitStatus() unix.WaitStatus { return unix.WaitStatus(s) }

// RusageFromSyscall converts a syscall.Rusage (as os.ProcessState.SysUsage
// returns) to portable units; a nil ru gives the zero Rusage.
func RusageFromSyscall(ru *syscall.Rusage) Rusage {
	if ru == nil {
		return Rusage{}
	}
	return decodeRusage(unsafe.Slice((*byte)(unsafe.Pointer(ru)), unsafe.Sizeof(*ru)))
}

// RusageFromUnix converts a golang.org/x/sys/unix Rusage; a nil ru gives the
// zero Rusage.
func RusageFromUnix(ru *unix.Rusage) Rusage {
	if ru == nil {
		return Rusage{}
	}
	return decodeRusage(unsafe.Slice((*byte)(unsafe.Pointer(ru)), unsafe.Sizeof(*ru)))
}

func statusFromSys(sys any) (WaitStatus, bool) {
	ws, ok := sys.(syscall.WaitStatus)
	return WaitStatus(ws), ok
}

func rusageFromSys(sys any) (Rusage, bool) {
	ru, ok := sys.(*syscall.Rusage)
	if !ok || ru == nil {
		return Rusage{}, false
	}
	return RusageFromSyscall(ru), true
}
