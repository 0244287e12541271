//go:build aix || hurd || illumos || solaris

package main

import "golang.org/x/sys/unix"

// getNproc reports that this OS has no RLIMIT_NPROC.
func getNproc(*unix.Rlimit) (ok bool, err error) { return false, nil }
