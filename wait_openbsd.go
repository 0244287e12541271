package wait

import (
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/abi"
)

// OpenBSD pins system calls to libc, so wait4 and waitid are called there
// (internal/raw: raw_libc.go, raw_openbsd.go, libc_openbsd_<goarch>.s);
// wait6 is emulated with both.
//
// waitid entered libc in OpenBSD 7.3. The symbol is imported lazily (Go's
// linker does not mark OpenBSD binaries for immediate binding), so a program
// using this package still starts on an older release, and Waitid and Wait6
// are refused there with an error wrapping errors.ErrUnsupported before the
// missing symbol could be called. Run with LD_BIND_NOW set, such a program
// would instead fail to start: ld.so then resolves every symbol at load.

// hostStatus decodes by openbsd/src sys/sys/wait.h.
type hostStatus = abi.OpenBSDStatus

// hostTrapCause is -1: OpenBSD has no ptrace event stops.
func hostTrapCause(WaitStatus) int { return -1 }

// hostPlainOptions is 0: whether waitid may be called depends on the
// release, so every call goes through hostOptions.
const hostPlainOptions = 0

// hostOptions refuses waitid and the Wait6 emulation built on it where libc
// has no waitid. Every flag in the table is the kernel's own, and the
// generated masks hold what each call accepts.
func hostOptions(call string, o uint32) (uint32, error) {
	if call != "wait4" && !haveWaitid() {
		return 0, unsupported(call, syscall.ENOSYS, "waitid is in libc from OpenBSD 7.3 (this is %s)", osRelease())
	}
	return o, nil
}

// osRelease is kern.osrelease ("7.5"), read once.
var osRelease = sync.OnceValue(func() string {
	r, err := unix.Sysctl("kern.osrelease")
	if err != nil {
		return "unknown"
	}
	return r
})

// haveWaitid reports whether the running release's libc has waitid. A
// release that cannot be read is assumed to be recent.
var haveWaitid = sync.OnceValue(func() bool {
	major, minor, ok := strings.Cut(osRelease(), ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(strings.TrimRightFunc(minor, func(r rune) bool { return r < '0' || r > '9' }))
	if !ok || err1 != nil || err2 != nil {
		return true
	}
	return ma > 7 || ma == 7 && mi >= 3
})
