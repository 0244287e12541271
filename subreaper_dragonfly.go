package wait

import (
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// procctl(2) reaper commands and their status structure, from
// DragonFlyBSD/DragonFlyBSD sys/sys/procctl.h. The numbers differ from
// FreeBSD's. The kernel's sys_procctl accepts only P_PID
// with the caller's own pid.
const (
	procReapAcquire = 1 // PROC_REAP_ACQUIRE
	procReapRelease = 2 // PROC_REAP_RELEASE
	procReapStatus  = 3 // PROC_REAP_STATUS
	reaperStatOwned = 1 // REAPER_STAT_OWNED
	procctlPPID     = 0 // P_PID
)

// reaperStatus is struct reaper_status (DragonFly runs only on amd64, where
// long is 8 bytes).
type reaperStatus struct {
	Flags   uint32
	Refs    uint32
	_       [15]int64
	PidHead int32
	_       [15]int32
}

func setSubreaper(on bool) error {
	cmd, already := procReapAcquire, syscall.EALREADY
	if !on {
		cmd, already = procReapRelease, syscall.ENOTCONN
	}
	// The kernel says EALREADY to acquiring twice and ENOTCONN to releasing
	// when not a reaper: both are the state asked for.
	if e := procctl(cmd, nil); e != 0 && e != already {
		return os.NewSyscallError("procctl", e)
	}
	return nil
}

func isSubreaper() (bool, error) {
	var rs reaperStatus
	if e := procctl(procReapStatus, unsafe.Pointer(&rs)); e != 0 {
		return false, os.NewSyscallError("procctl", e)
	}
	return rs.Flags&reaperStatOwned != 0, nil
}

func procctl(cmd int, data unsafe.Pointer) syscall.Errno {
	_, _, e := unix.Syscall6(unix.SYS_PROCCTL, procctlPPID, uintptr(unix.Getpid()), uintptr(cmd), uintptr(data), 0, 0)
	return e
}
