package wait

import "github.com/procwait/wait/internal/abi"

// NetBSD reaches wait4 as the raw system call __wait450 (449) and wait6 as
// raw system call 481, and builds waitid on wait6 as its libc does
// (internal/raw: wait4_syscall.go, raw_wait6.go, wait6_netbsd.go).

// hostStatus decodes status words by NetBSD/src sys/sys/wait.h: continued
// is exactly 0xffff, the other fields are masked to 8 bits.
type hostStatus = abi.NetBSDStatus
