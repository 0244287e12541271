//go:build dragonfly || freebsd || netbsd

package wait

// FreeBSD, NetBSD and DragonFly have wait4 and wait6 as system calls; their
// C libraries build waitid on wait6, and so does this package
// (internal/raw/raw_wait6.go).

// hostTrapCause is -1: these systems have no ptrace event stops.
func hostTrapCause(WaitStatus) int { return -1 }

// hostPlainOptions: hostOptions passes every bit on unchanged.
const hostPlainOptions = ^uint32(0)

// hostOptions passes the options on: every flag in the host's table is the
// kernel's own, and the generated masks hold what each call accepts.
func hostOptions(_ string, o uint32) (uint32, error) { return o, nil }
