//go:build !unix

package wait

import (
	"errors"
	"runtime"

	"github.com/procwait/wait/internal/posix"
)

// Systems without process groups (windows, plan9, js, wasip1) have no
// SignalGroup; they have no Handle either (handle_other.go).

func signalGroupLocked(h *Handle, _ posix.Signal) error {
	return handleErr("signal group", h.pid, "process groups are not available on "+runtime.GOOS, errors.ErrUnsupported)
}
