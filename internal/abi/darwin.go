package abi

// Darwin (macOS, and iOS which shares the table): wait4 and waitid are
// libSystem functions (Darwin has no stable system call ABI); Wait6 is
// emulated with waitid and wait4.
var darwin = &OS{
	Name: "darwin",
	Flags: []Const{
		{"WNOHANG", 0x1, "return at once when no child has a status to report", darwinWait},
		{"WUNTRACED", 0x2, "also report stopped children (wait4; waitid rejects this bit, so this library passes WSTOPPED for it)", darwinWait},
		{"WEXITED", 0x4, "report children that exited or were killed (wait4 always does)", darwinWait},
		{"WSTOPPED", 0x8, "report children stopped by a signal (waitid; a different bit from WUNTRACED, so this library passes WUNTRACED to wait4 for it)", darwinWait},
		{"WCONTINUED", 0x10, "report stopped children resumed by SIGCONT", darwinWait},
		{"WNOWAIT", 0x20, "leave the child waitable (waitid only: wait4 would ignore it and reap)", darwinWait},
		{"WTRAPPED", 0x40, "not in Darwin: refused with ErrUnsupported (a tracer sees its tracee's stops through WUNTRACED/WSTOPPED)", "library"},
	},
	IDTypes: []Const{
		{"P_ALL", 0, "any child", darwinWait},
		{"P_PID", 1, "the child whose process ID is id", darwinWait},
		{"P_PGID", 2, "any child in process group id", darwinWait},
	},
	Codes: append([]Const{
		{"CLD_NOOP", 0, "no event (Darwin only)", darwinSignal},
	}, cldCodes(darwinSignal)...),
	Calls: Calls{Wait4: Libc, Waitid: Libc, Wait6: Emulated},
	// apple-oss-distributions/xnu bsd/kern/kern_exit.c: wait4_nocancel reads
	// only WNOHANG, WUNTRACED and WCONTINUED (other bits are ignored, so this
	// library refuses them rather than drop them; WEXITED is what wait4
	// always does). waitid_nocancel refuses options == 0 and bits outside
	// WNOHANG|WNOWAIT|WCONTINUED|WSTOPPED|WEXITED; it does not insist on an
	// event bit, but without one it can only block forever or report
	// nothing, so this library asks for one as POSIX does.
	Wait4Mask:    0x1 | 0x2 | 0x4 | 0x10,
	Wait4Implied: 0x4,
	WaitidMask:   0x1 | 0x4 | 0x8 | 0x10 | 0x20,
	EventMask:    0x4 | 0x8 | 0x10,
	// apple-oss-distributions/xnu bsd/sys/_types.h: __darwin_id_t is uint32.
	IDSize:   4,
	IDSigned: false,
	Siginfo: map[string]SiginfoLayout{
		// apple-oss-distributions/xnu bsd/sys/signal.h, struct __siginfo:
		// si_signo, si_errno, si_code, si_pid, si_uid, si_status, then
		// si_addr, si_value, si_band and 7 longs of padding.
		"amd64": darwinSiginfo,
		"arm64": darwinSiginfo,
	},
	Rusage: map[string]RusageLayout{
		// apple-oss-distributions/xnu bsd/sys/resource.h: timeval is {long
		// tv_sec; int tv_usec} padded to 16 bytes; ru_maxrss is in bytes
		// (bsd/kern/kern_resource.c copies resident_size_max).
		"amd64": darwinRusage,
		"arm64": darwinRusage,
	},
	Notes: []string{
		"Wait4 and Waitid call libSystem; Wait6 is emulated: waitid with WNOWAIT finds the event, wait4 on that pid reaps it with its rusage (exits only); Children stays zero.",
		"WUNTRACED and WSTOPPED are different bits; each call is given the bit it understands. WTRAPPED is refused.",
		"For CLD_CONTINUED waitid reports in si_pid the process recorded as continuing the child (usually the child itself).",
		"MaxRSS is reported in bytes by the kernel.",
	},
	decode: func(raw uint32) Decoded { return decodeWith(DarwinStatus(raw)) },
}

const (
	darwinWait   = "apple-oss-distributions/xnu bsd/sys/wait.h"
	darwinSignal = "apple-oss-distributions/xnu bsd/sys/signal.h"
)

var (
	darwinSiginfo = SiginfoLayout{Size: 104, Signo: 0, Errno: 4, Code: 8, Pid: 12, UID: 16, Status: 20}
	darwinRusage  = RusageLayout{Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1}

	// DarwinEncoding builds wait4's word from waitid's siginfo
	// (apple-oss-distributions/xnu bsd/kern/kern_exit.c): wait4 stores
	// 0xffff & p_xstat for an exit, so only 8 bits of the exit value, and
	// W_STOPCODE(SIGCONT) = 0x137f for continued.
	DarwinEncoding = StatusEncoding{ValueMask: 0xff, Continued: 0x137f}
)
