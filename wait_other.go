//go:build aix || hurd || !unix

package wait

import "github.com/procwait/wait/internal/abi"

// On systems without the wait family every call fails with an error wrapping
// errors.ErrUnsupported before doing anything.

// hostStatus decodes by Linux's rules; no kernel here produces a status word.
type hostStatus = abi.LinuxStatus

func hostTrapCause(WaitStatus) int { return -1 }

// hostPlainOptions is 0: every call goes through hostOptions, which refuses it.
const hostPlainOptions = 0

// hostOptions refuses every call; hostOS is runtime.GOOS here, so the
// error names the system ("wait4 is not available on windows").
func hostOptions(call string, _ uint32) (uint32, error) {
	return 0, notAvailable(hostOS, call)
}
