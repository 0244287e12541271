package raw

import (
	"syscall"
	"unsafe"

	"github.com/procwait/wait/internal/posix"
)

// sysWait6 is wait6(2), system call 481; NetBSD's id_t is 32 bits, one
// register everywhere. golang.org/x/sys/unix has no SYS_WAIT6 for NetBSD;
// the standard syscall package does.
func sysWait6(idtype, id int, status *uint32, options uint32, wru *WRusage, info *Siginfo) (int, posix.Errno) {
	r, _, e := syscall.Syscall6(syscall.SYS_WAIT6, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(status)), uintptr(options), uintptr(unsafe.Pointer(wru)), uintptr(unsafe.Pointer(info)))
	return int(r), e
}
