package wait

import (
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// On Linux 6.9 and later SignalGroup sends through the child's pidfd with
// PIDFD_SIGNAL_PROCESS_GROUP: the kernel signals the group named by the
// pidfd's process itself, so even a child reaped behind the Handle's back
// cannot turn the signal towards a recycled group. Older kernels (which
// answer the flag with EINVAL) and Handles without a pidfd (the SIGCHLD
// mechanism) use kill(-pgid) under the Handle's lock (signalgroup_pgid.go).

func signalGroupLocked(h *Handle, sig syscall.Signal) error {
	c, ok := h.sys.(*pidfdChild)
	if !ok || c.fd < 0 || !pidfdGroupSignalUsable() {
		return killGroupLocked(h.pid, sig)
	}
	if err := groupLeaderLocked(h.pid); err != nil {
		return err
	}
	switch err := unix.PidfdSendSignal(c.fd, sig, nil, unix.PIDFD_SIGNAL_PROCESS_GROUP); {
	case err == unix.EINVAL:
		// A kernel that refuses the flag after all (a filter, an
		// emulator), or a signal number the kernel does not know, which
		// kill refuses too.
		return killGroupLocked(h.pid, sig)
	case err == unix.ESRCH:
		return handleErr("signal group", h.pid, "the child and its group are gone", os.ErrProcessDone)
	case err != nil:
		return handleErr("signal group", h.pid, "pidfd_send_signal failed", os.NewSyscallError("pidfd_send_signal", err))
	}
	return nil
}

// pidfdGroupSignalUsable is pidfdGroupSignalWorks; the tests replace it to
// cover the kill(-pgid) path on kernels that have the flag.
var pidfdGroupSignalUsable = pidfdGroupSignalWorks

// pidfdGroupSignalWorks probes once for PIDFD_SIGNAL_PROCESS_GROUP (Linux
// 6.9): signal 0 to this process's own group through its pidfd. A kernel
// without the flag answers EINVAL; one with it succeeds, or answers ESRCH
// when this process leads no group.
var pidfdGroupSignalWorks = sync.OnceValue(func() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	err = unix.PidfdSendSignal(fd, 0, nil, unix.PIDFD_SIGNAL_PROCESS_GROUP)
	return err == nil || err == unix.ESRCH
})
