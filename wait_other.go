//go:build aix || hurd || !unix

package wait

import (
	"github.com/procwait/wait/internal/abi"
	"github.com/procwait/wait/internal/posix"
)

// On systems without the wait family every call fails with an error wrapping
// errors.ErrUnsupported before doing anything.

// hostStatus decodes by Linux's rules; no kernel here produces a status word.
type hostStatus = abi.LinuxStatus

func hostTrapCause(WaitStatus) int { return -1 }

// hostOptions refuses every call; hostOS is runtime.GOOS here, so the
// error names the system ("wait4 is not available on windows").
func hostOptions(call string, _ uint32) (uint32, error) {
	return 0, notAvailable(hostOS, call)
}

func sysWait4(int, *WaitStatus, uint32, *rawRusage) (int, posix.Errno) { return 0, posix.ENOSYS }

func sysWaitid(IDType, int, *rawSiginfo, uint32) posix.Errno { return posix.ENOSYS }

func sysWait6(IDType, int, *WaitStatus, uint32, *rawWRusage, *rawSiginfo) (int, posix.Errno) {
	return 0, posix.ENOSYS
}
