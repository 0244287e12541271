package wait

import (
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/raw"
)

// Linux watches a child through a pidfd in the runtime's poller
// (handle_pidfd.go). Kernels without the needed pidfd support, and the
// tests that cover that path, get the SIGCHLD dispatcher (handle_sigchld.go).

func newChildWatch(h *Handle) (childWatch, error) {
	if !pidfdUsable() {
		return openSigchld(h)
	}
	return openPidfd(h)
}

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
