//go:build aix || solaris || !unix

package wait

import (
	"errors"
	"runtime"
)

// Systems without a way to learn of another process's exit without
// polling (illumos and Solaris, AIX) and those without processes in the
// Unix sense (windows, plan9, js, wasip1) have no Watcher: Watch fails with
// an error wrapping errors.ErrUnsupported that names the OS.

type watchSys struct{}

func openWatch(w *Watcher) error {
	return handleErr("watch", w.pid, "Watch is not available on "+runtime.GOOS, errors.ErrUnsupported)
}

func (w *Watcher) startLocked() {}

func (w *Watcher) releaseLocked() {}
