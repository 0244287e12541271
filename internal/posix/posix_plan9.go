package posix

import (
	"errors"
	"strconv"
)

// Signal stands in for the Unix signal number type, which plan9's syscall
// package lacks (it has notes, which are strings). No plan9 kernel ever
// produces one: every call of the root package is unsupported there.
type Signal int

// Signal makes Signal an os.Signal.
func (s Signal) Signal() {}

// String returns "signal N".
func (s Signal) String() string { return "signal " + strconv.Itoa(int(s)) }

// Errno stands in for a Unix error number, which plan9's syscall package
// lacks (its errors are strings).
type Errno uintptr

// Error returns the Unix name of the errno.
func (e Errno) Error() string {
	switch e {
	case EBUSY:
		return "device or resource busy"
	case ECHILD:
		return "no child processes"
	case EINTR:
		return "interrupted system call"
	case EINVAL:
		return "invalid argument"
	case ENOSYS:
		return "function not implemented"
	}
	return "errno " + strconv.Itoa(int(e))
}

// Is makes ENOSYS match errors.ErrUnsupported, as syscall.Errno does.
func (e Errno) Is(target error) bool {
	return target == errors.ErrUnsupported && e == ENOSYS
}

// The Unix (Linux) numbers of the errno values the portable files name.
const (
	EBUSY  Errno = 16
	ECHILD Errno = 10
	EINTR  Errno = 4
	EINVAL Errno = 22
	ENOSYS Errno = 38
)
