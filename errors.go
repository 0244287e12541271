package wait

import (
	"errors"
	"fmt"
	"os"

	"github.com/procwait/wait/internal/posix"
)

// argError is a bad argument caught before the system call. It unwraps to the
// errno the kernel would have returned (EINVAL) and, for a flag, idtype or
// call the host lacks, to errors.ErrUnsupported as well.
type argError struct {
	msg         string
	errno       posix.Errno // 0 when the kernel has no word for it
	unsupported bool
}

func (e *argError) Error() string {
	if e.errno != 0 {
		return e.msg + " (" + e.errno.Error() + ")"
	}
	return e.msg
}

func (e *argError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.errno != 0 {
		errs = append(errs, e.errno)
	}
	if e.unsupported {
		errs = append(errs, errors.ErrUnsupported)
	}
	return errs
}

// invalid is an argument the kernel itself would reject with EINVAL.
func invalid(call, format string, args ...any) error {
	return &os.SyscallError{Syscall: call, Err: &argError{msg: fmt.Sprintf(format, args...), errno: posix.EINVAL}}
}

// unsupported is a flag, idtype or call the host OS lacks. Where the kernel
// would see the value it would say EINVAL, so the error wraps that too.
func unsupported(call string, errno posix.Errno, format string, args ...any) error {
	return unsupportedOn(hostOS, call, errno, format, args...)
}

// unsupportedOn is unsupported for the OS named goos: the message ends in
// " on " and goos.
func unsupportedOn(goos, call string, errno posix.Errno, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...) + " on " + goos
	return &os.SyscallError{Syscall: call, Err: &argError{msg: msg, errno: errno, unsupported: true}}
}

// notAvailable is the error of every call on an OS without the wait family,
// named by goos (runtime.GOOS there): "wait4: wait4 is not available on
// windows", wrapping errors.ErrUnsupported and no errno.
func notAvailable(goos, call string) error {
	return unsupportedOn(goos, call, 0, "%s is not available", call)
}

// Pre-boxed ECHILD errors: "no child left" ends every reaping loop, so it
// must not allocate. Callers compare them with errors.Is, never mutate them.
var (
	errNoChildWait4  = os.NewSyscallError("wait4", posix.ECHILD)
	errNoChildWaitid = os.NewSyscallError("waitid", posix.ECHILD)
	errNoChildWait6  = os.NewSyscallError("wait6", posix.ECHILD)
)

// syscallError wraps errno as *os.SyscallError naming the call.
func syscallError(call string, errno posix.Errno) error {
	if errno == posix.ECHILD {
		switch call {
		case "wait4":
			return errNoChildWait4
		case "waitid":
			return errNoChildWaitid
		case "wait6":
			return errNoChildWait6
		}
	}
	return os.NewSyscallError(call, errno)
}
