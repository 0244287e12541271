package raw

import "github.com/procwait/wait/internal/abi"

// OpenBSD pins system calls to libc, so wait4 and waitid are called there
// (raw_libc.go, libc_openbsd_<goarch>.s); wait6 is emulated with both.
// waitid entered libc in OpenBSD 7.3: the symbol is imported lazily, and the
// root package refuses Waitid and Wait6 on older releases before calling it.

//go:cgo_import_dynamic libc_wait4 wait4 "libc.so"
//go:cgo_import_dynamic libc_waitid waitid "libc.so"

// hostEncoding builds wait4's status word from waitid's siginfo.
var hostEncoding = abi.OpenBSDEncoding

// continuedPidIsChild: OpenBSD's waitid reports the child's own pid for
// CLD_CONTINUED.
const continuedPidIsChild = true
