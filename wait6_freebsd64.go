//go:build freebsd && (amd64 || arm64 || riscv64)

package wait

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// wait6 is wait6(2) with the 64-bit id_t in one register.
func wait6(idtype IDType, id int, status *int32, options uint32, wru *rawWRusage, info *rawSiginfo) (int, syscall.Errno) {
	r, _, e := unix.Syscall6(unix.SYS_WAIT6, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(status)), uintptr(options), uintptr(unsafe.Pointer(wru)), uintptr(unsafe.Pointer(info)))
	return int(r), e
}
