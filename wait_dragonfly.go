package wait

import "github.com/procwait/wait/internal/abi"

// DragonFly reaches wait4 (7) and wait6 (548) as raw system calls and
// builds waitid on wait6 as its libc does (internal/raw: wait4_syscall.go,
// raw_wait6.go, wait6_lp64.go).

// hostStatus decodes status words by DragonFlyBSD/DragonFlyBSD
// sys/sys/wait.h: continued is the bare word 19, which WIFSIGNALED accepts
// too (WaitStatus.String tests Continued first).
type hostStatus = abi.DragonFlyStatus
