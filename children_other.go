//go:build aix || dragonfly || freebsd || netbsd || openbsd || solaris

package wait

import (
	"errors"
	"fmt"
	"runtime"
)

// childPids would list this process's children. The BSDs and illumos report
// only exits to waitid(WEXITED) (ptrace stops need WTRAPPED), so Reap's peek
// is never headed by a report it must look past, and no list is needed.
func childPids(buf []int) ([]int, error) {
	return buf, fmt.Errorf("wait: listing children on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
