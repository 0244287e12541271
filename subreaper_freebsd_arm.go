package wait

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// procctl(P_PID, getpid(), cmd, data): on arm the 64-bit id_t takes an
// aligned register pair, so a pad slot follows idtype (idtype, pad, id1, id2,
// com, data).
func procctl(cmd int, data unsafe.Pointer) syscall.Errno {
	_, _, e := unix.Syscall6(unix.SYS_PROCCTL, procctlPPID, 0, uintptr(unix.Getpid()), 0, uintptr(cmd), uintptr(data))
	return e
}
