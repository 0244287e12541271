//go:build !plan9

// Package syscall holds the few names of the standard syscall package that
// the root package's portable files use, so that those files compile on
// every platform Go supports. Everywhere but plan9 each name is an alias of
// the standard one: the public API's types are syscall.Signal and
// syscall.Errno themselves. plan9's syscall package has neither type (notes
// are strings there), so syscall_plan9.go defines stand-ins; on plan9 every
// call of the root package fails with errors.ErrUnsupported anyway.
package syscall

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
