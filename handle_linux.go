package wait

import (
	"os"
	"os/exec"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/raw"
)

// Linux watches a child through a pidfd, in one epoll instance for all
// Handles that sits in the runtime's poller (handle_pidfd.go). Kernels without the needed pidfd support, and the
// tests that cover that path, get the SIGCHLD dispatcher (handle_sigchld.go).

func newChildWatch(h *Handle) (childWatch, error) {
	fd := h.adopt
	h.adopt = -1
	if !pidfdUsable() {
		if fd >= 0 {
			unix.Close(fd)
		}
		return openSigchld(h)
	}
	if fd >= 0 {
		return adoptPidfd(h, fd)
	}
	return openPidfd(h)
}

func init() {
	clonePidfd = startWithPidfd
	osProcessHasPidfd = func() bool { return pidfdWorks() && clonePidfdWorks() }
}

// startWithPidfd makes cmd.Start store the child's pidfd, returned by clone
// itself (CLONE_PIDFD), where the Handle will find it: there is no moment
// between fork and pidfd_open in which a foreign reaper could let the PID be
// reused. It sets PidFD on a copy of cmd.SysProcAttr; undo puts the
// caller's pointer back. A PidFD the caller set is kept theirs, and undo
// duplicates it for the Handle. Without clone pidfd support undo is nil, and
// the Handle opens its pidfd with pidfd_open.
func startWithPidfd(cmd *exec.Cmd) (undo func(started bool) int) {
	if !pidfdUsable() || !clonePidfdWorks() {
		return nil
	}
	orig := cmd.SysProcAttr
	var attr syscall.SysProcAttr
	if orig != nil {
		attr = *orig
	}
	own := -1
	if attr.PidFD == nil {
		attr.PidFD = &own
	}
	cmd.SysProcAttr = &attr
	return func(started bool) int {
		cmd.SysProcAttr = orig
		if !started || *attr.PidFD < 0 {
			return -1
		}
		if attr.PidFD == &own {
			return own
		}
		fd, err := unix.FcntlInt(uintptr(*attr.PidFD), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return -1 // pidfd_open then
		}
		return fd
	}
}

// clonePidfdWorks probes once whether clone(CLONE_PIDFD) (Linux 5.2) works:
// emulators (qemu-user before 8.0 and on some targets) and sandboxes may
// refuse it with EINVAL or ENOSYS. The probe forks a child whose exec of
// "/" fails (EACCES) and which syscall.ForkExec then reaps itself; it holds
// spawnMu shared, so Reap cannot take that child for an orphan.
var clonePidfdWorks = sync.OnceValue(func() bool {
	spawnMu.RLock()
	defer spawnMu.RUnlock()
	fd := -1
	_, err := syscall.ForkExec("/", []string{"/"}, &syscall.ProcAttr{Sys: &syscall.SysProcAttr{PidFD: &fd}})
	if fd >= 0 {
		unix.Close(fd) // ForkExec closes it on a failed exec; in case it did not
	}
	return err == syscall.EACCES || err == syscall.ENOENT
})

// pidfdUsable decides the mechanism of each new Handle: pidfdWorks. The
// tests replace it at init to cover the SIGCHLD path as well.
var pidfdUsable = pidfdWorks

// pidfdWorks probes once for everything the pidfd path uses. Linux added
// pidfd_send_signal in 5.1, pidfd_open (and poll on a pidfd) in 5.3 and
// waitid's P_PIDFD in 5.4; seccomp sandboxes and emulators may lack any of
// them. This process is not its own child, so a kernel that knows P_PIDFD
// answers the probe with ECHILD (5.3 says EINVAL).
var pidfdWorks = sync.OnceValue(func() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if unix.PidfdSendSignal(fd, 0, nil, 0) != nil {
		return false
	}
	var si raw.Siginfo
	return raw.Waitid(int(P_PIDFD), fd, &si, uint32(WEXITED|WNOHANG)) == syscall.ECHILD
})
