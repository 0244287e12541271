//go:build dragonfly || (freebsd && (amd64 || arm64 || riscv64))

package raw

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/posix"
)

// sysWait6 is wait6(2) with the 64-bit id_t in one register: FreeBSD's
// 64-bit systems (wait6 is 532) and DragonFly, which runs on amd64 only
// (548).
func sysWait6(idtype, id int, status *uint32, options uint32, wru *WRusage, info *Siginfo) (int, posix.Errno) {
	r, _, e := unix.Syscall6(unix.SYS_WAIT6, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(status)), uintptr(options), uintptr(unsafe.Pointer(wru)), uintptr(unsafe.Pointer(info)))
	return int(r), e
}
