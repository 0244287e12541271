package wait

import (
	"syscall"
	"unsafe"

	"github.com/procwait/wait/internal/abi"
)

// NetBSD reaches wait4 as the raw system call __wait450 (449) and wait6 as
// raw system call 481, and builds waitid on wait6 as its libc does
// (wait_wait6.go). golang.org/x/sys/unix has no SYS_WAIT6 for NetBSD; the
// standard syscall package does.

// hostStatus decodes status words by NetBSD/src sys/sys/wait.h: continued
// is exactly 0xffff, the other fields are masked to 8 bits.
type hostStatus = abi.NetBSDStatus

// wait6 is wait6(2); NetBSD's id_t is 32 bits, one register everywhere.
func wait6(idtype IDType, id int, status *int32, options uint32, wru *rawWRusage, info *rawSiginfo) (int, syscall.Errno) {
	r, _, e := syscall.Syscall6(syscall.SYS_WAIT6, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(status)), uintptr(options), uintptr(unsafe.Pointer(wru)), uintptr(unsafe.Pointer(info)))
	return int(r), e
}
