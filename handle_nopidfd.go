//go:build unix && !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package wait

import (
	"context"
	"syscall"
)

// Unix systems with neither pidfd nor kqueue (illumos) use the SIGCHLD
// dispatcher (handle_sigchld.go) and PID-based calls. Where the wait family
// itself is missing (AIX), checkChild's waitid fails with an error wrapping
// errors.ErrUnsupported that names the OS, and so does Open.

type handleSys struct{}

func (h *Handle) sysOpen() error {
	if err := checkChild(h.pid); err != nil {
		return err
	}
	sigchldAdd(h)
	return nil
}

func (h *Handle) sysInline() bool { return false }

func (h *Handle) sysWatch(context.Context) error { return nil }

func (h *Handle) sysReap() (Exit, bool, error) { return reapPid(h.pid) }

// sysRearm hands the Handle back to the dispatcher after an exit report
// that was not followed by a reapable child.
func (h *Handle) sysRearm() bool {
	sigchldAdd(h)
	return true
}

func (h *Handle) sysSignal(sig syscall.Signal) error { return killPid(h.pid, sig) }

func (h *Handle) sysRelease() { sigchldRemove(h) }
