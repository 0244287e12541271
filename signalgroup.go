package wait

import "github.com/procwait/wait/internal/posix"

// SignalGroup sends sig to the process group that the child leads: the
// child, and every process still in its group, such as the grandchildren of
// a shell. The child must lead its group, which it does when it was started
// with SysProcAttr.Setpgid (and Pgid 0) or it called setpgid(0, 0) or
// setsid itself; otherwise SignalGroup signals nothing and returns an error
// wrapping ESRCH, as kill(2) answers for a group that does not exist.
//
// Like Signal, it never reaches a recycled group: Linux 6.9 and later send
// through the child's pidfd (pidfd_send_signal with
// PIDFD_SIGNAL_PROCESS_GROUP), which names the child itself; elsewhere, on
// older kernels and for Handles without a pidfd, kill(-pgid, sig) runs under
// the Handle's lock while the child is known to be unreaped, and a process
// group's ID cannot be reused while its leader is unreaped. A group leader
// that exited but is not reaped yet still holds its group, so the other
// members are signalled.
//
// The argument checks and the errors after the end of the Handle are those
// of Signal: a signal number that does not fit the C int is refused with an
// error wrapping EINVAL before any system call; after the child was reaped
// SignalGroup returns an error wrapping os.ErrProcessDone, after Close one
// wrapping os.ErrClosed. On systems without process groups (windows, plan9,
// js, wasip1) it fails wrapping errors.ErrUnsupported.
func (h *Handle) SignalGroup(sig posix.Signal) error {
	return h.send("signal group", sig, true)
}
