//go:build !plan9

// Package posix holds the POSIX signal and errno types, and the few errno
// values, that the root package's portable files use, so that those files
// compile on every platform Go supports. Everywhere but plan9 each name is
// an alias of the standard syscall package's: the public API's types are
// syscall.Signal and syscall.Errno themselves. plan9's syscall package has
// neither type (notes are strings there), so posix_plan9.go defines
// stand-ins; on plan9 every call of the root package fails with
// errors.ErrUnsupported anyway.
//
// The package is not named syscall so that, in the root package, syscall
// always means the standard package.
package posix

import "syscall"

// Signal is syscall.Signal.
type Signal = syscall.Signal

// Errno is syscall.Errno.
type Errno = syscall.Errno

// The errno values the portable files name.
const (
	EBUSY  = syscall.EBUSY
	ECHILD = syscall.ECHILD
	EINTR  = syscall.EINTR
	EINVAL = syscall.EINVAL
	ENOSYS = syscall.ENOSYS
)
