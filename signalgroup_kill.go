//go:build aix || darwin || dragonfly || freebsd || netbsd || openbsd || solaris

package wait

import "syscall"

// Without a pidfd, SignalGroup sends with kill(-pgid) under the Handle's
// lock (signalgroup_pgid.go).

func signalGroupLocked(h *Handle, sig syscall.Signal) error {
	return killGroupLocked(h.pid, sig)
}
