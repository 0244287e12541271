package wait

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// NetBSD's udata is an intptr_t (int32 or int64 in x/sys, per architecture):
// it carries the token itself.

func setUdata(ev *unix.Kevent_t, r *kqReg) {
	*(*uintptr)(unsafe.Pointer(&ev.Udata)) = r.tok
}

func udataToken(ev *unix.Kevent_t) uintptr {
	return *(*uintptr)(unsafe.Pointer(&ev.Udata))
}
