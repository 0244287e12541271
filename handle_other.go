//go:build aix || !unix

package wait

import (
	"errors"
	"runtime"
)

// Systems without the wait family (AIX here, windows, plan9, js, wasip1)
// have no Handle: Open fails with an error wrapping errors.ErrUnsupported
// that names the OS.

func newChildWatch(h *Handle) (childWatch, error) {
	return nil, handleErr("open", h.pid, "Handle is not available on "+runtime.GOOS, errors.ErrUnsupported)
}
