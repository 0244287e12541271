package wait

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PR_SET_CHILD_SUBREAPER (36) and PR_GET_CHILD_SUBREAPER (37) come from
// torvalds/linux include/uapi/linux/prctl.h; the GET form stores an int
// through its pointer argument.

func setSubreaper(on bool) error {
	var arg uintptr
	if on {
		arg = 1
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, arg, 0, 0, 0); err != nil {
		return os.NewSyscallError("prctl", err)
	}
	return nil
}

func isSubreaper() (bool, error) {
	var v int32
	if err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&v)), 0, 0, 0); err != nil {
		return false, os.NewSyscallError("prctl", err)
	}
	return v != 0, nil
}
