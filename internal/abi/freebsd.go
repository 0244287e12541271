package abi

// FreeBSD: wait4 and wait6 are raw system calls (7 and 532); waitid exists
// only in libc, which calls wait6 (freebsd/freebsd-src lib/libc/gen/waitid.c),
// so this library does the same.
var freebsd = &OS{
	Name: "freebsd",
	Flags: []Const{
		{"WNOHANG", 0x1, "return at once when no child has a status to report", freebsdWait},
		{"WUNTRACED", 0x2, "also report stopped children (the original name of WSTOPPED)", freebsdWait},
		{"WSTOPPED", 0x2, "report children stopped by a signal", freebsdWait},
		{"WCONTINUED", 0x4, "report stopped children resumed by SIGCONT", freebsdWait},
		{"WNOWAIT", 0x8, "leave the child waitable (wait4, waitid and wait6)", freebsdWait},
		{"WEXITED", 0x10, "report children that exited or were killed (wait4 implies it)", freebsdWait},
		{"WTRAPPED", 0x20, "report traced children stopped at a trap or breakpoint (wait4 implies it)", freebsdWait},
		{"WLINUXCLONE", 0x80000000, "wait only for children whose exit signal is not SIGCHLD (kernel Linux emulation)", freebsdWait},
	},
	// The values mirror Solaris. kern_wait6 (sys/kern/kern_exit.c,
	// proc_to_reap) matches P_ALL, P_PID, P_PGID, P_SID, P_UID, P_GID and
	// P_JAILID; the others match no child (ECHILD).
	IDTypes: []Const{
		{"P_PID", 0, "the child whose process ID is id (0: the caller's process group)", freebsdWait},
		{"P_PPID", 1, "children whose parent process ID is id (matches no child in wait6)", freebsdWait},
		{"P_PGID", 2, "any child in process group id (0: the caller's own)", freebsdWait},
		{"P_SID", 3, "any child in session id", freebsdWait},
		{"P_CID", 4, "scheduling class id (matches no child in wait6)", freebsdWait},
		{"P_UID", 5, "any child whose effective user ID is id", freebsdWait},
		{"P_GID", 6, "any child whose effective group ID is id", freebsdWait},
		{"P_ALL", 7, "any child (except children that own a process descriptor from pdfork)", freebsdWait},
		{"P_LWPID", 8, "thread id (matches no child in wait6)", freebsdWait},
		{"P_TASKID", 9, "task id (matches no child in wait6)", freebsdWait},
		{"P_PROJID", 10, "project id (matches no child in wait6)", freebsdWait},
		{"P_POOLID", 11, "pool id (matches no child in wait6)", freebsdWait},
		{"P_JAILID", 12, "any child in jail id", freebsdWait},
		{"P_ZONEID", 12, "the Solaris name of P_JAILID", freebsdWait},
		{"P_CTID", 13, "process contract id (matches no child in wait6)", freebsdWait},
		{"P_CPUID", 14, "CPU id (matches no child in wait6)", freebsdWait},
		{"P_PSETID", 15, "processor set id (matches no child in wait6)", freebsdWait},
	},
	Codes: cldCodes("freebsd/freebsd-src sys/sys/signal.h"),
	Calls: Calls{Wait4: Syscall, Waitid: Emulated, Wait6: Syscall},
	// kern_wait6 (freebsd/freebsd-src sys/kern/kern_exit.c), shared by wait4
	// and wait6, refuses every other bit with EINVAL and wants at least one
	// event bit; kern_wait (wait4) first ORs in WEXITED|WTRAPPED, so wait4
	// takes the same bits and WNOWAIT too.
	Wait4Mask:    0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x80000000,
	Wait4Implied: 0x10 | 0x20,
	WaitidMask:   0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x80000000,
	EventMask:    0x2 | 0x4 | 0x10 | 0x20,
	// id_t is __id_t, __int64_t (freebsd/freebsd-src sys/sys/_types.h).
	IDSize:   8,
	IDSigned: true,
	Siginfo: map[string]SiginfoLayout{
		// freebsd/freebsd-src sys/sys/signal.h, struct __siginfo: the
		// SIGCHLD fields are the six leading ints; si_addr, si_value and
		// the _reason union (a long and 7 ints at most) follow.
		"386":     freebsdSiginfo32,
		"arm":     freebsdSiginfo32,
		"amd64":   freebsdSiginfo64,
		"arm64":   freebsdSiginfo64,
		"riscv64": freebsdSiginfo64,
	},
	Rusage: map[string]RusageLayout{
		// freebsd/freebsd-src sys/sys/resource.h and sys/sys/_timeval.h:
		// time_t is 32-bit on i386 only; suseconds_t is a long. ru_maxrss
		// is in KiB.
		"386":     {Size: 72, SecSize: 4, UsecOffset: 4, UsecSize: 4, TimevalSize: 8, LongSize: 4, MaxRSSUnit: 1024},
		"arm":     {Size: 88, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 16, LongSize: 4, MaxRSSUnit: 1024},
		"amd64":   freebsdRusage64,
		"arm64":   freebsdRusage64,
		"riscv64": freebsdRusage64,
	},
	Notes: []string{
		"Waitid is wait6 without status or rusage, as FreeBSD's libc does it; Info.Status keeps the full 32-bit exit value.",
		"Wait6: for an exited child WRusage.Self includes its reaped descendants (what wait4 reports) and Children is those descendants alone.",
		"Continued is the bare status word 0x13; wait4 implies WEXITED|WTRAPPED and accepts WNOWAIT.",
		"SetSubreaper: procctl(PROC_REAP_ACQUIRE).",
	},
	decode: func(raw uint32) Decoded { return decodeWith(FreeBSDStatus(raw)) },
}

const freebsdWait = "freebsd/freebsd-src sys/sys/wait.h"

var (
	freebsdSiginfo32 = SiginfoLayout{Size: 64, Signo: 0, Errno: 4, Code: 8, Pid: 12, UID: 16, Status: 20}
	freebsdSiginfo64 = SiginfoLayout{Size: 80, Signo: 0, Errno: 4, Code: 8, Pid: 12, UID: 16, Status: 20}

	freebsdRusage64 = RusageLayout{Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 8, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024}
)
