package wait

import "github.com/procwait/wait/internal/abi"

// FreeBSD reaches wait4 (7) and wait6 (532) as raw system calls and builds
// waitid on wait6 as its libc does (internal/raw/raw_wait6.go). wait6's
// 64-bit id_t takes one register on 64-bit systems and two on 386 and arm
// (internal/raw/wait6_lp64.go, wait6_freebsd_{386,arm}.go).

// hostStatus decodes status words by freebsd/freebsd-src sys/sys/wait.h:
// continued is the bare word 0x13, WEXITSTATUS is not masked.
type hostStatus = abi.FreeBSDStatus
