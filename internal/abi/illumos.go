package abi

// illumos and Solaris: waitid is the kernel's call (waitsys); wait4 is a
// libc function over it, which this library reproduces in Go; Wait6 is one
// waitid call, since illumos' siginfo_t carries the child's CPU times.
var illumos = &OS{
	Name: "illumos",
	Flags: []Const{
		// Header order; the bit assignment is the SVR4 one, unlike the BSDs.
		{"WEXITED", 0x1, "report children that exited or were killed (waitid; wait4 implies it and rejects it)", illumosWait},
		{"WTRAPPED", 0x2, "report traced children stopped at a trap (waitid; wait4 implies it and rejects it)", illumosWait},
		{"WSTOPPED", 0x4, "report children stopped by a signal", illumosWait},
		{"WUNTRACED", 0x4, "also report stopped children (wait4's name for WSTOPPED)", illumosWait},
		{"WCONTINUED", 0x8, "report stopped children resumed by SIGCONT", illumosWait},
		{"WNOHANG", 0x40, "return at once when no child has a status to report", illumosWait},
		{"WNOWAIT", 0x80, "leave the child waitable (waitid only)", illumosWait},
	},
	IDTypes: []Const{
		// illumos/illumos-gate usr/src/uts/common/sys/procset.h defines 16
		// idtypes, but waitid (usr/src/uts/common/os/exit.c) accepts only
		// these three and refuses the rest with EINVAL.
		{"P_PID", 0, "the child whose process ID is id", illumosProcset},
		{"P_PGID", 2, "any child in process group id", illumosProcset},
		{"P_ALL", 7, "any child", illumosProcset},
	},
	Codes: cldCodes("illumos/illumos-gate usr/src/uts/common/sys/siginfo.h"),
	Calls: Calls{Wait4: Libc, Waitid: Libc, Wait6: Emulated},
	// illumos/illumos-gate usr/src/lib/libc/port/gen/waitpid.c: wait4
	// refuses bits outside WNOHANG|WUNTRACED|WCONTINUED and adds
	// WEXITED|WTRAPPED. usr/src/uts/common/os/exit.c: waitid refuses
	// options == 0 and bits outside WOPTMASK (0xcf); it does not insist on an
	// event bit, but without one it can only block forever or report
	// nothing, so this library asks for one as POSIX does.
	Wait4Mask:    0x40 | 0x4 | 0x8,
	Wait4Implied: 0x1 | 0x2,
	WaitidMask:   0xcf,
	EventMask:    0x1 | 0x2 | 0x4 | 0x8,
	// illumos/illumos-gate usr/src/uts/common/sys/types.h: id_t is int.
	IDSize:   4,
	IDSigned: true,
	Siginfo: map[string]SiginfoLayout{
		// illumos/illumos-gate usr/src/uts/common/sys/siginfo.h: si_signo,
		// si_code, si_errno, a pad int on LP64, then the union at 16; its
		// __proc member is pid, then a union of {uid, sigval} and {clock_t
		// utime; int status; clock_t stime}. waitid fills the second (exit.c,
		// winfo), so si_uid is not reported: UID -1.
		"amd64": {Size: 256, Signo: 0, Code: 4, Errno: 8, Pid: 16, UID: -1, Status: 32},
	},
	Rusage: map[string]RusageLayout{
		// illumos/illumos-gate usr/src/uts/common/sys/resource.h: timeval of
		// two longs, then 14 longs. illumos never fills ru_maxrss: the
		// kernel's getrusage (usr/src/uts/common/syscall/rusagesys.c) and
		// libc's wait4 zero it, so its unit cannot show; KiB is assumed, as
		// on the BSDs.
		"amd64": {Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 8, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024},
	},
	Notes: []string{
		"Wait4 is waitid plus the libc translation of pid and status; its rusage holds the child's user and system time from the siginfo (clock ticks), every other field zero, as illumos itself reports no more.",
		"Wait6 is one waitid call: Self holds the same times, Children stays zero. Info.UID is -1: si_uid shares storage with si_utime.",
		"The same table serves GOOS=solaris.",
	},
	decode: func(raw uint32) Decoded { return decodeWith(IllumosStatus(raw)) },
}

const (
	illumosWait    = "illumos/illumos-gate usr/src/uts/common/sys/wait.h"
	illumosProcset = "illumos/illumos-gate usr/src/uts/common/sys/procset.h"
)

// The offsets of si_utime and si_stime (clock_t, in clock ticks) in the amd64
// siginfo_t. For an exited child they hold its CPU time including that of
// its own reaped children (illumos/illumos-gate usr/src/uts/common/os/exit.c:
// proc_exit adds p_cutime, winfo copies p_utime).
const (
	IllumosSiginfoUtime = 24
	IllumosSiginfoStime = 40
)

// IllumosEncoding builds wait4's word from waitid's siginfo as libc's wstat
// does (illumos/illumos-gate usr/src/lib/libc/port/gen/waitpid.c): 8 bits of
// the value, WCONTFLG 0xffff for continued.
var IllumosEncoding = StatusEncoding{ValueMask: 0xff, Continued: 0xffff}

// IllumosSCClkTck is _SC_CLK_TCK, the sysconf name of the clock tick rate
// that si_utime and si_stime count in (illumos/illumos-gate
// usr/src/uts/common/sys/unistd.h).
const IllumosSCClkTck = 3
