package wait

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// wait6 is wait6(2) on 386, where the 64-bit id_t takes two stack slots,
// low word first: idtype, id low, id high, status, options, wrusage, info.
// checkID keeps id non-negative, so the high word is 0.
func wait6(idtype IDType, id int, status *int32, options uint32, wru *rawWRusage, info *rawSiginfo) (int, syscall.Errno) {
	r, _, e := unix.Syscall9(unix.SYS_WAIT6, uintptr(idtype), uintptr(id), 0, uintptr(unsafe.Pointer(status)), uintptr(options), uintptr(unsafe.Pointer(wru)), uintptr(unsafe.Pointer(info)), 0, 0)
	return int(r), e
}
