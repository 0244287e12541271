package xcheck

// Tables of this test: what the project's ABI notes say where internal/abi
// holds nothing (system call numbers, kqueue and prctl constants, the C
// libraries), the Go-side values known to be stale, and the internal/abi
// entries that no Go source defines.

// notesSyscalls are the system call numbers of the project's ABI notes
// (shared/abi/<os>.md, drawn from each OS's syscall tables), keyed by GOOS
// or GOOS/GOARCH, then by call.
var notesSyscalls = map[string]map[string]int64{
	// torvalds/linux arch/x86/entry/syscalls/syscall_32.tbl, syscall_64.tbl,
	// arch/arm/tools/syscall.tbl, include/uapi/asm-generic/unistd.h,
	// arch/mips/kernel/syscalls/syscall_o32.tbl, syscall_n64.tbl,
	// arch/powerpc/kernel/syscalls/syscall.tbl, arch/s390/kernel/syscalls/syscall.tbl.
	"linux/386":      {"wait4": 114, "waitid": 284},
	"linux/amd64":    {"wait4": 61, "waitid": 247},
	"linux/arm":      {"wait4": 114, "waitid": 280},
	"linux/arm64":    {"wait4": 260, "waitid": 95},
	"linux/loong64":  {"wait4": 260, "waitid": 95},
	"linux/riscv64":  {"wait4": 260, "waitid": 95},
	"linux/mips":     {"wait4": 4114, "waitid": 4278},
	"linux/mipsle":   {"wait4": 4114, "waitid": 4278},
	"linux/mips64":   {"wait4": 5059, "waitid": 5237},
	"linux/mips64le": {"wait4": 5059, "waitid": 5237},
	"linux/ppc64":    {"wait4": 114, "waitid": 272},
	"linux/ppc64le":  {"wait4": 114, "waitid": 272},
	"linux/s390x":    {"wait4": 114, "waitid": 281},
	// freebsd/freebsd-src sys/kern/syscalls.master
	"freebsd": {"wait4": 7, "wait6": 532, "procctl": 544},
	// DragonFlyBSD/DragonFlyBSD sys/kern/syscalls.master
	"dragonfly": {"wait4": 7, "wait6": 548, "procctl": 536},
	// NetBSD/src sys/kern/syscalls.master: wait4 is __wait450 (7 is the
	// compat entry); wait6 is 481.
	"netbsd": {"wait4": 449, "wait6": 481},
}

// notesSyscallSource cites where notesSyscalls come from, per GOOS.
var notesSyscallSource = map[string]string{
	"linux":     "shared/abi/linux.md (torvalds/linux per-arch syscall tables)",
	"freebsd":   "shared/abi/freebsd.md (freebsd/freebsd-src sys/kern/syscalls.master)",
	"dragonfly": "shared/abi/dragonfly.md (DragonFlyBSD/DragonFlyBSD sys/kern/syscalls.master)",
	"netbsd":    "shared/abi/netbsd.md (NetBSD/src sys/kern/syscalls.master)",
}

// requiredCalls are the raw system calls the library must make per GOOS;
// the other systems are reached through libc.
var requiredCalls = map[string][]string{
	"linux":     {"wait4", "waitid"},
	"freebsd":   {"wait4", "wait6", "procctl"},
	"dragonfly": {"wait4", "wait6", "procctl"},
	"netbsd":    {"wait4", "wait6"},
}

// roleNames are the names x/sys and syscall give each call's number.
var roleNames = map[string][]string{
	"wait4":   {"SYS_WAIT4", "SYS___WAIT450"},
	"wait6":   {"SYS_WAIT6"},
	"waitid":  {"SYS_WAITID"},
	"procctl": {"SYS_PROCCTL"},
}

// notesConsts are constants the library takes from x/sys that internal/abi
// does not hold, with the values of the project's ABI notes.
var notesConsts = map[string]map[string]int64{
	// torvalds/linux include/uapi/linux/prctl.h
	"linux": {"PR_SET_CHILD_SUBREAPER": 36, "PR_GET_CHILD_SUBREAPER": 37},
	// freebsd/freebsd-src sys/sys/event.h
	"freebsd": {"EVFILT_PROC": -5, "NOTE_EXIT": 0x80000000},
	// DragonFlyBSD/DragonFlyBSD sys/sys/event.h
	"dragonfly": {"EVFILT_PROC": -5, "NOTE_EXIT": 0x80000000},
	// openbsd/src sys/sys/event.h
	"openbsd": {"EVFILT_PROC": -5, "NOTE_EXIT": 0x80000000},
	// apple-oss-distributions/xnu bsd/sys/event.h
	"darwin": {"EVFILT_PROC": -5, "NOTE_EXIT": 0x80000000},
	// NetBSD/src sys/sys/event.h: filter numbers are small positive values.
	"netbsd": {"EVFILT_PROC": 4, "NOTE_EXIT": 0x80000000},
}

// notesLibc are the C library each libc system's calls are imported from and
// the functions the library must import (shared/abi/darwin.md, openbsd.md,
// illumos.md).
var notesLibc = map[string]struct {
	lib   string
	funcs []string
}{
	"darwin":  {"/usr/lib/libSystem.B.dylib", []string{"wait4", "waitid"}},
	"openbsd": {"libc.so", []string{"wait4", "waitid"}},
	"illumos": {"libc.so", []string{"waitid"}},
	"solaris": {"libc.so", []string{"waitid"}},
}

// stale is a value a Go-side source defines differently from the OS's
// current header; the header named decides, and internal/abi follows it.
type stale struct {
	goos, name, source string
	goValue, abiValue  int64
	header             string // the OS source path that decides
	why                string
}

// staleGo are the known exceptions. Each must still be needed: an entry no
// target uses fails the test, so the table cannot outlive a fix upstream.
var staleGo = []stale{
	{
		"netbsd", "WSTOPPED", xsysPath, 0x7f, 0x2,
		"NetBSD/src sys/sys/wait.h (rev 1.38)",
		"x/sys still has the pre-2016 header's WSTOPPED, the status byte 0177 (_WSTOPPED), not a flag; rev 1.38 defines WSTOPPED as WUNTRACED (shared/abi/netbsd.md)",
	},
	{
		"netbsd", "WSTOPPED", "syscall", 0x7f, 0x2,
		"NetBSD/src sys/sys/wait.h (rev 1.38)",
		"Go's syscall package was generated from the same old header as x/sys (shared/abi/netbsd.md)",
	},
	{
		"dragonfly", "WSTOPPED", "syscall", 0x7f, 0x2,
		"DragonFlyBSD/DragonFlyBSD sys/sys/wait.h (the revision with idtype_t and wait6)",
		"Go's syscall package was generated from the pre-wait6 header, where WSTOPPED is _WSTOPPED (0177); x/sys, generated later, has 0x2 = WUNTRACED (shared/abi/dragonfly.md)",
	},
	{
		"openbsd", "WSTOPPED", "syscall", 0x7f, 0x2,
		"openbsd/src sys/sys/wait.h (rev 1.20)",
		"Go's syscall package has the old header's WSTOPPED, the status byte 0177; rev 1.20 defines WSTOPPED as WUNTRACED, 2 (shared/abi/openbsd.md); x/sys no longer defines it",
	},
}

// runtimeSiginfoPartial are the systems whose runtime siginfo type is not
// the whole siginfo_t, so that its size is not compared.
var runtimeSiginfoPartial = map[string]string{
	"netbsd": "Go's runtime declares NetBSD's struct _ksiginfo (the si_* fields), not siginfo_t with its 128-byte union pad",
}

// noGoSource are the internal/abi entries that no Go source defines, so
// that this test cannot check them independently (internal/abi's own tests
// check them against the headers and the notes). TestMutateABI checks that
// every other entry, changed by one, is caught by a Go source, and that the
// entries listed here are not: the list cannot go stale. goos is a
// space-separated list or "*"; in keys "*" stands for any characters;
// except names keys the patterns do not cover.
var noGoSource = []struct {
	goos         string
	keys, except []string
	why          string
}{
	{"*", []string{"Rusage[*]/MaxRSSUnit"}, nil,
		"the unit of ru_maxrss is kernel behaviour, part of no Go declaration"},
	{"*", []string{"Wait4Mask", "Wait4Implied", "WaitidMask", "EventMask"}, nil,
		"which option bits each call accepts is kernel behaviour, part of no Go declaration"},
	{"freebsd netbsd openbsd dragonfly darwin illumos", []string{"Codes/*"}, nil,
		"only Linux has CLD_* in a Go source (internal/syscall/unix)"},
	{"linux darwin openbsd illumos", []string{"IDSize"}, nil,
		"id_t's width shows only where Go's os passes it to wait6 (FreeBSD, NetBSD, DragonFly: one word or two)"},
	{"freebsd", []string{"IDTypes/*"}, []string{"IDTypes/P_PID", "IDTypes/P_ZONEID"},
		"x/sys defines P_ZONEID alone, syscall and os only their unexported _P_PID"},
	{"dragonfly", []string{"IDTypes/*"}, []string{"IDTypes/P_PID"},
		"only os defines one (_P_PID)"},
	{"netbsd", []string{"IDTypes/*"}, []string{"IDTypes/P_PID"},
		"only os defines one (_P_PID)"},
	{"openbsd darwin illumos", []string{"IDTypes/*"}, nil,
		"no Go source defines the idtypes of these systems: Go calls waitid there only through libc, if at all"},
	{"netbsd", []string{"Flags/WCONTINUED", "Flags/WTRAPPED"}, nil,
		"x/sys and syscall were generated before NetBSD's wait6 (8.0) and lack them"},
	{"openbsd", []string{"Flags/WEXITED", "Flags/WNOWAIT", "Flags/WTRAPPED"}, nil,
		"x/sys and syscall predate OpenBSD's waitid (7.3) and lack them (x/sys still has WALTSIG for bit 4)"},
	{"netbsd openbsd", []string{"Siginfo[*]/UID", "Siginfo[*]/Status"}, nil,
		"the runtime's siginfo ends in a byte array where the union starts; no other Go source declares siginfo_t"},
	{"illumos", []string{"Siginfo[*]/Status"}, nil,
		"the runtime's siginfo ends in a byte array where the union starts; no other Go source declares siginfo_t"},
	{"netbsd", []string{"Siginfo[*]/Size"}, nil,
		"see runtimeSiginfoPartial"},
	{"openbsd", []string{"Siginfo[mips64]/*"}, nil,
		"Go 1.26 has no openbsd/mips64 port: its runtime declares no siginfo there, and x/sys none anywhere on OpenBSD"},
}
