package raw

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/posix"
)

// sysWait6 is wait6(2) on arm, where the 64-bit id_t takes an aligned
// register pair, so a pad slot follows idtype: idtype, pad, id low, id high,
// status, options, wrusage, info. The root package keeps id non-negative,
// so the high word is 0.
func sysWait6(idtype, id int, status *uint32, options uint32, wru *WRusage, info *Siginfo) (int, posix.Errno) {
	r, _, e := unix.Syscall9(unix.SYS_WAIT6, uintptr(idtype), 0, uintptr(id), 0, uintptr(unsafe.Pointer(status)), uintptr(options), uintptr(unsafe.Pointer(wru)), uintptr(unsafe.Pointer(info)), 0)
	return int(r), e
}
