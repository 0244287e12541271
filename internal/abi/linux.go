package abi

// Linux: the raw wait4 and waitid system calls; wait6 is emulated through
// waitid's fifth argument (struct rusage *), which Linux alone has.
var linux = &OS{
	Name: "linux",
	Flags: []Const{
		{"WNOHANG", 0x1, "return at once when no child has a status to report", linuxWait},
		{"WUNTRACED", 0x2, "also report stopped children (wait4's name for WSTOPPED)", linuxWait},
		{"WSTOPPED", 0x2, "report children stopped by a signal", linuxWait},
		{"WEXITED", 0x4, "report children that exited or were killed (waitid; wait4 implies it and rejects it)", linuxWait},
		{"WCONTINUED", 0x8, "report stopped children resumed by SIGCONT", linuxWait},
		{"WTRAPPED", 0x20, "report ptrace stops: Linux always reports a tracee's stops to its tracer, so this library accepts it beside another event flag and refuses it alone", "library"},
		{"WNOWAIT", 0x01000000, "leave the child waitable (waitid only)", linuxWait},
		{"WNOTHREAD", 0x20000000, "__WNOTHREAD: wait only for children of the calling thread", linuxWait},
		{"WALL", 0x40000000, "__WALL: wait for all children, whatever their exit signal", linuxWait},
		{"WCLONE", 0x80000000, "__WCLONE: wait only for children whose exit signal is not SIGCHLD", linuxWait},
	},
	IDTypes: []Const{
		{"P_ALL", 0, "any child", linuxWait},
		{"P_PID", 1, "the child whose process ID is id", linuxWait},
		{"P_PGID", 2, "any child in process group id (0: the caller's own, since Linux 5.4)", linuxWait},
		{"P_PIDFD", 3, "the child the pidfd id refers to (Linux 5.4)", linuxWait},
	},
	Codes:        cldCodes("torvalds/linux include/uapi/asm-generic/siginfo.h"),
	Calls:        Calls{Wait4: Syscall, Waitid: Syscall, Wait6: Emulated},
	Wait4Mask:    0x1 | 0x2 | 0x8 | 0x20000000 | 0x40000000 | 0x80000000,
	Wait4Implied: 0x4,
	WaitidMask:   0x1 | 0x2 | 0x4 | 0x8 | 0x01000000 | 0x20000000 | 0x40000000 | 0x80000000,
	EventMask:    0x2 | 0x4 | 0x8,
	IDSize:       4,
	IDSigned:     true,
	Siginfo: map[string]SiginfoLayout{
		// torvalds/linux include/uapi/asm-generic/siginfo.h: the union starts
		// at 12 on 32-bit and at 16 on 64-bit; MIPS swaps si_code and si_errno
		// (arch/mips/include/uapi/asm/siginfo.h, __ARCH_HAS_SWAPPED_SIGINFO).
		"386":      linuxSiginfo32,
		"arm":      linuxSiginfo32,
		"mips":     linuxSiginfoMIPS32,
		"mipsle":   linuxSiginfoMIPS32,
		"amd64":    linuxSiginfo64,
		"arm64":    linuxSiginfo64,
		"loong64":  linuxSiginfo64,
		"ppc64":    linuxSiginfo64,
		"ppc64le":  linuxSiginfo64,
		"riscv64":  linuxSiginfo64,
		"s390x":    linuxSiginfo64,
		"mips64":   linuxSiginfoMIPS64,
		"mips64le": linuxSiginfoMIPS64,
	},
	Rusage: map[string]RusageLayout{
		// torvalds/linux include/uapi/linux/resource.h: wait4/waitid fill the
		// legacy struct rusage (timeval of two C longs, even with a 64-bit
		// time_t userland). ru_maxrss is in KiB (kernel/sys.c getrusage).
		"386": linuxRusage32, "arm": linuxRusage32, "mips": linuxRusage32, "mipsle": linuxRusage32,
		"amd64": linuxRusage64, "arm64": linuxRusage64, "loong64": linuxRusage64, "ppc64": linuxRusage64,
		"ppc64le": linuxRusage64, "riscv64": linuxRusage64, "s390x": linuxRusage64,
		"mips64": linuxRusage64, "mips64le": linuxRusage64,
	},
	Notes: []string{
		"Wait6 is waitid with its rusage argument: WRusage.Self is the kernel's figure, Children stays zero.",
		"WTRAPPED is accepted beside another event flag (tracers always see tracee stops) and refused alone.",
	},
	decode: func(raw uint32) Decoded { return decodeWith(LinuxStatus(raw)) },
}

const linuxWait = "torvalds/linux include/uapi/linux/wait.h"

var (
	linuxSiginfo32     = SiginfoLayout{Size: 128, Signo: 0, Errno: 4, Code: 8, Pid: 12, UID: 16, Status: 20}
	linuxSiginfoMIPS32 = SiginfoLayout{Size: 128, Signo: 0, Errno: 8, Code: 4, Pid: 12, UID: 16, Status: 20}
	linuxSiginfo64     = SiginfoLayout{Size: 128, Signo: 0, Errno: 4, Code: 8, Pid: 16, UID: 20, Status: 24}
	linuxSiginfoMIPS64 = SiginfoLayout{Size: 128, Signo: 0, Errno: 8, Code: 4, Pid: 16, UID: 20, Status: 24}

	linuxRusage32 = RusageLayout{Size: 72, SecSize: 4, UsecOffset: 4, UsecSize: 4, TimevalSize: 8, LongSize: 4, MaxRSSUnit: 1024}
	linuxRusage64 = RusageLayout{Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 8, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024}
)

// cldCodes are the SIGCHLD si_code values, 1..6 on every OS (Darwin adds
// CLD_NOOP 0 in its own table).
func cldCodes(source string) []Const {
	return []Const{
		{"CLD_EXITED", 1, "the child exited", source},
		{"CLD_KILLED", 2, "the child was killed by a signal", source},
		{"CLD_DUMPED", 3, "the child was killed by a signal and dumped core", source},
		{"CLD_TRAPPED", 4, "a traced child stopped at a trap", source},
		{"CLD_STOPPED", 5, "the child was stopped by a signal", source},
		{"CLD_CONTINUED", 6, "the stopped child was continued by SIGCONT", source},
	}
}

// LinuxEncoding builds wait4's status word from waitid's siginfo, as the
// kernel does (kernel/exit.c): the exit code << 8 (si_status already holds
// only its low 8 bits), the signal | 0x80 for a core dump, the stop signal
// << 8 | 0x7f (for a ptrace event stop si_status is SIGTRAP | event << 8, so
// the event lands in bits 16-23), and 0xffff for continued.
var LinuxEncoding = StatusEncoding{ValueMask: 0xffffffff, Continued: 0xffff}
