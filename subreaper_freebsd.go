package wait

import (
	"os"
	"syscall"
	"unsafe"
)

// procctl(2) reaper commands and their status structure, from
// freebsd/freebsd-src sys/sys/procctl.h (FreeBSD 10.2 and later). DragonFly
// numbers the same commands differently (subreaper_dragonfly.go).
const (
	procReapAcquire   = 2 // PROC_REAP_ACQUIRE
	procReapRelease   = 3 // PROC_REAP_RELEASE
	procReapStatus    = 4 // PROC_REAP_STATUS
	reaperStatusOwned = 1 // REAPER_STATUS_OWNED
	procctlPPID       = 0 // P_PID
)

// reaperStatus is struct procctl_reaper_status.
type reaperStatus struct {
	Flags       uint32
	Children    uint32
	Descendants uint32
	Reaper      int32
	Pid         int32
	_           [15]uint32
}

func setSubreaper(on bool) error {
	if !on {
		// Releasing when not a reaper is EINVAL, which init also gets; ask
		// first so that turning it off twice succeeds.
		owned, err := isSubreaper()
		if err != nil || !owned {
			return err
		}
		return procctlErr(procctl(procReapRelease, nil))
	}
	// The kernel's reap_acquire says EBUSY when the process already is one.
	if e := procctl(procReapAcquire, nil); e != 0 && e != syscall.EBUSY {
		return procctlErr(e)
	}
	return nil
}

func isSubreaper() (bool, error) {
	var rs reaperStatus
	if e := procctl(procReapStatus, unsafe.Pointer(&rs)); e != 0 {
		return false, procctlErr(e)
	}
	return rs.Flags&reaperStatusOwned != 0, nil
}

func procctlErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return os.NewSyscallError("procctl", e)
}
