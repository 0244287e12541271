//go:build unix

package wait

import (
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// groupLeaderLocked checks that the child leads its process group:
// getpgid(pid) == pid. The caller holds h.mu and knows the child unreaped,
// so the PID still names the child. A child that does not lead its group is
// refused with an error wrapping ESRCH (no group has its ID), one that is
// gone (reaped by other code) with one wrapping os.ErrProcessDone.
func groupLeaderLocked(pid int) error {
	pgid, err := unix.Getpgid(pid)
	switch {
	case err == unix.ESRCH:
		return handleErr("signal group", pid, "the child is gone", os.ErrProcessDone)
	case err != nil:
		return handleErr("signal group", pid, "getpgid failed", os.NewSyscallError("getpgid", err))
	case pgid != pid:
		return handleErr("signal group", pid, "the child does not lead a process group (it is in group "+
			strconv.Itoa(pgid)+"; start it with SysProcAttr.Setpgid)", syscall.ESRCH)
	}
	return nil
}

// killGroupLocked sends sig to the group the child leads with
// kill(-pid, sig), after checking that it leads one. The caller holds h.mu
// and knows the child unreaped: while the leader is unreaped, its PID and
// so its group's ID cannot be reused.
func killGroupLocked(pid int, sig syscall.Signal) error {
	if pid <= 1 {
		// kill(-1) would signal every process this one may signal; a
		// Handle never holds such a pid, and this keeps it so.
		return handleErr("signal group", pid, "not a child's process group", syscall.EINVAL)
	}
	if err := groupLeaderLocked(pid); err != nil {
		return err
	}
	switch err := unix.Kill(-pid, sig); {
	case err == unix.ESRCH:
		return handleErr("signal group", pid, "the group is gone", os.ErrProcessDone)
	case err != nil:
		return handleErr("signal group", pid, "kill failed", os.NewSyscallError("kill", err))
	}
	return nil
}
