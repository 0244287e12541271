package wait

import (
	"syscall"

	"github.com/procwait/wait/internal/abi"
)

// macOS has no stable system call ABI: wait4 and waitid are called in
// libSystem (internal/raw: raw_libc.go, raw_darwin.go,
// libc_darwin_<goarch>.s); wait6 is emulated with both.
//
// Darwin's flags differ from the other BSDs' in ways this file smooths over:
// WSTOPPED (0x8, waitid's) and WUNTRACED (0x2, wait4's) are different bits,
// and each call silently ignores (wait4) or rejects (waitid) the other's, so
// hostPlainOptions are the option bits hostOptions passes on unchanged for
// every call: all but WTRAPPED and the two stop bits.
const hostPlainOptions = ^(uint32(WTRAPPED) | darwinWUNTRACED | darwinWSTOPPED)

// hostOptions gives each call the bit it understands for "report stopped
// children". There is no WTRAPPED: a tracer sees its tracee's stops as
// ordinary stops (wait4 reports them even without WUNTRACED, waitid only
// with WSTOPPED, mixed with every other stop), so asking for trapped
// children alone cannot be honoured and WTRAPPED is refused.
//
// Beware, as golang/go#19314 found, that waitid with WEXITED has been seen
// returning for stopped children: check Info.Code rather than assume an
// exit. For CLD_CONTINUED waitid's si_pid is the process the kernel recorded
// as continuing the child: the child itself when SIGCONT takes its default
// action, but the sender when the child waits for SIGCONT in sigwait, and a
// stale value when it catches SIGCONT (apple-oss-distributions/xnu
// bsd/kern/kern_sig.c, p_contproc).

// hostStatus decodes by apple-oss-distributions/xnu bsd/sys/wait.h.
type hostStatus = abi.DarwinStatus

// hostTrapCause is -1: Darwin has no ptrace event stops.
func hostTrapCause(WaitStatus) int { return -1 }

const (
	darwinWUNTRACED = uint32(WUNTRACED)
	darwinWSTOPPED  = uint32(WSTOPPED)
)

// hostOptions gives wait4 WUNTRACED and waitid WSTOPPED for either name, and
// refuses WTRAPPED.
func hostOptions(call string, o uint32) (uint32, error) {
	if o&uint32(WTRAPPED) != 0 {
		return 0, unsupported(call, syscall.EINVAL, "WTRAPPED (a tracer's stops are reported as ordinary stops)")
	}
	stop := darwinWSTOPPED // waitid's bit
	if call == "wait4" {
		stop = darwinWUNTRACED
	}
	if o&(darwinWUNTRACED|darwinWSTOPPED) != 0 {
		o = o&^(darwinWUNTRACED|darwinWSTOPPED) | stop
	}
	return o, nil
}
