package wait

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// procctl(P_PID, getpid(), cmd, data): on 386 the 64-bit id_t takes two
// argument slots, low word first (idtype, id-low, id-high, com, data).
func procctl(cmd int, data unsafe.Pointer) syscall.Errno {
	_, _, e := unix.Syscall6(unix.SYS_PROCCTL, procctlPPID, uintptr(unix.Getpid()), 0, uintptr(cmd), uintptr(data), 0)
	return e
}
