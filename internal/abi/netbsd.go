package abi

// NetBSD: wait4 is the raw system call __wait450 (449; 7 is the old compat
// entry) and wait6 is raw system call 481; waitid exists only in libc, over
// wait6 (NetBSD/src lib/libc/gen/waitid.c), so this library does the same.
// golang.org/x/sys/unix has stale values here: WSTOPPED = 0x7f (the status
// byte, not a flag) and no WEXITED, WCONTINUED or WTRAPPED.
var netbsd = &OS{
	Name: "netbsd",
	Flags: []Const{
		{"WNOHANG", 0x1, "return at once when no child has a status to report", netbsdWait},
		{"WSTOPPED", 0x2, "report children stopped by a signal", netbsdWait},
		{"WUNTRACED", 0x2, "also report stopped children (the original name of WSTOPPED)", netbsdWait},
		{"WCONTINUED", 0x10, "report stopped children resumed by SIGCONT", netbsdWait},
		{"WEXITED", 0x20, "report children that exited or were killed (wait4 implies it; waitid and wait6 need it)", netbsdWait},
		{"WNOWAIT", 0x10000, "leave the child waitable", netbsdWait},
		{"WALTSIG", 0x4, "wait only for children whose exit signal is not SIGCHLD (Linux's __WCLONE)", netbsdWait},
		{"WALLSIG", 0x8, "wait for children whatever their exit signal (Linux's __WALL)", netbsdWait},
		{"WTRAPPED", 0x40, "report traced children stopped at a trap or breakpoint (wait4 implies it)", netbsdWait},
		{"WNOZOMBIE", 0x20000, "ignore zombies (kernels older than the WALLOPTS mask refuse it with EINVAL)", netbsdWait},
		{"WCLONE", 0x4, "__WCLONE: Linux's name of WALTSIG", netbsdWait},
		{"WALL", 0x8, "__WALL: Linux's name of WALLSIG", netbsdWait},
	},
	// NetBSD's own order, not Solaris's. find_stopped_child (NetBSD/src
	// sys/kern/kern_exit.c, match_process) matches P_ALL, P_PID, P_PGID,
	// P_SID, P_UID and P_GID; the others match no child (ECHILD).
	IDTypes: []Const{
		{"P_MYID", -1, "the caller itself or its process group (matches no child in wait6)", netbsdIDType},
		{"P_ALL", 0, "any child", netbsdIDType},
		{"P_PID", 1, "the child whose process ID is id (0: the caller's process group)", netbsdIDType},
		{"P_LWPID", 2, "thread id (matches no child in wait6)", netbsdIDType},
		{"P_PPID", 3, "children whose parent process ID is id (matches no child in wait6)", netbsdIDType},
		{"P_PGID", 4, "any child in process group id (0: the caller's own)", netbsdIDType},
		{"P_SID", 5, "any child in session id", netbsdIDType},
		{"P_CID", 6, "scheduling class id (matches no child in wait6)", netbsdIDType},
		{"P_UID", 7, "any child whose effective user ID is id", netbsdIDType},
		{"P_GID", 8, "any child whose effective group ID is id", netbsdIDType},
		{"P_TASKID", 9, "task id (matches no child in wait6)", netbsdIDType},
		{"P_PROJID", 10, "project id (matches no child in wait6)", netbsdIDType},
		{"P_POOLID", 11, "pool id (matches no child in wait6)", netbsdIDType},
		{"P_ZONEID", 12, "zone id (matches no child in wait6)", netbsdIDType},
		{"P_CTID", 13, "process contract id (matches no child in wait6)", netbsdIDType},
		{"P_CPUID", 14, "CPU id (matches no child in wait6)", netbsdIDType},
		{"P_PSETID", 15, "processor set id (matches no child in wait6)", netbsdIDType},
	},
	Codes: cldCodes("NetBSD/src sys/sys/siginfo.h"),
	Calls: Calls{Wait4: Syscall, Waitid: Emulated, Wait6: Syscall},
	// find_stopped_child (NetBSD/src sys/kern/kern_exit.c) refuses bits
	// outside WALLOPTS and wants one of WSELECTOPTS (NetBSD/src
	// sys/sys/wait.h); do_sys_wait (wait4) first ORs in WEXITED|WTRAPPED,
	// so wait4 takes the same bits.
	Wait4Mask:    0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x10000 | 0x20000,
	Wait4Implied: 0x20 | 0x40,
	WaitidMask:   0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x10000 | 0x20000,
	EventMask:    0x2 | 0x10 | 0x20 | 0x40,
	// id_t is uint32_t (NetBSD/src sys/sys/types.h).
	IDSize:   4,
	IDSigned: false,
	Siginfo: map[string]SiginfoLayout{
		// NetBSD/src sys/sys/siginfo.h: struct _ksiginfo is si_signo,
		// si_code, si_errno (the SVR4 order), an int of padding on _LP64,
		// then the _reason union whose _child member is pid, uid, status.
		"386":   netbsdSiginfo32,
		"arm":   netbsdSiginfo32,
		"amd64": netbsdSiginfo64,
		"arm64": netbsdSiginfo64,
	},
	Rusage: map[string]RusageLayout{
		// NetBSD/src sys/sys/resource.h and sys/sys/time.h: timeval is an
		// int64 tv_sec and an int suseconds_t (12 bytes on i386, where
		// int64 is 4-aligned). ru_maxrss is in KiB.
		"386":   {Size: 80, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 12, LongSize: 4, MaxRSSUnit: 1024},
		"arm":   {Size: 88, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 16, LongSize: 4, MaxRSSUnit: 1024},
		"amd64": netbsdRusage64,
		"arm64": netbsdRusage64,
	},
	Notes: []string{
		"Waitid is wait6 without status or rusage, as NetBSD's libc does it; waitid and wait6 need WEXITED to see exits.",
		"Wait6: for an exited child WRusage.Self includes its reaped descendants (what wait4 reports) and Children is those descendants alone.",
		"No subreaper.",
	},
	decode: func(raw uint32) Decoded { return decodeWith(NetBSDStatus(raw)) },
}

const (
	netbsdWait   = "NetBSD/src sys/sys/wait.h"
	netbsdIDType = "NetBSD/src sys/sys/idtype.h"
)

var (
	netbsdSiginfo32 = SiginfoLayout{Size: 128, Signo: 0, Errno: 8, Code: 4, Pid: 12, UID: 16, Status: 20}
	netbsdSiginfo64 = SiginfoLayout{Size: 128, Signo: 0, Errno: 8, Code: 4, Pid: 16, UID: 20, Status: 24}

	netbsdRusage64 = RusageLayout{Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024}
)
