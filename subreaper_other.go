//go:build aix || darwin || hurd || netbsd || openbsd || solaris || !unix

package wait

import (
	"errors"
	"fmt"
	"runtime"
)

// errNoSubreaper says the OS has no way to adopt orphaned descendants:
// neither prctl(PR_SET_CHILD_SUBREAPER) nor procctl(PROC_REAP_ACQUIRE).
var errNoSubreaper = fmt.Errorf("wait: a child subreaper is not available on %s: %w", runtime.GOOS, errors.ErrUnsupported)

func setSubreaper(bool) error { return errNoSubreaper }

func isSubreaper() (bool, error) { return false, errNoSubreaper }
