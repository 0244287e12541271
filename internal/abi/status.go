package abi

// Decoded is a status word as the OS's own <sys/wait.h> macros read it. The
// numbers are the macros' values even where the matching predicate is false
// (WEXITSTATUS of a signalled status, for example), exactly as C computes them.
type Decoded struct {
	Exited     bool
	ExitStatus int
	Signaled   bool
	Signal     int
	CoreDump   bool
	Stopped    bool
	StopSignal int
	Continued  bool
}

// statusRules is what every OS's status type provides. The root package calls
// the host's type directly (its methods are small enough to inline); the OS
// tables use decodeWith.
type statusRules interface {
	Exited() bool
	ExitStatus() int
	Signaled() bool
	Signal() int
	CoreDump() bool
	Stopped() bool
	StopSignal() int
	Continued() bool
}

func decodeWith[S statusRules](s S) Decoded {
	return Decoded{
		Exited:     s.Exited(),
		ExitStatus: s.ExitStatus(),
		Signaled:   s.Signaled(),
		Signal:     s.Signal(),
		CoreDump:   s.CoreDump(),
		Stopped:    s.Stopped(),
		StopSignal: s.StopSignal(),
		Continued:  s.Continued(),
	}
}

const (
	low7   = 0x7f // _WSTATUS mask; also the "stopped" marker _WSTOPPED
	core   = 0x80 // WCOREFLAG
	sigcon = 0x13 // SIGCONT on the BSDs and Darwin (19)
)

// LinuxStatus decodes like glibc's bits/waitstatus.h (bminor/glibc
// bits/waitstatus.h); the kernel's encoding is in torvalds/linux kernel/exit.c.
type LinuxStatus uint32

func (s LinuxStatus) Exited() bool    { return s&low7 == 0 }
func (s LinuxStatus) ExitStatus() int { return int(s&0xff00) >> 8 }
func (s LinuxStatus) Signaled() bool  { return s&low7 != 0 && s&low7 != low7 } // ((signed char)((s&0x7f)+1)>>1) > 0
func (s LinuxStatus) Signal() int     { return int(s & low7) }
func (s LinuxStatus) CoreDump() bool  { return s&core != 0 }
func (s LinuxStatus) Stopped() bool   { return s&0xff == low7 }
func (s LinuxStatus) StopSignal() int { return int(s&0xff00) >> 8 }
func (s LinuxStatus) Continued() bool { return s == 0xffff }
func (s LinuxStatus) TrapCause() int  { return int(s >> 16) } // PTRACE_EVENT_* of a ptrace event stop

// FreeBSDStatus decodes like freebsd/freebsd-src sys/sys/wait.h: WEXITSTATUS
// and WSTOPSIG are unmasked arithmetic shifts, continued is the bare 0x13.
type FreeBSDStatus uint32

func (s FreeBSDStatus) Exited() bool    { return s&low7 == 0 }
func (s FreeBSDStatus) ExitStatus() int { return int(int32(s) >> 8) }
func (s FreeBSDStatus) Signaled() bool  { return s&low7 != low7 && s&low7 != 0 && s != sigcon }
func (s FreeBSDStatus) Signal() int     { return int(s & low7) }
func (s FreeBSDStatus) CoreDump() bool  { return s&core != 0 }
func (s FreeBSDStatus) Stopped() bool   { return s&low7 == low7 }
func (s FreeBSDStatus) StopSignal() int { return int(int32(s) >> 8) }
func (s FreeBSDStatus) Continued() bool { return s == sigcon }

// DragonFlyStatus decodes like DragonFlyBSD/DragonFlyBSD sys/sys/wait.h: as
// FreeBSD, but WIFSIGNALED does not exclude the continued word 19, so 0x13 is
// both continued and "signalled by 19" there.
type DragonFlyStatus uint32

func (s DragonFlyStatus) Exited() bool    { return s&low7 == 0 }
func (s DragonFlyStatus) ExitStatus() int { return int(int32(s) >> 8) }
func (s DragonFlyStatus) Signaled() bool  { return s&low7 != low7 && s&low7 != 0 }
func (s DragonFlyStatus) Signal() int     { return int(s & low7) }
func (s DragonFlyStatus) CoreDump() bool  { return s&core != 0 }
func (s DragonFlyStatus) Stopped() bool   { return s&low7 == low7 }
func (s DragonFlyStatus) StopSignal() int { return int(int32(s) >> 8) }
func (s DragonFlyStatus) Continued() bool { return s == 19 }

// OpenBSDStatus decodes like openbsd/src sys/sys/wait.h rev 1.20: masked
// 8-bit fields; continued is 0xffff in the low 16 bits.
type OpenBSDStatus uint32

func (s OpenBSDStatus) Exited() bool    { return s&low7 == 0 }
func (s OpenBSDStatus) ExitStatus() int { return int(s>>8) & 0xff }
func (s OpenBSDStatus) Signaled() bool  { return s&low7 != low7 && s&low7 != 0 }
func (s OpenBSDStatus) Signal() int     { return int(s & low7) }
func (s OpenBSDStatus) CoreDump() bool  { return s&core != 0 }
func (s OpenBSDStatus) Stopped() bool   { return s&0xff == low7 }
func (s OpenBSDStatus) StopSignal() int { return int(s>>8) & 0xff }
func (s OpenBSDStatus) Continued() bool { return s&0xffff == 0xffff }

// NetBSDStatus decodes like NetBSD/src sys/sys/wait.h rev 1.38: continued is
// exactly 0xffff and WIFSIGNALED is "none of the others".
type NetBSDStatus uint32

func (s NetBSDStatus) Exited() bool    { return s&low7 == 0 }
func (s NetBSDStatus) ExitStatus() int { return int(s>>8) & 0xff }
func (s NetBSDStatus) Signaled() bool  { return !s.Stopped() && !s.Continued() && !s.Exited() }
func (s NetBSDStatus) Signal() int     { return int(s & low7) }
func (s NetBSDStatus) CoreDump() bool  { return s&core != 0 }
func (s NetBSDStatus) Stopped() bool   { return s&low7 == low7 && !s.Continued() }
func (s NetBSDStatus) StopSignal() int { return int(s>>8) & 0xff }
func (s NetBSDStatus) Continued() bool { return s == 0xffff }

// DarwinStatus decodes like apple-oss-distributions/xnu bsd/sys/wait.h (the
// UNIX03 branch): continued is the word "stopped by SIGCONT" (0x137f) and
// WSTOPSIG is an unmasked arithmetic shift.
type DarwinStatus uint32

func (s DarwinStatus) Exited() bool    { return s&low7 == 0 }
func (s DarwinStatus) ExitStatus() int { return int(s>>8) & 0xff }
func (s DarwinStatus) Signaled() bool  { return s&low7 != low7 && s&low7 != 0 }
func (s DarwinStatus) Signal() int     { return int(s & low7) }
func (s DarwinStatus) CoreDump() bool  { return s&core != 0 }
func (s DarwinStatus) Stopped() bool   { return s&low7 == low7 && int32(s)>>8 != sigcon }
func (s DarwinStatus) StopSignal() int { return int(int32(s) >> 8) }
func (s DarwinStatus) Continued() bool { return s&low7 == low7 && int32(s)>>8 == sigcon }

// IllumosStatus decodes like illumos/illumos-gate usr/src/uts/common/sys/wait.h
// (Solaris shares it): WIFEXITED looks at 8 bits and WIFSIGNALED requires a
// zero second byte, so 0x7f is "signalled by 127" there.
type IllumosStatus uint32

func (s IllumosStatus) Exited() bool    { return s&0xff == 0 }
func (s IllumosStatus) ExitStatus() int { return int(s>>8) & 0xff }
func (s IllumosStatus) Signaled() bool  { return s&0xff > 0 && s&0xff00 == 0 }
func (s IllumosStatus) Signal() int     { return int(s & low7) }
func (s IllumosStatus) CoreDump() bool  { return s&core != 0 }
func (s IllumosStatus) Stopped() bool   { return s&0xff == low7 && s&0xff00 != 0 }
func (s IllumosStatus) StopSignal() int { return int(s>>8) & 0xff }
func (s IllumosStatus) Continued() bool { return s&0xffff == 0xffff }
