//go:build dragonfly || freebsd || linux || netbsd

package raw

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/posix"
)

// wait4 is the wait4 system call (NetBSD's __wait450, which x/sys names
// SYS_WAIT4 there).
func wait4(pid int, status *uint32, options uint32, ru *Rusage) (int, posix.Errno) {
	r, _, e := unix.Syscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(status)), uintptr(options), uintptr(unsafe.Pointer(ru)), 0, 0)
	return int(r), e
}
