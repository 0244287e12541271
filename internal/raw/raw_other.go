//go:build aix || hurd || !unix

package raw

import "github.com/procwait/wait/internal/posix"

// Systems without the wait family: the root package refuses every call
// before reaching these.

func wait4(int, *uint32, uint32, *Rusage) (int, posix.Errno) { return 0, posix.ENOSYS }

func waitid(int, int, *Siginfo, uint32) posix.Errno { return posix.ENOSYS }

func wait6(int, int, *uint32, uint32, *WRusage, *Siginfo) (int, posix.Errno) {
	return 0, posix.ENOSYS
}
