//go:build !unix

package wait

import (
	"context"
	"errors"
	"runtime"

	"github.com/procwait/wait/internal/syscall"
)

// Systems without the wait family (windows, plan9, js, wasip1) have no
// Handle: Open fails with an error wrapping errors.ErrUnsupported.

type handleSys struct{}

func (h *Handle) sysOpen() error {
	return handleErr("open", h.pid, "Handle is not available on "+runtime.GOOS, errors.ErrUnsupported)
}

func (h *Handle) sysInline() bool { return false }

func (h *Handle) sysWatch(context.Context) error { return errors.ErrUnsupported }

func (h *Handle) sysReap() (Exit, bool, error) { return Exit{}, false, errors.ErrUnsupported }

func (h *Handle) sysRearm() bool { return false }

func (h *Handle) sysSignal(syscall.Signal) error { return errors.ErrUnsupported }

func (h *Handle) sysRelease() {}
