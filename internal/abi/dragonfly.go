package abi

// DragonFly (amd64 only): wait4 and wait6 are raw system calls (7 and 548);
// waitid exists only in libc, over wait6 (DragonFlyBSD/DragonFlyBSD
// lib/libc/gen/waitid.c), so this library does the same. The flag, idtype
// and siginfo values are FreeBSD's; the status macros differ slightly.
var dragonfly = &OS{
	Name: "dragonfly",
	Flags: []Const{
		{"WNOHANG", 0x1, "return at once when no child has a status to report", dragonflyWait},
		{"WUNTRACED", 0x2, "also report stopped children (the original name of WSTOPPED)", dragonflyWait},
		{"WSTOPPED", 0x2, "report children stopped by a signal", dragonflyWait},
		{"WCONTINUED", 0x4, "report stopped children resumed by SIGCONT", dragonflyWait},
		{"WNOWAIT", 0x8, "leave the child waitable", dragonflyWait},
		{"WEXITED", 0x10, "report children that exited or were killed (wait4 implies it)", dragonflyWait},
		{"WTRAPPED", 0x20, "report traced children stopped at a trap or breakpoint (wait4 implies it)", dragonflyWait},
		{"WLINUXCLONE", 0x80000000, "wait only for children whose exit signal is not SIGCHLD (kernel Linux emulation)", dragonflyWait},
	},
	IDTypes: []Const{
		{"P_PID", 0, "the child whose process ID is id", dragonflyWait},
		{"P_PPID", 1, "children whose parent process ID is id", dragonflyWait},
		{"P_PGID", 2, "any child in process group id", dragonflyWait},
		{"P_SID", 3, "any child in session id", dragonflyWait},
		{"P_CID", 4, "scheduling class id", dragonflyWait},
		{"P_UID", 5, "any child whose effective user ID is id", dragonflyWait},
		{"P_GID", 6, "any child whose effective group ID is id", dragonflyWait},
		{"P_ALL", 7, "any child", dragonflyWait},
		{"P_LWPID", 8, "thread id", dragonflyWait},
		{"P_TASKID", 9, "task id", dragonflyWait},
		{"P_PROJID", 10, "project id", dragonflyWait},
		{"P_POOLID", 11, "pool id", dragonflyWait},
		{"P_JAILID", 12, "any child in jail id", dragonflyWait},
		{"P_CTID", 13, "process contract id", dragonflyWait},
		{"P_CPUID", 14, "CPU id", dragonflyWait},
		{"P_PSETID", 15, "processor set id", dragonflyWait},
	},
	Codes: cldCodes("DragonFlyBSD/DragonFlyBSD sys/sys/signal.h"),
	Calls: Calls{Wait4: Syscall, Waitid: Emulated, Wait6: Syscall},
	// wait4 and wait6 share one kernel check, as on FreeBSD: the same flag
	// bits, at least one event bit, and wait4 ORs in WEXITED|WTRAPPED
	// first. DragonFly's current kern_exit.c could not be re-read here; the
	// pre-wait6 kern_wait accepted only WUNTRACED|WNOHANG|WCONTINUED|
	// WLINUXCLONE on wait4, so an old kernel answers EINVAL for the rest.
	Wait4Mask:    0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x80000000,
	Wait4Implied: 0x10 | 0x20,
	WaitidMask:   0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x80000000,
	EventMask:    0x2 | 0x4 | 0x10 | 0x20,
	// id_t is __int64_t (DragonFlyBSD/DragonFlyBSD sys/sys/types.h).
	IDSize:   8,
	IDSigned: true,
	Siginfo: map[string]SiginfoLayout{
		// DragonFlyBSD/DragonFlyBSD sys/sys/_siginfo.h: si_signo, si_errno,
		// si_code, si_pid, si_uid, si_status, si_addr, si_value, si_band,
		// __spare__[7].
		"amd64": {Size: 80, Signo: 0, Errno: 4, Code: 8, Pid: 12, UID: 16, Status: 20},
	},
	Rusage: map[string]RusageLayout{
		// DragonFlyBSD/DragonFlyBSD sys/sys/resource.h; ru_maxrss in KiB.
		"amd64": {Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 8, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024},
	},
	Notes: []string{
		"Waitid is wait6 without status or rusage, as DragonFly's libc does it.",
		"Wait6: for an exited child WRusage.Self includes its reaped descendants (what wait4 reports) and Children is those descendants alone.",
		"Continued is the bare status word 19, which DragonFly's WIFSIGNALED also accepts (WaitStatus says continued).",
		"SetSubreaper: procctl(PROC_REAP_ACQUIRE).",
	},
	decode: func(raw uint32) Decoded { return decodeWith(DragonFlyStatus(raw)) },
}

const dragonflyWait = "DragonFlyBSD/DragonFlyBSD sys/sys/wait.h"
