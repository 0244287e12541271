//go:build darwin || dragonfly || freebsd || openbsd

package wait

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Here udata is a pointer (void *): it points at the registration itself,
// a live Go object, so the garbage collector sees an ordinary pointer in
// every Kevent_t that holds it and keeps the registration alive for as long
// as an event that names it may still be read. The token inside it is what
// the dispatcher compares.

func setUdata(ev *unix.Kevent_t, r *kqReg) { ev.Udata = (*byte)(unsafe.Pointer(r)) }

func udataToken(ev *unix.Kevent_t) uintptr {
	if ev.Udata == nil {
		return 0
	}
	return (*kqReg)(unsafe.Pointer(ev.Udata)).tok
}
