//go:build linux || android || darwin || ios || freebsd || netbsd || openbsd || dragonfly

package main

import "golang.org/x/sys/unix"

// getNproc reads RLIMIT_NPROC, which bounds the number of children of a
// user without privilege; ok is false where the OS has no such limit.
func getNproc(l *unix.Rlimit) (ok bool, err error) {
	return true, unix.Getrlimit(unix.RLIMIT_NPROC, l)
}
