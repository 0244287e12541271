package abi

// OpenBSD: wait4 and waitid (OpenBSD 7.3 and later) are libc functions that
// Go programs must call through libc; there is no wait6 system call (the
// kernel's dowait6 is internal), so Wait6 is emulated with waitid and wait4.
var openbsd = &OS{
	Name: "openbsd",
	Flags: []Const{
		{"WNOHANG", 0x1, "return at once when no child has a status to report", openbsdWait},
		{"WUNTRACED", 0x2, "also report stopped children (wait4's name for WSTOPPED)", openbsdWait},
		{"WSTOPPED", 0x2, "report children stopped by a signal", openbsdWait},
		{"WEXITED", 0x4, "report children that exited or were killed (waitid; wait4 implies it and rejects it)", openbsdWait},
		{"WCONTINUED", 0x8, "report stopped children resumed by SIGCONT", openbsdWait},
		{"WNOWAIT", 0x10, "leave the child waitable (waitid only)", openbsdWait},
		{"WTRAPPED", 0x20, "report traced children stopped at a trap (waitid; wait4 implies it and rejects it)", openbsdWait},
	},
	IDTypes: []Const{
		// OpenBSD numbers these in its own order, unlike every other system.
		{"P_ALL", 0, "any child", openbsdWait},
		{"P_PGID", 1, "any child in process group id", openbsdWait},
		{"P_PID", 2, "the child whose process ID is id", openbsdWait},
	},
	Codes: cldCodes("openbsd/src sys/sys/siginfo.h"),
	Calls: Calls{Wait4: Libc, Waitid: Libc, Wait6: Emulated},
	// openbsd/src sys/kern/kern_exit.c: sys_wait4 refuses any bit outside
	// WUNTRACED|WNOHANG|WCONTINUED and then adds WEXITED|WTRAPPED; sys_waitid
	// refuses bits outside the six below and needs one event bit.
	Wait4Mask:    0x1 | 0x2 | 0x8,
	Wait4Implied: 0x4 | 0x20,
	WaitidMask:   0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20,
	EventMask:    0x2 | 0x4 | 0x8 | 0x20,
	// openbsd/src sys/sys/_types.h: __id_t is an unsigned 32-bit int.
	IDSize:   4,
	IDSigned: false,
	Siginfo: map[string]SiginfoLayout{
		// openbsd/src sys/sys/siginfo.h: si_signo, si_code, si_errno, then a
		// union whose _proc member is {pid; union {{uid; sigval} _kill;
		// {clock_t utime, stime; int status} _cld}}. si_uid therefore shares
		// storage with si_utime, which waitid leaves zero, so the uid the
		// kernel stores survives. clock_t is 64-bit everywhere, which aligns
		// the union to 8 bytes except on 386 (4-byte long long alignment).
		"386":     {Size: 128, Signo: 0, Code: 4, Errno: 8, Pid: 12, UID: 16, Status: 32},
		"amd64":   openbsdSiginfo,
		"arm":     openbsdSiginfo, // EABI: 8-byte aligned int64
		"arm64":   openbsdSiginfo,
		"mips64":  openbsdSiginfo,
		"ppc64":   openbsdSiginfo,
		"riscv64": openbsdSiginfo,
	},
	Rusage: map[string]RusageLayout{
		// openbsd/src sys/sys/resource.h and sys/sys/_time.h: struct timeval
		// is {int64 tv_sec; long tv_usec}; ru_maxrss is in KiB.
		"386":     {Size: 80, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 12, LongSize: 4, MaxRSSUnit: 1024},
		"arm":     {Size: 88, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 16, LongSize: 4, MaxRSSUnit: 1024},
		"amd64":   openbsdRusage64,
		"arm64":   openbsdRusage64,
		"mips64":  openbsdRusage64,
		"ppc64":   openbsdRusage64,
		"riscv64": openbsdRusage64,
	},
	Notes: []string{
		"Wait4 and Waitid call libc; waitid exists from OpenBSD 7.3 and is refused with ErrUnsupported on older releases.",
		"Wait6 is emulated: waitid with WNOWAIT finds the event, wait4 on that pid reaps it with its rusage (exits only); Children stays zero.",
		"wait4 takes only WNOHANG, WUNTRACED and WCONTINUED.",
	},
	decode: func(raw uint32) Decoded { return decodeWith(OpenBSDStatus(raw)) },
}

const openbsdWait = "openbsd/src sys/sys/wait.h"

var (
	openbsdSiginfo  = SiginfoLayout{Size: 136, Signo: 0, Code: 4, Errno: 8, Pid: 16, UID: 24, Status: 40}
	openbsdRusage64 = RusageLayout{Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 8, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024}

	// OpenBSDEncoding builds wait4's word from waitid's siginfo: the kernel
	// (sys/kern/kern_exit.c, dowait6) shifts the whole exit value,
	// W_EXITCODE(ps_xexit, ps_xsig), and marks continued as 0xffff.
	OpenBSDEncoding = StatusEncoding{ValueMask: 0xffffffff, Continued: 0xffff}
)
