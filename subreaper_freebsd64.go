//go:build freebsd && (amd64 || arm64 || riscv64)

package wait

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// procctl(P_PID, getpid(), cmd, data): the 64-bit id_t fits one register.
func procctl(cmd int, data unsafe.Pointer) syscall.Errno {
	_, _, e := unix.Syscall6(unix.SYS_PROCCTL, procctlPPID, uintptr(unix.Getpid()), uintptr(cmd), uintptr(data), 0, 0)
	return e
}
