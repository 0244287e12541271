package wait

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/abi"
)

// DragonFly reaches wait4 (7) and wait6 (548) as raw system calls and
// builds waitid on wait6 as its libc does (wait_wait6.go).

// hostStatus decodes status words by DragonFlyBSD/DragonFlyBSD
// sys/sys/wait.h: continued is the bare word 19, which WIFSIGNALED accepts
// too (WaitStatus.String tests Continued first).
type hostStatus = abi.DragonFlyStatus

// wait6 is wait6(2); DragonFly runs on amd64 only, so the 64-bit id_t takes
// one register.
func wait6(idtype IDType, id int, status *int32, options uint32, wru *rawWRusage, info *rawSiginfo) (int, syscall.Errno) {
	r, _, e := unix.Syscall6(unix.SYS_WAIT6, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(status)), uintptr(options), uintptr(unsafe.Pointer(wru)), uintptr(unsafe.Pointer(info)))
	return int(r), e
}
