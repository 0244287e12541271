package raw

import "github.com/procwait/wait/internal/abi"

// macOS has no stable system call ABI: wait4 and waitid are called in
// libSystem (raw_libc.go, libc_darwin_<goarch>.s); wait6 is emulated with
// both. For CLD_CONTINUED waitid's si_pid is the process the kernel recorded
// as continuing the child: the child itself when SIGCONT takes its default
// action, but the sender when the child waits for SIGCONT in sigwait, and a
// stale value when it catches SIGCONT (apple-oss-distributions/xnu
// bsd/kern/kern_sig.c, p_contproc).

//go:cgo_import_dynamic libc_wait4 wait4 "/usr/lib/libSystem.B.dylib"
//go:cgo_import_dynamic libc_waitid waitid "/usr/lib/libSystem.B.dylib"

// hostEncoding builds wait4's status word from waitid's siginfo.
var hostEncoding = abi.DarwinEncoding

// continuedPidIsChild is false: see the CLD_CONTINUED note above.
const continuedPidIsChild = false
