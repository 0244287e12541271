package wait

import "github.com/procwait/wait/internal/abi"

// illumos and Solaris (this file builds for both) have no stable system call
// ABI: waitid is called in libc, and wait4 and wait6 are built on it in Go
// (internal/raw/raw_solaris.go says why libc's own wait4 is not used). For
// an exit, Wait4's and Wait6's rusage holds the child's CPU times from the
// siginfo and every other field stays zero, as illumos reports no more;
// WRusage.Children stays zero. Info.UID is -1: si_uid shares storage with
// si_utime, which waitid fills.

// hostStatus decodes by illumos/illumos-gate usr/src/uts/common/sys/wait.h.
type hostStatus = abi.IllumosStatus

// hostTrapCause is -1: illumos has no ptrace event stops.
func hostTrapCause(WaitStatus) int { return -1 }

// hostPlainOptions: hostOptions passes every bit on unchanged.
const hostPlainOptions = ^uint32(0)

// hostOptions passes the options on: every flag in the table is the
// kernel's own, and the generated masks hold what each call accepts.
func hostOptions(_ string, o uint32) (uint32, error) { return o, nil }
