//go:build dragonfly || freebsd

package wait

import (
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FreeBSD and DragonFly make a process a reaper with procctl(2) on its own
// PID. The commands are the same on both; what differs is data: the command
// numbers and errnos (hostReaper), the system call number (x/sys's
// SYS_PROCCTL: 544 on FreeBSD, 536 on DragonFly), and where the 64-bit id_t
// goes among the arguments, which is the architecture's (procctlArgs).

// procctlReaper holds one system's procctl(2) reaper facts.
type procctlReaper struct {
	acquire, release, status int    // PROC_REAP_ACQUIRE, PROC_REAP_RELEASE, PROC_REAP_STATUS
	owned                    uint32 // REAPER_STATUS_OWNED (FreeBSD), REAPER_STAT_OWNED (DragonFly)
	// acquiredAlready and releasedAlready are the errnos saying that the
	// process already is, or already is not, a reaper (0: none does).
	acquiredAlready, releasedAlready syscall.Errno
}

// hostReaper is the running system's entry.
var hostReaper = map[string]procctlReaper{
	// freebsd/freebsd-src sys/sys/procctl.h (FreeBSD 10.2 and later).
	// reap_acquire says EBUSY to a reaper; releasing when not one is
	// EINVAL, which init also gets, so setSubreaper asks first.
	"freebsd": {acquire: 2, release: 3, status: 4, owned: 1, acquiredAlready: syscall.EBUSY},
	// DragonFlyBSD/DragonFlyBSD sys/sys/procctl.h. Asking first is not
	// needed there, but does no harm.
	"dragonfly": {acquire: 1, release: 2, status: 3, owned: 1,
		acquiredAlready: syscall.EALREADY, releasedAlready: syscall.ENOTCONN},
}[runtime.GOOS]

func setSubreaper(on bool) error {
	if !on {
		owned, err := isSubreaper()
		if err != nil || !owned {
			return err
		}
		return procctlErr(procctl(hostReaper.release, nil), hostReaper.releasedAlready)
	}
	return procctlErr(procctl(hostReaper.acquire, nil), hostReaper.acquiredAlready)
}

func isSubreaper() (bool, error) {
	// Room for FreeBSD's struct procctl_reaper_status (80 bytes) and
	// DragonFly's struct reaper_status (192 on amd64, its only
	// architecture); both begin with the uint32 flags.
	var rs [192 / 4]uint32
	if err := procctlErr(procctl(hostReaper.status, unsafe.Pointer(&rs)), 0); err != nil {
		return false, err
	}
	return rs[0]&hostReaper.owned != 0, nil
}

// procctl is procctl(P_PID, getpid(), cmd, data).
func procctl(cmd int, data unsafe.Pointer) syscall.Errno {
	a := procctlArgs(uintptr(P_PID), uintptr(unix.Getpid()), uintptr(cmd), uintptr(data))
	_, _, e := unix.Syscall6(unix.SYS_PROCCTL, a[0], a[1], a[2], a[3], a[4], a[5])
	return e
}

// procctlErr is nil for success and for already, the errno saying that the
// process already is in the state asked for; otherwise an
// *os.SyscallError.
func procctlErr(e, already syscall.Errno) error {
	if e == 0 || e == already {
		return nil
	}
	return os.NewSyscallError("procctl", e)
}
