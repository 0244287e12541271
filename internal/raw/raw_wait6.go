//go:build dragonfly || freebsd || netbsd

package raw

import "github.com/procwait/wait/internal/posix"

// FreeBSD, NetBSD and DragonFly have wait4 and wait6 as system calls; their
// C libraries build waitid on wait6, and so does this file. Each OS's
// wait6_*.go file supplies sysWait6, the call in that OS's argument layout.

// waitid is waitid as the BSD C libraries write it (freebsd/freebsd-src
// lib/libc/gen/waitid.c, NetBSD/src lib/libc/gen/waitid.c): wait6 with a
// scratch status word and no rusage; when wait6 finds no child (WNOHANG)
// the siginfo is cleared.
func waitid(idtype, id int, info *Siginfo, options uint32) posix.Errno {
	var st uint32
	pid, e := sysWait6(idtype, id, &st, options, nil, info)
	if e == 0 && pid == 0 {
		*info = Siginfo{}
	}
	return e
}

// wait6 stores the status word only when a child was found: NetBSD's kernel
// copies out an unset status word when WNOHANG finds nothing.
func wait6(idtype, id int, status *uint32, options uint32, wru *WRusage, info *Siginfo) (int, posix.Errno) {
	var st uint32
	pid, e := sysWait6(idtype, id, &st, options, wru, info)
	if e == 0 && pid > 0 && status != nil {
		*status = st
	}
	return pid, e
}
