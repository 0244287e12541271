package wait

import (
	"math"

	"github.com/procwait/wait/internal/abi"
	"github.com/procwait/wait/internal/posix"
	"github.com/procwait/wait/internal/raw"
)

// Wait4 wraps wait4(2): it waits for a child selected by pid (> 0: that child;
// -1: any child; 0: any child in the caller's process group; < -1: any child in
// process group -pid) to change state and returns its process ID, storing its
// status word in status and its resource usage in rusage. Either pointer may
// be nil. With WNOHANG and no child ready it returns 0 and a nil error.
//
// Which options wait4 takes is the OS's: Linux accepts WNOHANG, WUNTRACED,
// WCONTINUED, WALL, WCLONE and WNOTHREAD, implies WEXITED and rejects WEXITED
// and WNOWAIT with EINVAL, as its kernel does; FreeBSD, NetBSD and DragonFly imply
// WEXITED|WTRAPPED and accept WNOWAIT; OpenBSD accepts only WNOHANG, WUNTRACED
// and WCONTINUED. OpenBSD and macOS call libc's wait4; on illumos Wait4 is
// built on waitid (libc's wait4 reads pid 0 and -1 differently from wait4(2)
// elsewhere) and its rusage holds only the child's CPU times.
//
// EINTR is retried (internal/raw). Errors are *os.SyscallError{Syscall: "wait4"}.
func Wait4(pid int, status *WaitStatus, options Options, rusage *Rusage) (wpid int, err error) {
	opts := uint32(options)
	if !plainOptions(options, hostWait4Mask) {
		if opts, err = checkOptions("wait4", options, hostWait4Mask); err != nil {
			return 0, err
		}
	}
	if pid < math.MinInt32 || pid > math.MaxInt32 {
		return 0, invalid("wait4", "pid %d does not fit pid_t", pid)
	}
	var buf raw.Rusage
	var ru *raw.Rusage
	if rusage != nil {
		ru = &buf
	}
	wpid, errno := raw.Wait4(pid, (*uint32)(status), opts, ru)
	if errno != 0 {
		return 0, syscallError("wait4", errno)
	}
	switch {
	case rusage == nil:
	case wpid == 0:
		*rusage = Rusage{} // WNOHANG found nothing: the kernel filled nothing
	default:
		*(*abi.Rusage)(rusage) = buf.Decode() // in place: no temporary copy
	}
	return wpid, nil
}

// Waitid wraps waitid(2): it waits for a child selected by idtype and id to
// change state in one of the ways options asks for (WEXITED, WSTOPPED,
// WCONTINUED, WTRAPPED where the OS has it; at least one is required) and
// describes it in info, which may be nil. With WNOHANG and nothing to report
// it returns nil and sets info.Pid and info.Signo to 0. WNOWAIT leaves the
// child waitable.
//
// On FreeBSD, NetBSD and DragonFly waitid is a libc function over wait6(2);
// this package calls wait6 the same way. OpenBSD (7.3 and later; earlier
// releases get an error wrapping errors.ErrUnsupported), macOS and illumos
// call libc's waitid. On macOS a CLD_CONTINUED report's Pid is the process
// the kernel recorded as continuing the child (usually the child itself). Errors are
// *os.SyscallError{Syscall: "waitid"}.
func Waitid(idtype IDType, id int, info *Info, options Options) error {
	opts := uint32(options)
	if !plainOptions(options, hostWaitidMask) {
		var err error
		if opts, err = checkOptions("waitid", options, hostWaitidMask); err != nil {
			return err
		}
	}
	if opts&hostEventMask == 0 && hostEventMask != 0 {
		return invalid("waitid", "options %v name no event: waitid needs one of %s", options, eventFlagNames)
	}
	if !plainPID(idtype, id) {
		var err error
		if id, err = checkID("waitid", idtype, id); err != nil {
			return err
		}
	}
	var si raw.Siginfo
	if errno := raw.Waitid(int(idtype), id, &si, opts); errno != 0 {
		return syscallError("waitid", errno)
	}
	if info != nil {
		*info = makeInfo(si.Fields()) // inlined: the fields stay in registers
	}
	return nil
}

// Wait6 wraps wait6(2), the superset of the family: it selects children like
// Waitid, stores the status word like Wait4, and fills wrusage with the
// resource usage of the child (Self) and of the child's reaped descendants
// (Children). Any pointer may be nil. It returns the child's process ID, or 0
// with WNOHANG when nothing is ready.
//
// FreeBSD, NetBSD and DragonFly have wait6 natively. Their kernels fold a
// child's reaped descendants into its own usage when it exits, so for an
// exited child Self already includes Children (the figure wait4 reports);
// Children is the descendants alone. Linux has no wait6: it is emulated
// exactly through one waitid system call, whose fifth argument takes a struct
// rusage. The status word is built from the siginfo just as the kernel builds
// wait4's, and WRusage.Self is the kernel's figure (the child and its reaped
// descendants together, as wait4 reports it), but Linux cannot give the
// descendants alone, so Children stays zero. Errors still say "wait6".
//
// OpenBSD and macOS have no wait6 either: waitid with WNOWAIT finds the
// event, then an exit is reaped by wait4 on that pid, which gives the
// kernel's own status word and rusage (Self; Children stays zero); a stop or
// continue is consumed by waitid for that pid and that event only and carries
// no rusage, as in their wait4; with the caller's own WNOWAIT no rusage exists.
// On illumos Wait6 is one waitid call: Self holds the child's CPU times from
// the siginfo and every other field is zero, as illumos reports no more.
func Wait6(idtype IDType, id int, status *WaitStatus, options Options, wrusage *WRusage, info *Info) (wpid int, err error) {
	opts := uint32(options)
	if !plainOptions(options, hostWaitidMask) {
		if opts, err = checkOptions("wait6", options, hostWaitidMask); err != nil {
			return 0, err
		}
	}
	if opts&hostEventMask == 0 && hostEventMask != 0 {
		return 0, invalid("wait6", "options %v name no event: wait6 needs one of %s", options, eventFlagNames)
	}
	if !plainPID(idtype, id) {
		if id, err = checkID("wait6", idtype, id); err != nil {
			return 0, err
		}
	}
	var si raw.Siginfo
	var errno posix.Errno
	if wrusage == nil {
		wpid, errno = raw.Wait6(int(idtype), id, (*uint32)(status), opts, nil, &si)
	} else {
		// The 288-byte buffer is zeroed only when a usage is asked for.
		var buf raw.WRusage
		wpid, errno = raw.Wait6(int(idtype), id, (*uint32)(status), opts, &buf, &si)
		switch {
		case errno != 0:
		case wpid == 0:
			*wrusage = WRusage{} // WNOHANG found nothing: the kernel filled nothing
		default:
			*wrusage = wrusageOf(&buf)
		}
	}
	if errno != 0 {
		return 0, syscallError("wait6", errno)
	}
	if info != nil {
		*info = makeInfo(si.Fields()) // inlined: the fields stay in registers
	}
	return wpid, nil
}

// plainOptions reports whether options are the common case that needs no
// more checking: every bit one that the call (accepted) takes and hostOptions
// passes on unchanged (hostPlainOptions). It is small enough for the compiler
// to inline into each call; checkOptions decides everything else, every error
// included.
func plainOptions(options Options, accepted uint32) bool {
	o := uint32(options)
	return Options(o) == options && o&^(accepted&hostPlainOptions&knownOptionBits) == 0
}

// checkOptions validates options for call before any system call: they must
// fit a C int, every bit must be a flag the host defines, and call must accept
// it. hostOptions applies the OS's own rules first (Linux's WTRAPPED).
func checkOptions(call string, options Options, accepted uint32) (uint32, error) {
	if int64(options) < math.MinInt32 || int64(options) > math.MaxUint32 {
		return 0, invalid(call, "options %#x do not fit a C int", int64(options))
	}
	opts, err := hostOptions(call, uint32(options))
	if err != nil {
		return 0, err
	}
	if unknown := opts &^ knownOptionBits; unknown != 0 {
		return 0, unsupported(call, posix.EINVAL, "option bits %#x are not defined", unknown)
	}
	if bad := opts &^ accepted; bad != 0 {
		if call == "wait4" && bad&hostWait4Implied == bad {
			return 0, invalid(call, "wait4 implies %v on %s and rejects it when given", Options(bad), hostOS)
		}
		return 0, invalid(call, "%s does not accept %v on %s", call, Options(bad), hostOS)
	}
	return opts, nil
}

// knownPID and knownAll are knownIDType of the two idtypes nearly every
// call names, looked up once.
var knownPID, knownAll = knownIDType(P_PID), knownIDType(P_ALL)

// plainPID reports whether idtype and id are P_PID and an id that fits every
// OS's id_t, the common case checkID need not see. Inlined like plainOptions.
func plainPID(idtype IDType, id int) bool {
	return idtype == P_PID && knownPID && uint(id) <= math.MaxInt32
}

// checkID validates idtype and id and returns the id to pass: idtype must be
// one the host defines, and id (ignored for P_ALL) must be non-negative and
// fit the OS's id_t.
func checkID(call string, idtype IDType, id int) (int, error) {
	if !(idtype == P_PID && knownPID || idtype == P_ALL && knownAll || knownIDType(idtype)) {
		return 0, unsupported(call, posix.EINVAL, "idtype %d is not defined", int(idtype))
	}
	if idtype == P_ALL {
		return 0, nil
	}
	if id < 0 {
		return 0, invalid(call, "negative id %d for %v", id, idtype)
	}
	if hostIDSize == 4 && (int64(id) > math.MaxUint32 || hostIDSigned && int64(id) > math.MaxInt32) {
		return 0, invalid(call, "id %d for %v does not fit id_t", id, idtype)
	}
	return id, nil
}
